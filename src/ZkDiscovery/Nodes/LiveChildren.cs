using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ZkDiscovery.Nodes;

/// <summary>
/// A live, sorted list of a node's children that follows symbolic links and stays current: it survives reconnects
/// and session expiry, follows the node when it moves (a link left at its old place), and tells its subscribers
/// about every change, one call at a time and in order.
/// </summary>
/// <remarks>
/// <para>
/// The view watches the nodes it reads (no polling). Subscriber callbacks run on the view's own loop, one at a time and
/// never concurrently; while a callback runs, <see cref="Children"/>, <see cref="RealPath"/> and <see cref="IsDeleted"/>
/// show the value it is told about. The loop's pass starts on the thread that delivered the watch event and goes on
/// where its read resumes: for a plain connection, the connection's reader thread. A slow callback delays later
/// notifications of this view; one that blocks for more than a few milliseconds also moves the connection's reading to
/// the thread pool (logged), so long work belongs off the callback. After a reconnect or a session expiry the view
/// reads the node again and notifies only when the value differs.
/// </para>
/// <para>
/// When the real node is deleted, the view resolves <see cref="Path"/> again and follows the new real node; when the
/// path no longer resolves, the view is marked <see cref="IsDeleted"/>, its children are cleared, its subscribers are
/// told once, and it stops watching. A deleted view stays deleted: start a new one when the node comes back.
/// To move a watched node, make the new node and the link exist before (or in the same transaction as) the deletion.
/// </para>
/// </remarks>
public sealed class LiveChildren : IAsyncDisposable
{
    private static readonly IReadOnlyList<string> s_empty = Array.AsReadOnly(Array.Empty<string>());

    private readonly LiveViewCore<LiveChildren, IReadOnlyList<string>> _core;

    private LiveChildren(ZooKeeperClient client, string path, ILogger logger)
    {
        _core = new LiveViewCore<LiveChildren, IReadOnlyList<string>>(client, path, logger, ReadAsync, ChildrenComparer.Instance, s_empty);
    }

    /// <summary>The path that was asked for (normalised).</summary>
    public string Path => _core.Path;

    /// <summary>The real path of the node, after symbolic links; after a deletion, the last real path.</summary>
    public string RealPath => _core.Current.RealPath;

    /// <summary>The children's names in ordinal order: a snapshot that never changes (empty when <see cref="IsDeleted"/>).</summary>
    public IReadOnlyList<string> Children => _core.Current.Value;

    /// <summary>True once the node was deleted and the path no longer resolves; the view then no longer changes.</summary>
    public bool IsDeleted => _core.Current.IsDeleted;

    /// <summary>Reads the children of <paramref name="path"/> (through symbolic links) and starts watching them.</summary>
    /// <param name="client">The client to read with; the view does not own it.</param>
    /// <param name="path">An absolute path; may go through symbolic links and contain <c>.</c> and <c>..</c>.</param>
    /// <param name="loggerFactory">Where to log warnings and errors; nothing is logged when null.</param>
    /// <param name="cancellationToken">Abandons the first read.</param>
    /// <returns>The view, holding the children as first read.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> or <paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is not absolute or goes above the root.</exception>
    /// <exception cref="NoNodeException">The path does not resolve to a node.</exception>
    /// <exception cref="LinkLoopException">The symbolic links on the path form a loop.</exception>
    /// <exception cref="InvalidLinkTargetException">A symbolic link on the path has an unusable target.</exception>
    /// <exception cref="ZooKeeperException">The first read failed.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public static async Task<LiveChildren> StartAsync(ZooKeeperClient client, string path, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var normalized = NodeLinks.NormalizePath(path);
        var logger = (ILogger?)loggerFactory?.CreateLogger<LiveChildren>() ?? NullLogger.Instance;
        var view = new LiveChildren(client, normalized, logger);
        await view._core.StartAsync(view, cancellationToken).ConfigureAwait(false);
        return view;
    }

    /// <summary>
    /// Calls <paramref name="callback"/> with this view now (on the view's loop, soon after this returns) and again
    /// after every change, including the deletion; calls are never concurrent and come in order.
    /// </summary>
    /// <param name="callback">Called with this view; exceptions it throws are logged and ignored.</param>
    /// <returns>Disposing it stops the calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The view was disposed.</exception>
    public IDisposable Subscribe(Action<LiveChildren> callback) => _core.Subscribe(callback);

    /// <summary>Stops watching; subscribers get no more calls once this completes. Idempotent.</summary>
    public ValueTask DisposeAsync() => _core.DisposeAsync();

    /// <inheritdoc/>
    public override string ToString() => $"LiveChildren {Path} -> {RealPath} ({Children.Count} children{(IsDeleted ? ", deleted" : "")})";

    private static async Task<LiveReadResult<IReadOnlyList<string>>> ReadChildrenAsync(
        LiveViewCore<LiveChildren, IReadOnlyList<string>>.LiveReadContext context,
        string path,
        CancellationToken cancellationToken)
    {
        string realPath;
        try
        {
            realPath = await NodeLinks.ResolvePathAsync(path, context.ReadPropertiesAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
            return LiveReadResult<IReadOnlyList<string>>.NotFound;
        }
        var children = await context.GetChildrenAsync(realPath, cancellationToken).ConfigureAwait(false);
        if (children is null)
        {
            return LiveReadResult<IReadOnlyList<string>>.Retry;
        }
        var sorted = children.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
        return LiveReadResult<IReadOnlyList<string>>.Resolved(realPath, Array.AsReadOnly(sorted));
    }

    private Task<LiveReadResult<IReadOnlyList<string>>> ReadAsync(
        LiveViewCore<LiveChildren, IReadOnlyList<string>>.LiveReadContext context,
        CancellationToken cancellationToken) => ReadChildrenAsync(context, Path, cancellationToken);

    private sealed class ChildrenComparer : IEqualityComparer<IReadOnlyList<string>>
    {
        public static ChildrenComparer Instance { get; } = new();

        public bool Equals(IReadOnlyList<string>? x, IReadOnlyList<string>? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.SequenceEqual(y, StringComparer.Ordinal));

        public int GetHashCode(IReadOnlyList<string> obj) => obj.Count;
    }
}
