using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ZkDiscovery.Recipes;

/// <summary>
/// Creates or updates a hierarchy of nodes from a JSON description in one call, and exports a subtree back to the
/// same format.
/// </summary>
/// <remarks>
/// <para>The description is a JSON object whose members are the nodes below the base path, by name:</para>
/// <code>
/// {
///   "app": {
///     "value": { "threads": 4 },
///     "acl": [ "world:anyone:r", "digest:admin:s3cret:cdrwa" ],
///     "children": {
///       "motd": { "value": "hello" },
///       "blob": { "base64": "AAEC" },
///       "empty": { }
///     }
///   }
/// }
/// </code>
/// <para>
/// Per node, every member is optional: <c>value</c> is the node's data: a JSON string is stored as its UTF-8 text,
/// any other JSON value as compact JSON text, null or absent as empty data; <c>base64</c> gives binary data instead;
/// <c>acl</c> lists entries as <c>SCHEME:ID:PERMISSIONS</c> strings (<see cref="ZooKeeperAcls.Parse(string, bool)"/>:
/// a digest entry holds <c>user:password</c> and the password is hashed) or as objects
/// <c>{"scheme":"digest","id":"user:HASH","perms":"cdrwa"}</c> taken as they are; <c>children</c> holds the child
/// nodes in the same form. Other members are errors.
/// </para>
/// <para>
/// Applying creates missing nodes (with the node's <c>acl</c>, else the default ACL), rewrites the data of existing
/// nodes whose data differs (checked against the version just read), and sets the ACL of existing nodes that list an
/// <c>acl</c> different from theirs. Nodes not in the description are left alone. The description is checked as a
/// whole before anything is written.
/// </para>
/// <para>
/// Exporting writes <c>value</c> as JSON when the data is a JSON document other than a string, as a string when it is
/// other UTF-8 text, and <c>base64</c> otherwise; it leaves out empty data, ACLs equal to
/// <see cref="ZooKeeperAcl.OpenUnsafe"/>, empty <c>children</c>, ephemeral nodes and <c>/zookeeper</c>. Digest entries
/// are exported as objects (hashed). Applying an export reproduces the subtree (JSON data written compactly).
/// </para>
/// <para>
/// ZooKeeper shows the ids of digest entries only to a client with ADMIN permission on the node (others read
/// <c>user:x</c>): to compare, set or export such ACLs, authenticate as a user the ACL grants ADMIN.
/// </para>
/// </remarks>
public static partial class ZooKeeperHierarchy
{
    private sealed record NodeSpec(string Path, byte[] Data, IReadOnlyList<ZooKeeperAcl>? Acl, List<NodeSpec> Children);

    /// <summary>Creates or updates the nodes described by <paramref name="json"/> below <paramref name="basePath"/>.</summary>
    /// <param name="client">The client.</param>
    /// <param name="basePath">Where the description's top-level nodes go; created (with parents) if missing.</param>
    /// <param name="json">The description (see the remarks of <see cref="ZooKeeperHierarchy"/>).</param>
    /// <param name="defaultAcl">The ACL of created nodes that list none; <see cref="ZooKeeperAcl.OpenUnsafe"/> when null.</param>
    /// <param name="logger">Where each applied change is logged (debug); nothing when null.</param>
    /// <param name="cancellationToken">Stops between nodes.</param>
    /// <returns>What was done, in order: <c>create PATH</c>, <c>update PATH</c>, <c>set acl PATH</c>.</returns>
    /// <exception cref="JsonException"><paramref name="json"/> is not JSON.</exception>
    /// <exception cref="FormatException">The description is malformed; the message names the node.</exception>
    public static Task<IReadOnlyList<string>> ApplyAsync(
        ZooKeeperClient client,
        string basePath,
        string json,
        IReadOnlyList<ZooKeeperAcl>? defaultAcl = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        var node = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("A hierarchy description must be a JSON object of nodes by name.");
        return ApplyAsync(client, basePath, node, defaultAcl, logger, cancellationToken);
    }

    /// <summary>Creates or updates the nodes described by <paramref name="description"/> below <paramref name="basePath"/>.</summary>
    /// <param name="client">The client.</param>
    /// <param name="basePath">Where the description's top-level nodes go; created (with parents) if missing.</param>
    /// <param name="description">The description (see the remarks of <see cref="ZooKeeperHierarchy"/>).</param>
    /// <param name="defaultAcl">The ACL of created nodes that list none; <see cref="ZooKeeperAcl.OpenUnsafe"/> when null.</param>
    /// <param name="logger">Where each applied change is logged (debug); nothing when null.</param>
    /// <param name="cancellationToken">Stops between nodes.</param>
    /// <returns>What was done, in order: <c>create PATH</c>, <c>update PATH</c>, <c>set acl PATH</c>.</returns>
    /// <exception cref="FormatException">The description is malformed; the message names the node.</exception>
    public static async Task<IReadOnlyList<string>> ApplyAsync(
        ZooKeeperClient client,
        string basePath,
        JsonObject description,
        IReadOnlyList<ZooKeeperAcl>? defaultAcl = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(description);
        ZooKeeperPath.Validate(basePath);
        var specs = ReadChildren(basePath, description);
        logger ??= NullLogger.Instance;
        var report = new List<string>();
        await client.EnsurePathAsync(basePath, defaultAcl, cancellationToken).ConfigureAwait(false);
        foreach (var spec in specs)
        {
            await ApplyNodeAsync(client, spec, defaultAcl, logger, report, cancellationToken).ConfigureAwait(false);
        }
        return report;
    }

