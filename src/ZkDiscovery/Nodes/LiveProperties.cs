using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ZkDiscovery.Nodes;

/// <summary>
/// The live properties of a node, as a reader sees them: symbolic links followed, property links
/// (<c>NAME =&gt;</c>) read through, kept current as the node and every link target change. It survives reconnects
/// and session expiry, follows the node when it moves (a link left at its old place), and tells its subscribers
/// about every change, one call at a time and in order.
/// </summary>
/// <remarks>
/// <para>
/// The view watches every node it reads, the targets of property links included (no polling). Subscriber callbacks
/// run on the view's own loop, one at a time and never concurrently (on the thread its reads resume on, as for
/// <see cref="LiveChildren"/>); while a callback runs,
/// <see cref="Properties"/>, <see cref="RealPath"/> and <see cref="IsDeleted"/> show the value it is told about.
/// After a reconnect or a session expiry the view reads again and notifies only when the value differs.
/// </para>
/// <para>
/// Bad data never stops the view: data that is not a JSON object is read as <c>string_value</c>
/// with a logged warning; a bad property link leaves its property out with a logged warning.
/// </para>
/// <para>
/// When the real node is deleted, the view resolves <see cref="Path"/> again and follows the new real node; when the
/// path no longer resolves, the view is marked <see cref="IsDeleted"/>, its properties are cleared, its subscribers
/// are told once, and it stops watching. A deleted view stays deleted.
/// </para>
/// </remarks>
public sealed class LiveProperties : IAsyncDisposable
{
    private readonly LiveViewCore<LiveProperties, NodeProperties> _core;

    private LiveProperties(ZooKeeperClient client, string path, ILogger logger)
    {
        _core = new LiveViewCore<LiveProperties, NodeProperties>(client, path, logger, ReadAsync, PropertiesComparer.Instance, NodeProperties.Empty);
    }

    /// <summary>The path that was asked for (normalised).</summary>
    public string Path => _core.Path;

    /// <summary>The real path of the node, after symbolic links; after a deletion, the last real path.</summary>
    public string RealPath => _core.Current.RealPath;

    /// <summary>
    /// The properties a reader sees, in stored order: plain properties and followed property links, no symbolic links,
    /// no bad links. A snapshot that never changes (empty when <see cref="IsDeleted"/>).
    /// </summary>
    public NodeProperties Properties => _core.Current.Value;

    /// <summary>True once the node was deleted and the path no longer resolves; the view then no longer changes.</summary>
    public bool IsDeleted => _core.Current.IsDeleted;

    /// <summary>Reads the properties of <paramref name="path"/> (through symbolic and property links) and starts watching them.</summary>
    /// <param name="client">The client to read with; the view does not own it.</param>
    /// <param name="path">An absolute path; may go through symbolic links and contain <c>.</c> and <c>..</c>.</param>
    /// <param name="loggerFactory">Where to log warnings and errors; nothing is logged when null.</param>
    /// <param name="cancellationToken">Abandons the first read.</param>
    /// <returns>The view, holding the properties as first read.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> or <paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is not absolute or goes above the root.</exception>
    /// <exception cref="NoNodeException">The path does not resolve to a node.</exception>
    /// <exception cref="LinkLoopException">The symbolic links on the path form a loop.</exception>
    /// <exception cref="InvalidLinkTargetException">A symbolic link on the path has an unusable target.</exception>
    /// <exception cref="ZooKeeperException">The first read failed.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public static async Task<LiveProperties> StartAsync(ZooKeeperClient client, string path, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var normalized = NodeLinks.NormalizePath(path);
        var logger = (ILogger?)loggerFactory?.CreateLogger<LiveProperties>() ?? NullLogger.Instance;
        var view = new LiveProperties(client, normalized, logger);
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
    public IDisposable Subscribe(Action<LiveProperties> callback) => _core.Subscribe(callback);

    /// <summary>Stops watching; subscribers get no more calls once this completes. Idempotent.</summary>
    public ValueTask DisposeAsync() => _core.DisposeAsync();

    /// <inheritdoc/>
    public override string ToString() => $"LiveProperties {Path} -> {RealPath} ({Properties.Count} properties{(IsDeleted ? ", deleted" : "")})";

    private async Task<LiveReadResult<NodeProperties>> ReadAsync(
        LiveViewCore<LiveProperties, NodeProperties>.LiveReadContext context,
        CancellationToken cancellationToken)
    {
        ResolvedNodeProperties resolved;
        try
        {
            resolved = await NodeLinks.ResolvePropertiesAsync(Path, context.ReadPropertiesAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
            return LiveReadResult<NodeProperties>.NotFound;
        }
        context.ReportLinkErrors(resolved.Errors);
        return LiveReadResult<NodeProperties>.Resolved(resolved.RealPath, resolved.Properties);
    }

    private sealed class PropertiesComparer : IEqualityComparer<NodeProperties>
    {
        public static PropertiesComparer Instance { get; } = new();

        public bool Equals(NodeProperties? x, NodeProperties? y)
        {
            if (ReferenceEquals(x, y))
            {
                return true;
            }
            if (x is null || y is null || x.Count != y.Count)
            {
                return false;
            }
            using var left = x.GetEnumerator();
            using var right = y.GetEnumerator();
            while (left.MoveNext() && right.MoveNext())
            {
                if (!string.Equals(left.Current.Key, right.Current.Key, StringComparison.Ordinal)
                    || !JsonNode.DeepEquals(left.Current.Value, right.Current.Value))
                {
                    return false;
                }
            }
            return true;
        }

        public int GetHashCode(NodeProperties obj) => obj.Count;
    }
}
