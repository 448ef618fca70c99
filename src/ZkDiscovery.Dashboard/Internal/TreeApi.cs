using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Dashboard.Internal;

/// <summary>The tree endpoints: a node with its links, stat and ACL; export; the graph; DOT; the two writes.</summary>
internal static class TreeApi
{
    private static readonly System.Text.Json.JsonSerializerOptions s_json = DashboardEndpoints.Json;

    private static IResult Error(int status, string message, string? detail = null) =>
        Results.Json(new ErrorDto(message, detail), s_json, statusCode: status);

    /// <summary>Normalises a path from the query; null with <paramref name="error"/> set when it is not a valid path.</summary>
    private static string? ReadPath(string? path, out IResult? error)
    {
        error = null;
        try
        {
            var normalized = NodeLinks.NormalizePath(string.IsNullOrWhiteSpace(path) ? "/" : path.Trim());
            ZooKeeperPath.Validate(normalized);
            return normalized;
        }
        catch (ArgumentException ex)
        {
            error = Error(StatusCodes.Status400BadRequest, $"\"{path}\" is not a valid ZooKeeper path.", ex.Message);
            return null;
        }
    }

    /// <summary>Maps the errors a read can meet to responses; null for anything else (rethrown).</summary>
    private static IResult? MapError(Exception ex, string path) => ex switch
    {
        NoNodeException => Error(StatusCodes.Status404NotFound, $"{path} does not exist."),
        NoAuthException => Error(StatusCodes.Status403Forbidden, $"The dashboard's ZooKeeper session may not read {path}."),
        NodeLinkException link => Error(StatusCodes.Status422UnprocessableEntity, $"The links of {path} cannot be followed.", link.Message),
        ZooKeeperException zk when zk.IsTransient => Error(StatusCodes.Status503ServiceUnavailable, "ZooKeeper is not reachable now.", zk.Message),
        ArgumentException arg => Error(StatusCodes.Status400BadRequest, arg.Message),
        _ => null,
    };

