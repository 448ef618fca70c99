namespace ZkDiscovery.Configuration.Internal;

/// <summary>One pass over the configured nodes, leaving watches on everything it read (see <see cref="ConfigurationReadResult"/>).</summary>
internal interface IConfigurationReader
{
    /// <summary>Reads once. Throws only for cancellation and a disposed client.</summary>
    Task<ConfigurationReadResult> ReadAsync(CancellationToken cancellationToken);

    /// <summary>How many existing nodes the last <see cref="ReadAsync"/> read (for traces).</summary>
    int NodesRead { get; }
}

/// <summary>Chooses the reader for a source's <see cref="ZooKeeperConfigurationSource.Layout"/>.</summary>
internal static class ConfigurationReaders
{
    public static IConfigurationReader Create(ZooKeeperClient client, Action<WatchedEvent>? watcher, string path, ZooKeeperConfigurationSource source)
    {
        var prefix = string.IsNullOrEmpty(source.KeyPrefix) ? null : source.KeyPrefix;
        return source.Layout == ZooKeeperConfigurationLayout.NodePerKey
            ? new NodePerKeyConfigurationReader(client, watcher, path, string.IsNullOrEmpty(source.SharedPath) ? null : Nodes.NodeLinks.NormalizePath(source.SharedPath), prefix, source.MaxChildDepth)
            : new ConfigurationTreeReader(client, watcher, path, prefix, source.IncludeChildren ? source.MaxChildDepth : 0);
    }
}
