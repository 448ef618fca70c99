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
    /// <summary>The reader of <paramref name="source"/>'s layout.</summary>
    /// <param name="client">The client to read with.</param>
    /// <param name="watcher">The watcher left on every node read, or null to read without watches.</param>
    /// <param name="path">The normalised path.</param>
    /// <param name="source">The source's settings.</param>
    /// <param name="shared">The shared node cache to read the properties layout through (its watches replace the watcher), or null.</param>
    public static IConfigurationReader Create(ZooKeeperClient client, Action<WatchedEvent>? watcher, string path, ZooKeeperConfigurationSource source, ConfigurationNodeCache.Subscriber? shared = null)
    {
        var prefix = string.IsNullOrEmpty(source.KeyPrefix) ? null : source.KeyPrefix;
        return source.Layout == ZooKeeperConfigurationLayout.NodePerKey
            ? new NodePerKeyConfigurationReader(client, watcher, path, string.IsNullOrEmpty(source.SharedPath) ? null : Nodes.NodeLinks.NormalizePath(source.SharedPath), prefix, source.MaxChildDepth)
            : new ConfigurationTreeReader(client, shared is null ? watcher : null, path, prefix, source.IncludeChildren ? source.MaxChildDepth : 0, shared);
    }
}
