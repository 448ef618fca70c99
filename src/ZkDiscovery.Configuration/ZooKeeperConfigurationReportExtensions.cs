using ZkDiscovery.Configuration;

namespace Microsoft.Extensions.Configuration;

/// <summary>Lists the ZooKeeper configuration providers of a configuration and their state.</summary>
public static class ZooKeeperConfigurationReportExtensions
{
    /// <summary>
    /// Describes every ZooKeeper configuration provider of <paramref name="configuration"/> (chained configurations
    /// included), in the order they were added: path, status, last reload, last error and where each key comes from
    /// (node path and links). Values are not included.
    /// </summary>
    /// <param name="configuration">The app's configuration (an <see cref="IConfigurationRoot"/>; other kinds have no providers to list).</param>
    /// <returns>One report per provider; empty when there is none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configuration"/> is null.</exception>
    public static IReadOnlyList<ZooKeeperConfigurationReport> GetZooKeeperConfigurationReports(this IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return ZooKeeperConfigurationProviders.Find(configuration).ConvertAll(static p => p.GetReport());
    }
}
