namespace ZkDiscovery.Configuration;

/// <summary>
/// The state of one ZooKeeper configuration provider at one moment, from
/// <see cref="IZooKeeperConfigurationProvider.GetReport"/>: for health checks, logs and status pages. Holds no values.
/// </summary>
public sealed class ZooKeeperConfigurationReport
{
    /// <summary>The ZooKeeper path the provider reads (normalised).</summary>
    public required string Path { get; init; }

    /// <summary>Whether the source is optional (the app may run without its data).</summary>
    public bool IsOptional { get; init; }

    /// <summary>Where the data comes from now.</summary>
    public ZooKeeperConfigurationStatus Status { get; init; }

    /// <summary>When ZooKeeper was last read with a usable result (changed or not); null when it never was.</summary>
    public DateTimeOffset? LastReloadTime { get; init; }

    /// <summary>
    /// When the values served now were read: the last good read of ZooKeeper, or the time the snapshot file was written
    /// when the provider serves the snapshot; null when there are no values.
    /// </summary>
    public DateTimeOffset? LastGoodDataTime { get; init; }

    /// <summary>Why the last load failed (a message naming the path and the problem); null when the last read was good.</summary>
    public string? LastError { get; init; }

    /// <summary>When the last load failed; null when none failed since the last good read.</summary>
    public DateTimeOffset? LastErrorTime { get; init; }

    /// <summary>The keys the provider serves, in key order, each with the node and the links it comes from.</summary>
    public IReadOnlyList<ZooKeeperConfigurationKeySource> Keys { get; init; } = [];
}

/// <summary>Where one configuration key of a ZooKeeper configuration provider comes from.</summary>
public sealed class ZooKeeperConfigurationKeySource
{
    /// <summary>The configuration key (<c>Section:Name</c>).</summary>
    public required string Key { get; init; }

    /// <summary>The real path of the node whose property holds the key (after symbolic links).</summary>
    public required string NodePath { get; init; }

    /// <summary>
    /// The links followed to reach the value, in order: <c>PATH -&gt; TARGET</c> for a symbolic link,
    /// <c>PATH NAME =&gt; TARGET</c> for a property link; empty when the property is stored on the node read.
    /// </summary>
    public IReadOnlyList<string> Links { get; init; } = [];
}