    public static async Task<IResult> NodeAsync(string? path, DashboardState state, CancellationToken cancellationToken)
    {
        if (ReadPath(path, out var bad) is not { } asked)
        {
            return bad!;
        }
        try
        {
            var nodes = state.Nodes;
            var client = state.Client;
            var realPath = await nodes.ResolvePathAsync(asked, cancellationToken).ConfigureAwait(false);
            var data = await client.GetDataAsync(realPath, null, cancellationToken).ConfigureAwait(false);
            var children = await client.GetChildrenAsync(realPath, null, cancellationToken).ConfigureAwait(false);
            var acl = await client.GetAclAsync(realPath, cancellationToken).ConfigureAwait(false);
            var stored = NodeProperties.Parse(data.Data);
            ResolvedNodeProperties? resolved = null;
            string? resolveError = null;
            try
            {
                resolved = await nodes.GetResolvedPropertiesAsync(realPath, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NodeLinkException or ZooKeeperException)
            {
                resolveError = ex.Message;
            }

            var properties = new List<PropertyDto>();
            var propertyLinks = new List<PropertyLinkDto>();
            var symbolicLinks = new List<SymbolicLinkDto>();
            foreach (var (name, value) in stored)
            {
                if (NodePropertyNames.IsSymbolicLink(name))
                {
                    symbolicLinks.Add(await DescribeSymbolicLinkAsync(state, realPath, NodePropertyNames.StripLinkSuffix(name), AsText(value), cancellationToken).ConfigureAwait(false));
                }
                else if (NodePropertyNames.IsPropertyLink(name))
                {
                    propertyLinks.Add(DescribePropertyLink(realPath, NodePropertyNames.StripLinkSuffix(name), AsText(value), resolved, resolveError));
                }
                else
                {
                    properties.Add(new PropertyDto(name, DashboardEndpoints.Compact(value)));
                }
            }
            var stat = data.Stat;
            var dto = new NodeDto(
                asked,
                realPath,
                new StatDto(stat.Version, stat.Cversion, stat.Aversion, "0x" + stat.EphemeralOwner.ToString("x", System.Globalization.CultureInfo.InvariantCulture),
                    stat.IsEphemeral, stat.NumChildren, stat.DataLength, stat.Created, stat.Modified,
                    "0x" + stat.Czxid.ToString("x", System.Globalization.CultureInfo.InvariantCulture),
                    "0x" + stat.Mzxid.ToString("x", System.Globalization.CultureInfo.InvariantCulture)),
                properties,
                propertyLinks,
                symbolicLinks,
                [.. children.Children.Order(StringComparer.Ordinal)],
                [.. acl.Acl.Select(ToDto)],
                stored.ReadWarning);
            return Results.Json(dto, s_json);
        }
        catch (Exception ex) when (MapError(ex, asked) is { } result)
        {
            return result;
        }
    }

    /// <summary>
    /// The tree page's live feed for one node (Server-Sent Events): an event <c>node</c> (data <c>{"path","type"}</c>)
    /// with type <c>Watching</c> once the watches are armed (a change made before that is read then), then one whenever
    /// the node's data, children or existence change, and a comment line every 15 seconds when nothing does.
    /// One-shot watches, armed again after each event: a persistent watch would replace the app's own one-shot watches
    /// of the same path on servers before 3.9. They are removed when the page goes away. A failure ends the stream,
    /// and the browser connects again after 2 seconds.
    /// </summary>
    public static async Task NodeEventsAsync(string? path, HttpContext context, DashboardState state, IHostApplicationLifetime lifetime)
    {
        if (ReadPath(path, out var bad) is not { } asked)
        {
            await bad!.ExecuteAsync(context).ConfigureAwait(false);
            return;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stop.Token;
        string realPath;
        try
        {
            realPath = await state.Nodes.ResolvePathAsync(asked, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (MapError(ex, asked) is { } result)
        {
            await result.ExecuteAsync(context).ConfigureAwait(false);
            return;
        }
        var client = state.Client;
        var events = Channel.CreateUnbounded<WatchedEvent>(new UnboundedChannelOptions { SingleReader = true });
        Action<WatchedEvent> watcher = e => events.Writer.TryWrite(e);
        try
        {
            await DashboardEndpoints.StartEventStreamAsync(context, cancellationToken).ConfigureAwait(false);
            var armed = false;
            while (true)
            {
                // Armed (again): the node's data and existence, and its children while it exists.
                if (await client.ExistsAsync(realPath, watcher, cancellationToken).ConfigureAwait(false) is not null)
                {
                    try
                    {
                        await client.GetChildrenAsync(realPath, watcher, cancellationToken).ConfigureAwait(false);
                    }
                    catch (NoNodeException)
                    {
                        // Deleted in between: the data watch fires.
                    }
                }
                if (!armed)
                {
                    armed = true;
                    await WriteNodeEventAsync(context, realPath, "Watching", cancellationToken).ConfigureAwait(false);
                }
                await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                WatchedEvent fired;
                while (!events.Reader.TryRead(out fired))
                {
                    await DashboardEndpoints.WaitOrKeepAliveAsync(context, events.Reader.WaitToReadAsync(cancellationToken).AsTask(), state.Time, cancellationToken).ConfigureAwait(false);
                }
                // One event for a burst: the page reads the node again anyway.
                while (events.Reader.TryRead(out _))
                {
                }
                await WriteNodeEventAsync(context, realPath, fired.Type.ToString(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The page went away.
        }
        catch (Exception ex) when (ex is ZooKeeperException or ObjectDisposedException)
        {
            // ZooKeeper is not reachable now, or the app stops: the browser connects again.
        }
        finally
        {
            await RemoveWatchAsync(client, realPath, watcher).ConfigureAwait(false);
        }
    }

    private static Task WriteNodeEventAsync(HttpContext context, string path, string type, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Serialize(new NodeChangeDto(path, type), s_json);
        return context.Response.WriteAsync($"event: node\ndata: {data}\n\n", cancellationToken);
    }

    private static async Task RemoveWatchAsync(ZooKeeperClient client, string path, Action<WatchedEvent> watcher)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await client.RemoveWatchesAsync(path, watcher, WatcherType.Any, cancellationToken: timeout.Token).ConfigureAwait(false);
        }
        catch (NoWatcherException)
        {
            // It fired and was not armed again.
        }
        catch (Exception ex) when (ex is ZooKeeperException or ObjectDisposedException or OperationCanceledException)
        {
            // Not reachable, or closing: the watch goes with the connection, and a late event finds no page to tell.
        }
    }

    private static string AsText(JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<string>(out var s) ? s : DashboardEndpoints.Compact(value);

    private static async Task<SymbolicLinkDto> DescribeSymbolicLinkAsync(DashboardState state, string nodePath, string name, string target, CancellationToken cancellationToken)
    {
        try
        {
            var absolute = NodeLinks.ResolveTarget(nodePath, target);
            var real = await state.Nodes.ResolvePathAsync(absolute, cancellationToken).ConfigureAwait(false);
            var exists = await state.Client.ExistsAsync(real, null, cancellationToken).ConfigureAwait(false) is not null;
            return new SymbolicLinkDto(name, target, real, exists, exists ? null : $"{real} does not exist.");
        }
        catch (NoNodeException ex)
        {
            return new SymbolicLinkDto(name, target, ex.Path, false, ex.Message);
        }
        catch (Exception ex) when (ex is NodeLinkException or ArgumentException or ZooKeeperException)
        {
            return new SymbolicLinkDto(name, target, null, false, ex.Message);
        }
    }

    private static PropertyLinkDto DescribePropertyLink(string nodePath, string name, string target, ResolvedNodeProperties? resolved, string? resolveError)
    {
        string? targetPath = null;
        string? targetProperty = null;
        try
        {
            var parsed = NodeLinks.ParsePropertyLink(nodePath, name, target);
            (targetPath, targetProperty) = (parsed.Path, parsed.PropertyName);
        }
        catch (BadPropertyLinkException ex)
        {
            return new PropertyLinkDto(name, target, null, null, null, ex.Message);
        }
        if (resolved is null)
        {
            return new PropertyLinkDto(name, target, targetPath, targetProperty, null, resolveError);
        }
        if (resolved.Properties.TryGetValue(name, out var value))
        {
            return new PropertyLinkDto(name, target, targetPath, targetProperty, DashboardEndpoints.Compact(value), null);
        }
        var error = resolved.Errors.FirstOrDefault(e => e is BadPropertyLinkException b && b.PropertyName == name)?.Message
            ?? (resolved.Errors.Count > 0 ? resolved.Errors[0].Message : null)
            ?? "The link does not resolve.";
        return new PropertyLinkDto(name, target, targetPath, targetProperty, null, error);
    }

    /// <summary>A digest ACL id holds a password hash: the page gets the user name only.</summary>
    private static AclDto ToDto(ZooKeeperAcl acl)
    {
        var id = acl.Id;
        if (string.Equals(acl.Scheme, "digest", StringComparison.OrdinalIgnoreCase))
        {
            var colon = id.IndexOf(':', StringComparison.Ordinal);
            id = (colon < 0 ? id : id[..colon]) + ":(hash hidden)";
        }
        return new AclDto(acl.Scheme, id, PermissionLetters(acl.Permissions));
    }

    private static string PermissionLetters(Permissions permissions)
    {
        Span<char> letters = stackalloc char[5];
        var n = 0;
        if (permissions.HasFlag(Permissions.Create)) { letters[n++] = 'c'; }
        if (permissions.HasFlag(Permissions.Delete)) { letters[n++] = 'd'; }
        if (permissions.HasFlag(Permissions.Read)) { letters[n++] = 'r'; }
        if (permissions.HasFlag(Permissions.Write)) { letters[n++] = 'w'; }
        if (permissions.HasFlag(Permissions.Admin)) { letters[n++] = 'a'; }
        return new string(letters[..n]);
    }

    public static async Task<IResult> ExportAsync(string? path, bool? ephemeral, DashboardState state, CancellationToken cancellationToken)
    {
        if (ReadPath(path, out var bad) is not { } asked)
        {
            return bad!;
        }
        try
        {
            var realPath = await state.Nodes.ResolvePathAsync(asked, cancellationToken).ConfigureAwait(false);
            var text = await state.Nodes.ExportAsync(realPath, ephemeral ?? false, null, cancellationToken).ConfigureAwait(false);
            return Results.Text(text, "text/plain; charset=utf-8");
        }
        catch (Exception ex) when (MapError(ex, asked) is { } result)
        {
            return result;
        }
    }

    private static async Task<(TreeNode Root, string BasePath)?> ReadTreeAsync(DashboardState state, string realPath, CancellationToken cancellationToken)
    {
        var tree = await state.Nodes.ExportTreeAsync(realPath, true, cancellationToken).ConfigureAwait(false);
        if (tree is null)
        {
            return null;
        }
        if (realPath == "/")
        {
            return (tree, "/");
        }
        var root = new TreeNode(string.Empty);
        root.Children.Add(tree);
        return (root, ZooKeeperPath.GetParent(realPath) ?? "/");
    }

    public static async Task<IResult> DotAsync(string? path, DashboardState state, CancellationToken cancellationToken)
    {
        if (ReadPath(path, out var bad) is not { } asked)
        {
            return bad!;
        }
        try
        {
            var realPath = await state.Nodes.ResolvePathAsync(asked, cancellationToken).ConfigureAwait(false);
            var tree = await ReadTreeAsync(state, realPath, cancellationToken).ConfigureAwait(false);
            var dot = tree is { } t ? TreeText.ToDot(t.Root, t.BasePath) : TreeText.ToDot(new TreeNode(string.Empty), realPath);
            return Results.Text(dot, "text/vnd.graphviz; charset=utf-8");
        }
        catch (Exception ex) when (MapError(ex, asked) is { } result)
        {
            return result;
        }
    }

    public static async Task<IResult> GraphAsync(string? path, DashboardState state, CancellationToken cancellationToken)
    {
        if (ReadPath(path, out var bad) is not { } asked)
        {
            return bad!;
        }
        try
        {
            var realPath = await state.Nodes.ResolvePathAsync(asked, cancellationToken).ConfigureAwait(false);
            var tree = await state.Nodes.ExportTreeAsync(realPath, true, cancellationToken).ConfigureAwait(false) ?? new TreeNode(ZooKeeperPath.GetName(realPath));
            var budget = new[] { Math.Max(1, state.Options.MaxGraphNodes) };
            var truncated = false;
            var root = ToGraph(tree, realPath, budget, ref truncated);
            return Results.Json(new GraphDto(realPath, truncated, Math.Max(1, state.Options.MaxGraphNodes) - budget[0], root), s_json);
        }
        catch (Exception ex) when (MapError(ex, asked) is { } result)
        {
            return result;
        }
    }

    private static GraphNodeDto ToGraph(TreeNode node, string path, int[] budget, ref bool truncated)
    {
        budget[0]--;
        var links = new List<GraphLinkDto>();
        foreach (var link in node.SymbolicLinks)
        {
            string? target = null;
            try
            {
                target = NodeLinks.ResolveTarget(path, link.Value);
            }
            catch (ArgumentException)
            {
            }
            links.Add(new GraphLinkDto("symbolic", link.Name, link.Value, target));
        }
        foreach (var link in node.PropertyLinks)
        {
            string? target = null;
            try
            {
                target = NodeLinks.ParsePropertyLink(path, link.Name, link.Value).Path;
            }
            catch (BadPropertyLinkException)
            {
            }
            links.Add(new GraphLinkDto("property", link.Name, link.Value, target));
        }
        var children = new List<GraphNodeDto>();
        foreach (var child in node.Children.OrderBy(static c => c.Name, StringComparer.Ordinal))
        {
            if (budget[0] <= 0)
            {
                truncated = true;
                break;
            }
            children.Add(ToGraph(child, ZooKeeperPath.Combine(path, child.Name), budget, ref truncated));
        }
        return new GraphNodeDto(path == "/" ? "/" : node.Name, path, links, children);
    }

    public static async Task<IResult> SetPropertyAsync(HttpContext context, DashboardState state, CancellationToken cancellationToken)
    {
        if (await DashboardEndpoints.CheckWriteAsync(context, state).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }
        SetPropertyRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<SetPropertyRequest>(s_json, cancellationToken).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException)
        {
            return Error(StatusCodes.Status400BadRequest, "The request body is not JSON of the form {\"path\", \"name\", \"value\", \"expectedVersion\"}.");
        }
        if (request is null || string.IsNullOrWhiteSpace(request.Name) || request.Value is null || request.ExpectedVersion is null)
        {
            return Error(StatusCodes.Status400BadRequest, "Give path, name, value (tree-text or JSON syntax) and expectedVersion (the version the edit was made on).");
        }
        if (ReadPath(request.Path, out var bad) is not { } asked)
        {
            return bad!;
        }
        JsonNode? value;
        try
        {
            value = TreeText.ParseValue(request.Value);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or TreeTextException or System.Text.Json.JsonException)
        {
            return Error(StatusCodes.Status400BadRequest, $"The value of {request.Name} is not a valid value: write it as in tree text, e.g. 'text', 42, true or a JSON object.", ex.Message);
        }
        if (value is null)
        {
            return Error(StatusCodes.Status400BadRequest, "A null value would remove the property; the dashboard sets values only.");
        }
        try
        {
            var result = await state.Nodes.UpdatePropertiesAsync(asked, [new KeyValuePair<string, JsonNode?>(request.Name, value)], request.ExpectedVersion.Value, cancellationToken).ConfigureAwait(false);
            return Results.Json(new SetPropertyResult(asked, result.RealPath, result.Stat.Version), s_json);
        }
        catch (BadVersionException)
        {
            // Compare-and-set lost: nothing was written. Show what is there now.
            var now = await state.Nodes.GetPropertiesAsync(asked, cancellationToken).ConfigureAwait(false);
            var current = now.Properties.TryGetValue(request.Name, out var currentValue) ? DashboardEndpoints.Compact(currentValue) : null;
            return Results.Json(new ConflictDto(
                $"{now.RealPath} changed since you loaded it (version {request.ExpectedVersion.Value}, now {now.Stat.Version}); nothing was written.",
                now.RealPath, request.ExpectedVersion.Value, now.Stat.Version, current), s_json, statusCode: StatusCodes.Status409Conflict);
        }
        catch (Exception ex) when (MapError(ex, asked) is { } result)
        {
            return result;
        }
    }

    private static async Task<(ImportRequest? Request, string? Path, IResult? Error)> ReadImportAsync(HttpContext context, CancellationToken cancellationToken)
    {
        ImportRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<ImportRequest>(s_json, cancellationToken).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, null, Error(StatusCodes.Status400BadRequest, "The request body is not JSON of the form {\"path\", \"text\", \"trim\"}."));
        }
        if (request is null || string.IsNullOrWhiteSpace(request.Text))
        {
            return (null, null, Error(StatusCodes.Status400BadRequest, "Give the tree text to import."));
        }
        var errors = TreeText.Validate(request.Text);
        if (errors.Count > 0)
        {
            return (null, null, Results.Json(new ImportErrorDto("The tree text has errors; nothing was imported.",
                [.. errors.Select(static e => new TreeTextErrorDto(e.LineNumber, e.Message, e.Text))]), s_json, statusCode: StatusCodes.Status400BadRequest));
        }
        var path = ReadPath(request.Path, out var bad);
        return path is null ? (null, null, bad) : (request, path, null);
    }

    private static string Confirmation(string path, ImportRequest request, IReadOnlyList<string> changes) =>
        DashboardEndpoints.Hash([path, request.Trim ? "trim" : "keep", request.Text!, .. changes]);

    public static async Task<IResult> PreviewImportAsync(HttpContext context, DashboardState state, CancellationToken cancellationToken)
    {
        if (await DashboardEndpoints.CheckWriteAsync(context, state).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }
        var (request, path, error) = await ReadImportAsync(context, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }
        try
        {
            var changes = await state.Nodes.ImportAsync(request!.Text!, path!, request.Trim ? true : null, dryRun: true, null, cancellationToken).ConfigureAwait(false);
            return Results.Json(new ImportPreviewDto(path!, request.Trim, changes, Confirmation(path!, request, changes)), s_json);
        }
        catch (Exception ex) when (MapError(ex, path!) is { } result)
        {
            return result;
        }
    }

    public static async Task<IResult> ApplyImportAsync(HttpContext context, DashboardState state, CancellationToken cancellationToken)
    {
        if (await DashboardEndpoints.CheckWriteAsync(context, state).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }
        var (request, path, error) = await ReadImportAsync(context, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }
        try
        {
            // Applied only as previewed: the dry run again must give the lines the user confirmed.
            var changes = await state.Nodes.ImportAsync(request!.Text!, path!, request.Trim ? true : null, dryRun: true, null, cancellationToken).ConfigureAwait(false);
            var confirmation = Confirmation(path!, request, changes);
            if (!string.Equals(confirmation, request.Confirmation, StringComparison.Ordinal))
            {
                return Results.Json(new ImportErrorDto(
                    request.Confirmation is null
                        ? "Preview the import first; it is applied only after you confirm the preview."
                        : "ZooKeeper changed since the preview; check the new preview and confirm again.",
                    Changes: changes, Confirmation: confirmation), s_json, statusCode: StatusCodes.Status409Conflict);
            }
            var applied = await state.Nodes.ImportAsync(request.Text!, path!, request.Trim ? true : null, dryRun: false, null, cancellationToken).ConfigureAwait(false);
            return Results.Json(new ImportAppliedDto(path!, applied), s_json);
        }
        catch (TreeImportException ex)
        {
            return Results.Json(new ImportErrorDto($"Importing {ex.Path} failed: {ex.InnerException?.Message ?? ex.Message}", Applied: ex.AppliedReport), s_json,
                statusCode: StatusCodes.Status409Conflict);
        }
        catch (Exception ex) when (MapError(ex, path!) is { } result)
        {
            return result;
        }
    }
}
