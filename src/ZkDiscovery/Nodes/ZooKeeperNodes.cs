using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ZkDiscovery.Nodes;

/// <summary>
/// The zc.zk node layer on a <see cref="ZooKeeperClient"/>: node data as JSON properties, symbolic links and
/// property links, creation with parents, recursive delete, walk, and export/import of the textual tree format.
/// </summary>
/// <remarks>
/// <para>
/// Paths given to the property and link methods may go through symbolic links (properties named <c>NAME -&gt;</c>);
/// they are resolved to the real node first. Tree methods (walk, delete, export, import) work on real paths.
/// </para>
/// <para>
/// Data that is not a JSON object is read as the single property <c>string_value</c> and a warning naming the path is
/// logged. Thread-safe: it holds no state besides the client and the logger.
/// </para>
/// </remarks>
public sealed partial class ZooKeeperNodes
{
    /// <summary>The default number of attempts of the compare-and-set update.</summary>
    public const int DefaultMaxUpdateAttempts = 100;

    private readonly ZooKeeperClient _client;
    private readonly ILogger _logger;

    /// <summary>Creates the node layer over <paramref name="client"/>.</summary>
    /// <param name="client">The client; it stays owned by the caller.</param>
    /// <param name="logger">Where warnings (non-JSON data, bad property links) and deletions are logged; none when null.</param>
    public ZooKeeperNodes(ZooKeeperClient client, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The client this layer uses.</summary>
    public ZooKeeperClient Client => _client;

    /// <summary>Resolves symbolic links in <paramref name="path"/> to the real path of an existing node (docs/tree-format.md §2).</summary>
    /// <param name="path">An absolute path; may contain <c>.</c>, <c>..</c> and links.</param>
    /// <param name="cancellationToken">Abandons the reads.</param>
    /// <returns>The real path.</returns>
    /// <exception cref="ArgumentException">The path is not absolute or goes above the root.</exception>
    /// <exception cref="NoNodeException">The path does not resolve to a node.</exception>
    /// <exception cref="LinkLoopException">The links form a loop; the exception names the chain.</exception>
    /// <exception cref="InvalidLinkTargetException">A link on the way has an unusable target.</exception>
    public async Task<string> ResolvePathAsync(string path, CancellationToken cancellationToken = default) =>
        await NodeLinks.ResolvePathAsync(path, ReadForLinksAsync, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Reads the stored properties of the node at <paramref name="path"/> (symbolic links in the path resolved),
    /// including link properties (<c>NAME -&gt;</c>, <c>NAME =&gt;</c>), with its metadata.
    /// </summary>
    /// <param name="path">The node's path.</param>
    /// <param name="cancellationToken">Abandons the reads.</param>
    /// <exception cref="NoNodeException">The path does not resolve to a node.</exception>
    /// <exception cref="LinkLoopException">Resolving the path met a link loop.</exception>
    public async Task<NodePropertiesResult> GetPropertiesAsync(string path, CancellationToken cancellationToken = default)
    {
        var realPath = await ResolvePathAsync(path, cancellationToken).ConfigureAwait(false);
        NodeData data;
        try
        {
            data = await _client.GetDataAsync(realPath, null, cancellationToken).ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
            throw new NoNodeException(path);
        }
        return new NodePropertiesResult(path, realPath, ParseAndWarn(realPath, data.Data), data.Stat);
    }

    /// <summary>
    /// Reads the properties a reader sees at <paramref name="path"/>: plain properties and followed property links
    /// (<c>threads =&gt; /fooservice threads</c> reads as <c>threads</c>), without symbolic links. Bad property links are
    /// left out, listed in <see cref="ResolvedNodeProperties.Errors"/> and logged as warnings.
    /// </summary>
    /// <param name="path">The node's path; symbolic links are followed.</param>
    /// <param name="cancellationToken">Abandons the reads.</param>
    /// <exception cref="NoNodeException">The path does not resolve to a node.</exception>
    /// <exception cref="LinkLoopException">Resolving the path met a link loop.</exception>
    public async Task<ResolvedNodeProperties> GetResolvedPropertiesAsync(string path, CancellationToken cancellationToken = default)
    {
        var result = await NodeLinks.ResolvePropertiesAsync(path, ReadForLinksAsync, cancellationToken).ConfigureAwait(false);
        if (result.Stored is NodeProperties { ReadWarning: { } warning })
        {
            Log.DataNotJson(_logger, result.RealPath, warning);
        }
        foreach (var error in result.Errors)
        {
            Log.BadPropertyLink(_logger, result.RealPath, error.Message);
        }
        return result;
    }

    /// <summary>
    /// Reads one property as a reader sees it: the real property if present, else the property link <c>NAME =&gt;</c>
    /// followed (through further links).
    /// </summary>
    /// <param name="path">The node's path; symbolic links are followed.</param>
    /// <param name="name">The property name (without <c> =&gt;</c>).</param>
    /// <param name="cancellationToken">Abandons the reads.</param>
    /// <returns>The value; a JSON null is returned as null.</returns>
    /// <exception cref="NoNodeException">The path does not resolve to a node.</exception>
    /// <exception cref="KeyNotFoundException">The node has neither the property nor a link for it.</exception>
    /// <exception cref="BadPropertyLinkException">A property link on the way is bad; the exception names it.</exception>
    /// <exception cref="PropertyLinkCycleException">The property links form a cycle; the exception names the chain.</exception>
    /// <exception cref="LinkLoopException">Resolving a path met a symbolic link loop.</exception>
    public async Task<JsonNode?> GetPropertyAsync(string path, string name, CancellationToken cancellationToken = default) =>
        await NodeLinks.GetPropertyAsync(path, name, ReadForLinksAsync, cancellationToken).ConfigureAwait(false);

    /// <summary>Replaces the properties of the node at <paramref name="path"/> (symbolic links in the path resolved).</summary>
    /// <param name="path">The node's path.</param>
    /// <param name="properties">The new properties (stored names: link properties keep their <c> -&gt;</c> / <c> =&gt;</c> suffix).</param>
    /// <param name="expectedVersion">The data version the node must have; -1 for any.</param>
    /// <param name="cancellationToken">Abandons the wait (the write may still be applied).</param>
    /// <returns>The node's new metadata.</returns>
    /// <exception cref="ArgumentException">A property name is null or appears twice.</exception>
    /// <exception cref="NoNodeException">The path does not resolve to a node.</exception>
    /// <exception cref="BadVersionException">The node's version is not <paramref name="expectedVersion"/>.</exception>
    public async Task<NodeStat> SetPropertiesAsync(
        string path,
        IEnumerable<KeyValuePair<string, JsonNode?>> properties,
        int expectedVersion = -1,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var data = NodeProperties.Encode(properties);
        var realPath = await ResolvePathAsync(path, cancellationToken).ConfigureAwait(false);
        return await _client.SetDataAsync(realPath, data, expectedVersion, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Merges <paramref name="changes"/> into the properties of the node at <paramref name="path"/>, as a JSON merge
    /// patch on the top level: each name is set to its value, and a null value removes the name (to store a JSON
    /// <c>null</c>, use <see cref="SetPropertiesAsync"/> or the function overload).
    /// </summary>
    /// <param name="path">The node's path; symbolic links are followed.</param>
    /// <param name="changes">The properties to set, or to remove (null value).</param>
    /// <param name="expectedVersion">
    /// The data version the node must have, checked against the read and the write; -1 (the default) to apply the
    /// change on top of whatever is there, re-reading and retrying on concurrent writes (see
    /// <see cref="UpdatePropertiesAsync(string, Func{NodeProperties, IEnumerable{KeyValuePair{string, JsonNode}}}, int, CancellationToken)"/>).
    /// </param>
    /// <param name="cancellationToken">Abandons the wait (the write may still be applied).</param>
    /// <returns>The node's new properties and metadata.</returns>
    /// <exception cref="NoNodeException">The path does not resolve to a node.</exception>
    /// <exception cref="BadVersionException">The node's version is not <paramref name="expectedVersion"/>, or concurrent writers won every attempt.</exception>
    public Task<NodePropertiesResult> UpdatePropertiesAsync(
        string path,
        IEnumerable<KeyValuePair<string, JsonNode?>> changes,
        int expectedVersion = -1,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var list = changes.ToList();
        if (expectedVersion == -1)
        {
            return UpdatePropertiesAsync(path, old => Merge(old, list), DefaultMaxUpdateAttempts, cancellationToken);
        }
        return UpdateAtVersionAsync(path, list, expectedVersion, cancellationToken);
    }

    /// <summary>
    /// Compare-and-set update: reads the node's stored properties, calls <paramref name="update"/> to compute the new
    /// set, and writes it only if the node did not change in between; on a concurrent change it re-reads and calls
    /// <paramref name="update"/> again, up to <paramref name="maxAttempts"/> times.
    /// </summary>
    /// <param name="path">The node's path; symbolic links are resolved once, at the start.</param>
    /// <param name="update">Computes the complete new property set from the current one; may be called several times, so it should have no side effects.</param>
    /// <param name="maxAttempts">The most read-compute-write rounds (at least 1). The default is <see cref="DefaultMaxUpdateAttempts"/>.</param>
    /// <param name="cancellationToken">Stops between attempts and abandons the wait.</param>
    /// <returns>The written properties and the node's new metadata.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxAttempts"/> is less than 1.</exception>
    /// <exception cref="NoNodeException">The path does not resolve to a node, or the node was deleted.</exception>
    /// <exception cref="BadVersionException">Every attempt lost to a concurrent write.</exception>
    public async Task<NodePropertiesResult> UpdatePropertiesAsync(
        string path,
        Func<NodeProperties, IEnumerable<KeyValuePair<string, JsonNode?>>> update,
        int maxAttempts = DefaultMaxUpdateAttempts,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        var realPath = await ResolvePathAsync(path, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = await _client.GetDataAsync(realPath, null, cancellationToken).ConfigureAwait(false);
            var updated = new NodeProperties(update(ParseAndWarn(realPath, current.Data)));
            try
            {
                var stat = await _client.SetDataAsync(realPath, updated.ToBytes(), current.Stat.Version, cancellationToken).ConfigureAwait(false);
                return new NodePropertiesResult(path, realPath, updated, stat);
            }
            catch (BadVersionException) when (attempt < maxAttempts)
            {
                Log.UpdateConflict(_logger, realPath, attempt);
            }
            catch (BadVersionException ex)
            {
                throw new BadVersionException(realPath, $"The properties of {realPath} changed concurrently on each of {maxAttempts} attempts: {ex.Message}");
            }
        }
    }

    /// <summary>
    /// <c>ln(target, source)</c>: makes <paramref name="source"/> stand for <paramref name="target"/> by setting the property
    /// <c>NAME -&gt;</c> = <paramref name="target"/> on the parent of <paramref name="source"/> (NAME is the last segment of
    /// <paramref name="source"/>; a target ending with <c>/</c> gets NAME appended). The parent path may go through links.
    /// </summary>
    /// <param name="target">The link target: absolute, or relative to the parent of <paramref name="source"/>.</param>
    /// <param name="source">The path the link makes available.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <returns>What was stored.</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> is invalid or the root, or <paramref name="target"/> is empty.</exception>
    /// <exception cref="NoNodeException">The parent of <paramref name="source"/> does not exist.</exception>
    public async Task<SymbolicLinkDefinition> LinkAsync(string target, string source, CancellationToken cancellationToken = default)
    {
        var link = NodeLinks.CreateSymbolicLink(target, source);
        var result = await UpdatePropertiesAsync(
            link.ParentPath,
            [new KeyValuePair<string, JsonNode?>(link.PropertyName, JsonValue.Create(link.Target))],
            -1,
            cancellationToken).ConfigureAwait(false);
        return link with { ParentPath = result.RealPath };
    }

    /// <summary>Creates a node whose data holds <paramref name="properties"/>, optionally creating missing parents (with empty data).</summary>
    /// <param name="path">The node's real path (not resolved through links).</param>
    /// <param name="properties">The node's properties; none when null.</param>
    /// <param name="mode">How to create the node.</param>
    /// <param name="acl">The ACL of the node and of the parents created; <see cref="ZooKeeperAcl.OpenUnsafe"/> when null.</param>
    /// <param name="createParents">True (the default) to create missing ancestors as persistent nodes.</param>
    /// <param name="cancellationToken">Abandons the wait (the node may still be created).</param>
    /// <returns>The created path (with the sequence suffix for sequential modes) and metadata.</returns>
    /// <exception cref="ArgumentException">The path or a property name is invalid.</exception>
    /// <exception cref="NodeExistsException">The node exists.</exception>
    /// <exception cref="NoNodeException">The parent does not exist and <paramref name="createParents"/> is false.</exception>
    public async Task<CreateResult> CreateAsync(
        string path,
        IEnumerable<KeyValuePair<string, JsonNode?>>? properties = null,
        CreateMode mode = CreateMode.Persistent,
        IReadOnlyList<ZooKeeperAcl>? acl = null,
        bool createParents = true,
        CancellationToken cancellationToken = default)
    {
        ZooKeeperPath.Validate(path, mode.IsSequential());
        var data = properties is null ? [] : NodeProperties.Encode(properties);
        if (createParents && ZooKeeperPath.GetParent(path) is { } parent and not "/")
        {
            await _client.EnsurePathAsync(parent, acl, cancellationToken).ConfigureAwait(false);
        }
        return await _client.CreateAsync(path, data, mode, acl, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<NodePropertiesResult> UpdateAtVersionAsync(string path, List<KeyValuePair<string, JsonNode?>> changes, int expectedVersion, CancellationToken cancellationToken)
    {
        var current = await GetPropertiesAsync(path, cancellationToken).ConfigureAwait(false);
        if (current.Stat.Version != expectedVersion)
        {
            throw new BadVersionException(current.RealPath, $"The node {current.RealPath} is at version {current.Stat.Version}, not {expectedVersion}.");
        }
        var updated = new NodeProperties(Merge(current.Properties, changes));
        var stat = await _client.SetDataAsync(current.RealPath, updated.ToBytes(), expectedVersion, cancellationToken).ConfigureAwait(false);
        return new NodePropertiesResult(path, current.RealPath, updated, stat);
    }

    private static List<KeyValuePair<string, JsonNode?>> Merge(NodeProperties current, List<KeyValuePair<string, JsonNode?>> changes)
    {
        var merged = current.ToList();
        foreach (var (name, value) in changes)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(changes));
            var index = merged.FindIndex(p => p.Key == name);
            if (value is null)
            {
                if (index >= 0)
                {
                    merged.RemoveAt(index);
                }
            }
            else if (index >= 0)
            {
                merged[index] = new(name, value);
            }
            else
            {
                merged.Add(new(name, value));
            }
        }
        return merged;
    }

    /// <summary>Parses node data; logs the read warning naming the path.</summary>
    private NodeProperties ParseAndWarn(string path, byte[] data)
    {
        var properties = NodeProperties.Parse(data);
        if (properties.ReadWarning is { } warning)
        {
            Log.DataNotJson(_logger, path, warning);
        }
        return properties;
    }

    /// <summary>The property reader given to <see cref="NodeLinks"/>: null for a missing node; no warnings (nodes on the way are not the subject).</summary>
    private async ValueTask<IReadOnlyDictionary<string, JsonNode?>?> ReadForLinksAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var data = await _client.GetDataAsync(path, null, cancellationToken).ConfigureAwait(false);
            return NodeProperties.Parse(data.Data);
        }
        catch (NoNodeException)
        {
            return null;
        }
    }
}
