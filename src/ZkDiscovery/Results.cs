namespace ZkDiscovery;

/// <summary>A node's data and metadata, as returned by <see cref="ZooKeeperClient.GetDataAsync"/>.</summary>
/// <param name="Data">The node's data (empty when the node has none).</param>
/// <param name="Stat">The node's metadata at the time of the read.</param>
public readonly record struct NodeData(byte[] Data, NodeStat Stat);

/// <summary>One node's answer to <see cref="ZooKeeperClient.GetDataManyAsync"/>: its data and metadata, or the error the server gave for it.</summary>
/// <param name="Path">The path that was read.</param>
/// <param name="Error"><see cref="ZooKeeperErrorCode.Ok"/>, or why this node could not be read (<see cref="ZooKeeperErrorCode.NoNode"/>, <see cref="ZooKeeperErrorCode.NoAuth"/>, ...).</param>
/// <param name="Data">The node's data (empty when it has none or on error).</param>
/// <param name="Stat">The node's metadata at the time of the read; null on error.</param>
public readonly record struct NodeDataResult(string Path, ZooKeeperErrorCode Error, byte[] Data, NodeStat? Stat)
{
    /// <summary>True when the node was read.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Stat))]
    public bool IsOk => Error == ZooKeeperErrorCode.Ok;
}

/// <summary>A node's children, as returned by <see cref="ZooKeeperClient.GetChildrenAsync"/>.</summary>
/// <param name="Children">The names (not paths) of the children, in no particular order.</param>
/// <param name="Stat">The parent node's metadata at the time of the read.</param>
public readonly record struct ChildrenResult(IReadOnlyList<string> Children, NodeStat Stat);

/// <summary>The result of a create.</summary>
/// <param name="Path">The path of the created node, as the client sees it (with the sequence suffix of sequential modes, chroot removed).</param>
/// <param name="Stat">The created node's metadata.</param>
public readonly record struct CreateResult(string Path, NodeStat Stat);

/// <summary>A node's ACL and metadata.</summary>
/// <param name="Acl">The access control list.</param>
/// <param name="Stat">The node's metadata (its <see cref="NodeStat.Aversion"/> is the ACL version).</param>
public readonly record struct AclResult(IReadOnlyList<ZooKeeperAcl> Acl, NodeStat Stat);

/// <summary>An identity the session has authenticated as, as returned by <see cref="ZooKeeperClient.WhoAmIAsync"/>.</summary>
/// <param name="Scheme">The authentication scheme (<c>ip</c>, <c>digest</c>, <c>sasl</c>, ...).</param>
/// <param name="User">The identity within the scheme.</param>
public readonly record struct ClientIdentity(string Scheme, string User);
