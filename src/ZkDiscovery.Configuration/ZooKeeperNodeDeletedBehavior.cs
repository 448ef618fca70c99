namespace ZkDiscovery.Configuration;

/// <summary>What a <see cref="ZooKeeperConfigurationProvider"/> does when its node is deleted after it was loaded.</summary>
public enum ZooKeeperNodeDeletedBehavior
{
    /// <summary>
    /// Keep serving the last good keys and values (status <see cref="ZooKeeperConfigurationStatus.Stale"/>), with a
    /// warning in the log, a degraded health check and a failed load counted, until the node is created again. A deleted
    /// node is more often a mistake (a wrong import, a recursive delete) than a wish for no configuration.
    /// </summary>
    KeepLastValues,

    /// <summary>
    /// Remove the provider's keys (one reload, status <see cref="ZooKeeperConfigurationStatus.Current"/>), with a
    /// warning in the log; they come back when the node is created again.
    /// </summary>
    RemoveKeys,
}
