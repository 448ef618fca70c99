namespace ZkDiscovery;

/// <summary>The kinds of operation a multi (transaction) may hold.</summary>
public enum MultiOperationKind
{
    /// <summary>Create a node.</summary>
    Create = 1,
    /// <summary>Delete a node.</summary>
    Delete = 2,
    /// <summary>Set a node's data.</summary>
    SetData = 5,
    /// <summary>Check a node's version without changing it.</summary>
    Check = 13,
}

/// <summary>
/// One operation of a transaction run by <see cref="ZooKeeperClient.MultiAsync"/>: all of them are applied, or none.
/// Build them with <see cref="Create"/>, <see cref="Delete"/>, <see cref="SetData"/> and <see cref="Check"/>.
/// </summary>
public sealed class MultiOperation
{
    private MultiOperation(MultiOperationKind kind, string path, ReadOnlyMemory<byte> data, int version, CreateMode mode, IReadOnlyList<ZooKeeperAcl>? acl, long ttl)
    {
        ZooKeeperPath.Validate(path, allowSequentialSuffix: kind == MultiOperationKind.Create && mode.IsSequential());
        Kind = kind;
        Path = path;
        Data = data;
        Version = version;
        Mode = mode;
        Acl = acl;
        Ttl = ttl;
    }

    /// <summary>The kind of operation.</summary>
    public MultiOperationKind Kind { get; }

    /// <summary>The node's path.</summary>
    public string Path { get; }

    /// <summary>The data for create and set operations.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The expected version for delete, set and check (-1 = any).</summary>
    public int Version { get; }

    /// <summary>The create mode for create operations.</summary>
    public CreateMode Mode { get; }

    /// <summary>The ACL for create operations (null = open).</summary>
    public IReadOnlyList<ZooKeeperAcl>? Acl { get; }

    /// <summary>The time to live in milliseconds for TTL create modes.</summary>
    public long Ttl { get; }

    /// <summary>Creates a node.</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="data">The node's data.</param>
    /// <param name="mode">How to create it.</param>
    /// <param name="acl">Its ACL; null means <see cref="ZooKeeperAcl.OpenUnsafe"/>.</param>
    /// <param name="ttl">For TTL modes, the time to live.</param>
    /// <exception cref="ArgumentException">The path is invalid, or a TTL is missing or given where none is allowed.</exception>
    public static MultiOperation Create(string path, ReadOnlyMemory<byte> data = default, CreateMode mode = CreateMode.Persistent,
        IReadOnlyList<ZooKeeperAcl>? acl = null, TimeSpan? ttl = null) =>
        new(MultiOperationKind.Create, path, data, -1, mode, acl, ZooKeeperClient.ValidateTtl(mode, ttl));

    /// <summary>Deletes a node if its version is <paramref name="version"/> (-1 = any).</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="version">The expected version, or -1.</param>
    public static MultiOperation Delete(string path, int version = -1) => new(MultiOperationKind.Delete, path, default, version, default, null, 0);

    /// <summary>Sets a node's data if its version is <paramref name="version"/> (-1 = any).</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="data">The new data.</param>
    /// <param name="version">The expected version, or -1.</param>
    public static MultiOperation SetData(string path, ReadOnlyMemory<byte> data, int version = -1) => new(MultiOperationKind.SetData, path, data, version, default, null, 0);

    /// <summary>Fails the transaction unless the node exists with version <paramref name="version"/> (-1 = any).</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="version">The expected version, or -1.</param>
    public static MultiOperation Check(string path, int version) => new(MultiOperationKind.Check, path, default, version, default, null, 0);

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Path}";
}

/// <summary>The result of one operation of a transaction.</summary>
/// <param name="Kind">The operation's kind.</param>
/// <param name="Error">
/// <see cref="ZooKeeperErrorCode.Ok"/> when it succeeded (or, in a failed transaction, when it would have and was rolled back);
/// otherwise why it failed (<see cref="ZooKeeperErrorCode.RuntimeInconsistency"/> for operations after the failing one).
/// </param>
/// <param name="Path">For creates, the created path (chroot removed); otherwise the operation's path.</param>
/// <param name="Stat">For creates and sets that succeeded, the node's new metadata.</param>
public sealed record MultiOperationResult(MultiOperationKind Kind, ZooKeeperErrorCode Error, string Path, NodeStat? Stat);

/// <summary>
/// A transaction failed: nothing was applied. <see cref="ZooKeeperException.Code"/> and <see cref="ZooKeeperException.Path"/>
/// are those of the first failing operation; <see cref="Results"/> gives every operation's outcome and
/// the inner exception is the typed exception of the failing one.
/// </summary>
public sealed class MultiOperationException : ZooKeeperException
{
    internal MultiOperationException(int failedIndex, IReadOnlyList<MultiOperationResult> results, ZooKeeperException failure)
        : base(failure.Code, failure.Path, $"Transaction failed at operation {failedIndex} ({results[failedIndex].Kind} {failure.Path}): {failure.Message}", failure)
    {
        FailedIndex = failedIndex;
        Results = results;
    }

    /// <summary>The index of the first operation that failed.</summary>
    public int FailedIndex { get; }

    /// <summary>Every operation's outcome, in order.</summary>
    public IReadOnlyList<MultiOperationResult> Results { get; }
}
