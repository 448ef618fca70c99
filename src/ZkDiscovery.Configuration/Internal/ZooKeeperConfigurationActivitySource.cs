using System.Diagnostics;
using System.Reflection;

namespace ZkDiscovery.Configuration.Internal;

/// <summary>
/// The <c>ZkDiscovery.Configuration</c> activity source (named after the assembly, with the version its meter carries) and the names of
/// the provider's internal spans and attributes. Spans exist only when a listener subscribed to the source
/// (<see cref="ZooKeeperTelemetry.ActivitySourceNames"/>); every helper does nothing for a null activity.
/// </summary>
internal static class ZooKeeperConfigurationActivitySource
{
    public const string Name = ZooKeeperTelemetry.ConfigurationActivitySourceName;

    /// <summary>The first load of a provider: connecting and reading the tree, up to the startup timeout.</summary>
    public const string LoadSpan = "zookeeper.configuration.load";

    /// <summary>A later read of the tree (after a watch fired, a new session, or <c>IConfigurationRoot.Reload()</c>) and applying it.</summary>
    public const string ReloadSpan = "zookeeper.configuration.reload";

    public const string PathTag = "zookeeper.configuration.path"; // as the tag of the ZkDiscovery.Configuration meter
    public const string NodesTag = "zookeeper.configuration.nodes";
    public const string KeysTag = "zookeeper.configuration.keys";
    public const string KeysChangedTag = "zookeeper.configuration.keys_changed";
    public const string ResultTag = "zookeeper.configuration.result";
    public const string ErrorTypeTag = "error.type";

    public static ActivitySource Source { get; } = new(Name,
        typeof(ZooKeeperConfigurationActivitySource).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    public static Activity? Start(string name, string path)
    {
        var activity = Source.StartActivity(name, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(PathTag, path);
        }
        return activity;
    }

    /// <summary>Records one read of the tree: how many nodes it read, its result, and the keys it produced.</summary>
    public static void Read(Activity? activity, ConfigurationReadResult result, int nodes)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(NodesTag, nodes);
            activity.SetTag(ResultTag, result.Status switch
            {
                ConfigurationReadStatus.Loaded => "loaded",
                ConfigurationReadStatus.NotFound => "not_found",
                ConfigurationReadStatus.Failed => "failed",
                _ => "interrupted",
            });
            if (result.Data is { } data)
            {
                activity.SetTag(KeysTag, data.Count);
            }
        }
    }

    /// <summary>Marks the read as thrown away because the tree changed under it (another read follows).</summary>
    public static void Discarded(Activity? activity)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(ResultTag, "discarded");
        }
    }

    /// <summary>Records how many keys were added, changed or removed, on the provider's span that is current.</summary>
    public static void KeysChanged(int count)
    {
        if (Activity.Current is { IsAllDataRequested: true } activity && ReferenceEquals(activity.Source, Source))
        {
            activity.SetTag(KeysChangedTag, count);
        }
    }

    /// <summary>Marks the span failed: status Error, <c>error.type</c> the ZooKeeper error code (also of an inner exception) or the exception type.</summary>
    public static void Failed(Activity? activity, Exception error)
    {
        if (activity is null)
        {
            return;
        }
        activity.SetStatus(ActivityStatusCode.Error, error.Message);
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(ErrorTypeTag, (error as ZooKeeperException ?? error.InnerException as ZooKeeperException) is { } z
                ? z.Code.ToString()
                : error.GetType().FullName ?? error.GetType().Name);
        }
    }

    /// <summary>Ends the reload's story with what applying it did; returns <paramref name="outcome"/>.</summary>
    public static (bool Changed, Exception? Failure, bool Deleted) Applied(Activity? activity, (bool Changed, Exception? Failure, bool Deleted) outcome)
    {
        if (outcome.Failure is { } failure)
        {
            Failed(activity, failure);
        }
        else if (!outcome.Changed && activity is { IsAllDataRequested: true })
        {
            activity.SetTag(KeysChangedTag, 0);
        }
        return outcome;
    }
}
