namespace ZkDiscovery.Configuration;

/// <summary>
/// Where the data of a ZooKeeper configuration provider (<see cref="IZooKeeperConfigurationProvider"/>) comes from,
/// for health checks and status pages.
/// </summary>
public enum ZooKeeperConfigurationStatus
{
    /// <summary>Nothing was read from ZooKeeper yet and there was no snapshot: the provider has no keys.</summary>
    NotLoaded,

    /// <summary>The provider serves the local snapshot (last known good); ZooKeeper has not been read yet.</summary>
    Snapshot,

    /// <summary>The data is what the last read of ZooKeeper found.</summary>
    Current,

    /// <summary>
    /// The last read of ZooKeeper found unusable data, or the node was deleted (see
    /// <see cref="ZooKeeperConfigurationReport.LastError"/>); the provider keeps serving the last good data until a
    /// later read succeeds.
    /// </summary>
    Stale,
}
