using System.Diagnostics;
using System.Reflection;

namespace ZkDiscovery.Hosting.Diagnostics;

/// <summary>
/// The <c>ZkDiscovery.Hosting</c> activity source (named after the assembly, with the version its meter carries) and
/// the names of its internal spans and their attributes. Spans exist only when a listener subscribed to the source
/// (<see cref="ZooKeeperTelemetry.ActivitySourceNames"/>): every helper returns null or does nothing otherwise.
/// </summary>
/// <remarks>
/// These spans run on background loops started without the caller's ExecutionContext, so each is the root of its
/// own trace; the <c>ZkDiscovery</c> client spans of the requests made under one are its children.
/// </remarks>
internal static class ZooKeeperHostingActivitySource
{
    public const string Name = ZooKeeperTelemetry.HostingActivitySourceName;

    /// <summary>
    /// The registration of one of the app's addresses by the hosted registration service, from the start of the
    /// attempts (when the app has started) until the node exists, across waits for a connection and retries (each
    /// failed attempt is an event named <see cref="RegistrationRetryEvent"/>).
    /// </summary>
    public const string RegistrationSpan = "zookeeper.registration";

    /// <summary>A repair by the registration reconciler: the node was missing, taken by another session, or changed.</summary>
    public const string RepairSpan = "zookeeper.registration.repair";

    /// <summary>
    /// One refresh of a discovered service's endpoints: reading the providers under the service path (and arming the
    /// watch) until the new snapshot is published. Started with <see cref="StartDiscoveryRefresh"/>; ended with
    /// <see cref="DiscoveryRefreshed"/> or <see cref="Failed"/> before disposal.
    /// </summary>
    public const string DiscoveryRefreshSpan = "zookeeper.discovery.refresh";

    public const string RegistrationRetryEvent = "zookeeper.registration.retry";

    public const string ServicePathTag = "zookeeper.service.path";
    public const string ServiceNameTag = "zookeeper.service.name";
    public const string AddressTag = "zookeeper.registration.address";
    public const string AttemptsTag = "zookeeper.registration.attempts";
    public const string ProblemTag = "zookeeper.registration.problem";
    public const string SessionIdTag = "zookeeper.session.id";
    public const string EndpointsTag = "zookeeper.discovery.endpoints";
    public const string ErrorTypeTag = "error.type";

    public static ActivitySource Source { get; } = new(Name,
        typeof(ZooKeeperHostingActivitySource).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    /// <summary>Starts a <see cref="RegistrationSpan"/> for the node <paramref name="address"/> (<c>HOST:PORT</c>) under <paramref name="servicePath"/>.</summary>
    public static Activity? StartRegistration(string servicePath, string address)
    {
        var activity = Source.StartActivity(RegistrationSpan, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(ServicePathTag, servicePath);
            activity.SetTag(AddressTag, address);
        }
        return activity;
    }

    /// <summary>Notes a failed registration attempt as an event on the span; the span goes on.</summary>
    public static void RegistrationRetry(Activity? activity, int attempt, Exception error)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.AddEvent(new ActivityEvent(RegistrationRetryEvent, tags: new ActivityTagsCollection
            {
                [AttemptsTag] = attempt,
                [ErrorTypeTag] = ErrorType(error),
                ["exception.message"] = error.Message,
            }));
        }
    }

    /// <summary>Ends the registration's story: how many attempts it took and which session owns the node.</summary>
    public static void Registered(Activity? activity, int attempts, long sessionId)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(AttemptsTag, attempts);
            activity.SetTag(SessionIdTag, "0x" + sessionId.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Starts a <see cref="RepairSpan"/> for <paramref name="path"/>; <paramref name="problem"/> says what was wrong.</summary>
    public static Activity? StartRepair(string servicePath, string path, string problem)
    {
        var activity = Source.StartActivity(RepairSpan, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(ServicePathTag, servicePath);
            activity.SetTag(AddressTag, path[(path.LastIndexOf('/') + 1)..]);
            activity.SetTag(ProblemTag, problem);
        }
        return activity;
    }

    /// <summary>Starts a <see cref="DiscoveryRefreshSpan"/> for the service <paramref name="serviceName"/> at <paramref name="servicePath"/>.</summary>
    public static Activity? StartDiscoveryRefresh(string serviceName, string servicePath)
    {
        var activity = Source.StartActivity(DiscoveryRefreshSpan, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(ServiceNameTag, serviceName);
            activity.SetTag(ServicePathTag, servicePath);
        }
        return activity;
    }

    /// <summary>Records the number of live endpoints the refresh published.</summary>
    public static void DiscoveryRefreshed(Activity? activity, int endpoints)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(EndpointsTag, endpoints);
        }
    }

    /// <summary>
    /// Marks the span failed (status Error, <c>error.type</c>) and returns false, so that it can sit in an exception
    /// filter (<c>catch (Exception e) when (Failed(activity, e))</c>) without catching anything.
    /// </summary>
    public static bool Failed(Activity? activity, Exception error)
    {
        if (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
            if (activity.IsAllDataRequested)
            {
                activity.SetTag(ErrorTypeTag, ErrorType(error));
            }
        }
        return false;
    }

    /// <summary>The ZooKeeper error code's name (<c>NoNode</c>, <c>ConnectionLoss</c>...), else the exception's type.</summary>
    public static string ErrorType(Exception error) =>
        error is ZooKeeperException z ? z.Code.ToString() : error.GetType().FullName ?? error.GetType().Name;
}
