namespace ZkDiscovery;

/// <summary>The metadata ZooKeeper keeps for a node (the protocol's <c>Stat</c> record).</summary>
/// <param name="Czxid">The zxid of the transaction that created the node.</param>
/// <param name="Mzxid">The zxid of the transaction that last changed the node's data.</param>
/// <param name="Ctime">When the node was created, in milliseconds since the Unix epoch.</param>
/// <param name="Mtime">When the node's data last changed, in milliseconds since the Unix epoch.</param>
/// <param name="Version">The number of changes to the node's data.</param>
/// <param name="Cversion">The number of changes to the node's children.</param>
/// <param name="Aversion">The number of changes to the node's ACL.</param>
/// <param name="EphemeralOwner">The session id owning the node if it is ephemeral, else 0.</param>
/// <param name="DataLength">The length of the node's data in bytes.</param>
/// <param name="NumChildren">The number of children.</param>
/// <param name="Pzxid">The zxid of the transaction that last changed the node's children.</param>
public sealed record NodeStat(
    long Czxid,
    long Mzxid,
    long Ctime,
    long Mtime,
    int Version,
    int Cversion,
    int Aversion,
    long EphemeralOwner,
    int DataLength,
    int NumChildren,
    long Pzxid)
{
    /// <summary>True when the node is ephemeral (owned by a session).</summary>
    public bool IsEphemeral => EphemeralOwner != 0;

    /// <summary>When the node was created.</summary>
    public DateTimeOffset Created => DateTimeOffset.FromUnixTimeMilliseconds(Ctime);

    /// <summary>When the node's data last changed.</summary>
    public DateTimeOffset Modified => DateTimeOffset.FromUnixTimeMilliseconds(Mtime);
}