    /// <summary>Exports the nodes below <paramref name="basePath"/> as a description that <see cref="ApplyAsync(ZooKeeperClient, string, JsonObject, IReadOnlyList{ZooKeeperAcl}?, ILogger?, CancellationToken)"/> reads.</summary>
    /// <param name="client">The client.</param>
    /// <param name="basePath">The node whose children (and their subtrees) are exported.</param>
    /// <param name="cancellationToken">Abandons the reads.</param>
    /// <returns>The description; nodes that disappear while reading are left out.</returns>
    /// <exception cref="NoNodeException"><paramref name="basePath"/> does not exist.</exception>
    public static async Task<JsonObject> ExportAsync(ZooKeeperClient client, string basePath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ZooKeeperPath.Validate(basePath);
        var children = (await client.GetChildrenAsync(basePath, null, cancellationToken).ConfigureAwait(false)).Children;
        return await ExportChildrenAsync(client, basePath, children, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<JsonObject> ExportChildrenAsync(ZooKeeperClient client, string parent, IEnumerable<string> children, CancellationToken cancellationToken)
    {
        var result = new JsonObject();
        foreach (var name in children.Order(StringComparer.Ordinal))
        {
            if (parent == "/" && name == "zookeeper")
            {
                continue;
            }
            var path = ZooKeeperPath.Combine(parent, name);
            try
            {
                var data = await client.GetDataAsync(path, null, cancellationToken).ConfigureAwait(false);
                if (data.Stat.IsEphemeral)
                {
                    continue;
                }
                var acl = await client.GetAclAsync(path, cancellationToken).ConfigureAwait(false);
                var grandChildren = (await client.GetChildrenAsync(path, null, cancellationToken).ConfigureAwait(false)).Children;
                var node = new JsonObject();
                WriteData(node, data.Data);
                if (!SameAcl(acl.Acl, ZooKeeperAcl.OpenUnsafe))
                {
                    node["acl"] = new JsonArray(acl.Acl.Select(WriteAcl).ToArray());
                }
                if (grandChildren.Count > 0)
                {
                    var sub = await ExportChildrenAsync(client, path, grandChildren, cancellationToken).ConfigureAwait(false);
                    if (sub.Count > 0)
                    {
                        node["children"] = sub;
                    }
                }
                result[name] = node;
            }
            catch (NoNodeException)
            {
                // Deleted while reading.
            }
        }
        return result;
    }

    private static void WriteData(JsonObject node, byte[] data)
    {
        if (data.Length == 0)
        {
            return;
        }
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(data);
        }
        catch (DecoderFallbackException)
        {
            node["base64"] = Convert.ToBase64String(data);
            return;
        }
        try
        {
            var json = JsonNode.Parse(text);
            if (json is not null and not JsonValue { } || json is JsonValue v && v.GetValueKind() != JsonValueKind.String)
            {
                node["value"] = json;
                return;
            }
        }
        catch (JsonException)
        {
        }
        node["value"] = text;
    }

    private static JsonNode WriteAcl(ZooKeeperAcl acl) =>
        acl.Scheme == "digest"
            ? new JsonObject { ["scheme"] = acl.Scheme, ["id"] = acl.Id, ["perms"] = ZooKeeperAcls.FormatPermissions(acl.Permissions) }
            : JsonValue.Create(ZooKeeperAcls.Format(acl));

    private static List<NodeSpec> ReadChildren(string parent, JsonObject description)
    {
        var specs = new List<NodeSpec>();
        foreach (var (name, value) in description)
        {
            var path = parent == "/" ? "/" + name : parent + "/" + name;
            if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || ZooKeeperPath.GetError(path) is { } error)
            {
                throw new FormatException($"Hierarchy node \"{name}\" under {parent}: not a valid node name.");
            }
            specs.Add(ReadNode(path, value));
        }
        return specs;
    }

