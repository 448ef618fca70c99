using System.Diagnostics.Metrics;
using System.Reflection;

namespace ZkDiscovery.Configuration.Internal;

/// <summary>
/// The <c>ZkDiscovery.Configuration</c> meter: applied reloads, failed loads and whether each provider serves stale
/// data, tagged with the provider's path. One static meter: configuration is built before DI (and its
/// <c>IMeterFactory</c>) exists.
/// </summary>
internal static class ZooKeeperConfigurationMetrics
{
    public const string MeterName = "ZkDiscovery.Configuration";
    public const string ReloadsName = "zookeeper.configuration.reloads";
    public const string LoadFailuresName = "zookeeper.configuration.load_failures";
    public const string StaleName = "zookeeper.configuration.stale";
    public const string PathTag = "zookeeper.configuration.path";

    private static readonly Meter s_meter = new(MeterName, typeof(ZooKeeperConfigurationMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);
    private static readonly List<ZooKeeperConfigurationProvider> s_providers = [];

    private static readonly Counter<long> s_reloads = s_meter.CreateCounter<long>(
        ReloadsName, "{reload}", "Reloads that changed a ZooKeeper configuration provider's data (the first load not counted).");

    private static readonly Counter<long> s_loadFailures = s_meter.CreateCounter<long>(
        LoadFailuresName, "{failure}", "Loads of ZooKeeper configuration that failed (unreachable at start-up, unusable data, node deleted); the last good data is kept.");

    private static readonly ObservableGauge<int> s_stale = s_meter.CreateObservableGauge(
        StaleName, ObserveStale, "{provider}", "1 while a ZooKeeper configuration provider serves the last good data or the snapshot instead of what ZooKeeper holds, else 0.");

    public static void Reloaded(string path) => s_reloads.Add(1, new KeyValuePair<string, object?>(PathTag, path));

    public static void LoadFailed(string path) => s_loadFailures.Add(1, new KeyValuePair<string, object?>(PathTag, path));

    public static void Track(ZooKeeperConfigurationProvider provider)
    {
        lock (s_providers)
        {
            s_providers.Add(provider);
        }
    }

    public static void Untrack(ZooKeeperConfigurationProvider provider)
    {
        lock (s_providers)
        {
            s_providers.Remove(provider);
        }
    }

    private static List<Measurement<int>> ObserveStale()
    {
        lock (s_providers)
        {
            return s_providers.ConvertAll(static p => new Measurement<int>(
                p.Status is ZooKeeperConfigurationStatus.Stale or ZooKeeperConfigurationStatus.Snapshot ? 1 : 0,
                new KeyValuePair<string, object?>(PathTag, p.Path)));
        }
    }
}