    private static NodeSpec ReadNode(string path, JsonNode? value)
    {
        if (value is null)
        {
            return new NodeSpec(path, [], null, []);
        }
        if (value is not JsonObject node)
        {
            throw new FormatException($"Hierarchy node {path}: expected an object with value, base64, acl and children, found {value.GetValueKind()}.");
        }
        byte[] data = [];
        IReadOnlyList<ZooKeeperAcl>? acl = null;
        var children = new List<NodeSpec>();
        foreach (var (key, member) in node)
        {
            switch (key)
            {
                case "value":
                    data = member switch
                    {
                        null => [],
                        JsonValue v when v.GetValueKind() == JsonValueKind.String => Encoding.UTF8.GetBytes(v.GetValue<string>()),
                        _ => JsonSerializer.SerializeToUtf8Bytes(member),
                    };
                    break;
                case "base64":
                    try
                    {
                        data = Convert.FromBase64String(member?.GetValue<string>() ?? string.Empty);
                    }
                    catch (Exception e) when (e is FormatException or InvalidOperationException)
                    {
                        throw new FormatException($"Hierarchy node {path}: base64 must be a Base64 string.", e);
                    }
                    break;
                case "acl":
                    acl = ReadAcl(path, member);
                    break;
                case "children":
                    if (member is not JsonObject childObject)
                    {
                        throw new FormatException($"Hierarchy node {path}: children must be an object of nodes by name.");
                    }
                    children.AddRange(ReadChildren(path, childObject));
                    break;
                default:
                    throw new FormatException($"Hierarchy node {path}: unknown member \"{key}\" (expected value, base64, acl, children).");
            }
        }
        if (node.ContainsKey("value") && node.ContainsKey("base64"))
        {
            throw new FormatException($"Hierarchy node {path}: give value or base64, not both.");
        }
        return new NodeSpec(path, data, acl, children);
    }

    private static List<ZooKeeperAcl> ReadAcl(string path, JsonNode? member)
    {
        if (member is not JsonArray entries || entries.Count == 0)
        {
            throw new FormatException($"Hierarchy node {path}: acl must be a non-empty array of entries.");
        }
        var acl = new List<ZooKeeperAcl>();
        foreach (var entry in entries)
        {
            try
            {
                acl.Add(entry switch
                {
                    JsonValue v when v.GetValueKind() == JsonValueKind.String => ZooKeeperAcls.Parse(v.GetValue<string>()),
                    JsonObject o => new ZooKeeperAcl(
                        ZooKeeperAcls.ParsePermissions(o["perms"]?.GetValue<string>() ?? throw new FormatException("perms is missing")),
                        o["scheme"]?.GetValue<string>() ?? throw new FormatException("scheme is missing"),
                        o["id"]?.GetValue<string>() ?? string.Empty),
                    _ => throw new FormatException("an entry must be a string or an object"),
                });
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw new FormatException($"Hierarchy node {path}: bad acl entry: {e.Message}", e);
            }
        }
        return acl;
    }

    private static async Task ApplyNodeAsync(ZooKeeperClient client, NodeSpec spec, IReadOnlyList<ZooKeeperAcl>? defaultAcl, ILogger logger, List<string> report, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var created = false;
        try
        {
            await client.CreateAsync(spec.Path, spec.Data, CreateMode.Persistent, spec.Acl ?? defaultAcl, null, cancellationToken).ConfigureAwait(false);
            created = true;
            Add(report, logger, "create " + spec.Path);
        }
        catch (NodeExistsException)
        {
        }
        if (!created)
        {
            var current = await client.GetDataAsync(spec.Path, null, cancellationToken).ConfigureAwait(false);
            if (!current.Data.AsSpan().SequenceEqual(spec.Data))
            {
                await client.SetDataAsync(spec.Path, spec.Data, current.Stat.Version, cancellationToken).ConfigureAwait(false);
                Add(report, logger, "update " + spec.Path);
            }
            if (spec.Acl is not null)
            {
                var acl = await client.GetAclAsync(spec.Path, cancellationToken).ConfigureAwait(false);
                if (!SameAcl(acl.Acl, spec.Acl))
                {
                    await client.SetAclAsync(spec.Path, spec.Acl, acl.Stat.Aversion, cancellationToken).ConfigureAwait(false);
                    Add(report, logger, "set acl " + spec.Path);
                }
            }
        }
        foreach (var child in spec.Children)
        {
            await ApplyNodeAsync(client, child, defaultAcl, logger, report, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Add(List<string> report, ILogger logger, string line)
    {
        report.Add(line);
        Log.Applied(logger, line);
    }

    private static bool SameAcl(IReadOnlyList<ZooKeeperAcl> a, IReadOnlyList<ZooKeeperAcl> b) =>
        a.Count == b.Count && a.Order(AclComparer.Instance).SequenceEqual(b.Order(AclComparer.Instance));

    private sealed class AclComparer : IComparer<ZooKeeperAcl>
    {
        public static readonly AclComparer Instance = new();

        public int Compare(ZooKeeperAcl? x, ZooKeeperAcl? y) =>
            x is null || y is null ? Comparer<object?>.Default.Compare(x, y)
            : string.CompareOrdinal(x.Scheme, y.Scheme) is var s and not 0 ? s
            : string.CompareOrdinal(x.Id, y.Id) is var i and not 0 ? i
            : ((int)x.Permissions).CompareTo((int)y.Permissions);
    }
}
