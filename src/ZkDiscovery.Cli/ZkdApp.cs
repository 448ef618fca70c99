using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ZkDiscovery.Nodes;
using ZkDiscovery.Recipes;

namespace ZkDiscovery.Cli;

/// <summary>The <c>zkd</c> commands: a thin shell over <see cref="ZooKeeperNodes"/> and the recipes.</summary>
internal static class ZkdApp
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("zkd: export, import, validate and inspect ZooKeeper trees (zc.zk tree format).")
        {
            ExportCommand(),
            ImportCommand(),
            ValidateCommand(),
            SetPropertyCommand(),
            LsCommand(),
            GetCommand(),
            RmCommand(),
            WatchCommand(),
            LnCommand(),
            DotCommand(),
            ServeCommand.Create(),
        };
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }

    private static Command ExportCommand()
    {
        var connection = new ConnectionOptions();
        var ephemeral = new Option<bool>("--ephemeral", "-e") { Description = "Include ephemeral nodes." };
        var name = new Option<string?>("--name") { Description = "Name the top node of the export NAME.", HelpName = "NAME" };
        var output = new Option<string?>("--output", "-o") { Description = "Write to FILE instead of standard output.", HelpName = "FILE" };
        var positional = new Argument<string[]>("CONNECTION-PATH") { Description = "[CONNECTION] [PATH]: an optional connection string, then the path to export (default /).", Arity = new ArgumentArity(0, 2) };
        var command = new Command("export", "Export a subtree as tree text.") { ephemeral, name, output, positional };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var (conn, rest) = SplitConnection(result.GetValue(positional) ?? [], maxRest: 1);
            var path = rest.Count > 0 ? RequirePath(rest[0]) : "/";
            var client = await connection.ConnectAsync(result, conn, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var text = await new ZooKeeperNodes(client).ExportAsync(path, result.GetValue(ephemeral), result.GetValue(name), ct).ConfigureAwait(false);
            if (result.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file, text, ct).ConfigureAwait(false);
            }
            else
            {
                await Console.Out.WriteAsync(text).ConfigureAwait(false);
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command ImportCommand()
    {
        var connection = new ConnectionOptions();
        var trim = new Option<bool>("--trim", "-t") { Description = "Delete existing nodes missing from the text (below the top-level imported nodes)." };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Change nothing; report what would be done." };
        var acl = new Option<string[]>("--acl") { Description = "An ACL entry SCHEME:ID:PERMS for the imported nodes (repeatable), e.g. world:anyone:r or digest:USER:PASSWORD:cdrwa.", HelpName = "ACL", AllowMultipleArgumentsPerToken = false };
        var positional = new Argument<string[]>("CONNECTION-FILE-PATH") { Description = "[CONNECTION] FILE|- [PATH]: an optional connection string, the tree text file (- for standard input), and the path to import under (default /).", Arity = new ArgumentArity(1, 3) };
        var command = new Command("import", "Import tree text: create and update nodes, report what changed.") { trim, dryRun, acl, positional };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var args = result.GetValue(positional) ?? [];
            string? conn = null;
            string file;
            var path = "/";
            switch (args.Length)
            {
                case 3:
                    (conn, file, path) = (args[0], args[1], RequirePath(args[2]));
                    break;
                case 2 when ConnectionOptions.LooksLikeConnection(args[0]):
                    (conn, file) = (args[0], args[1]);
                    break;
                case 2:
                    (file, path) = (args[0], RequirePath(args[1]));
                    break;
                default:
                    file = args[0];
                    break;
            }
            var text = await ReadInputAsync(file, ct).ConfigureAwait(false);
            var tree = TreeText.Parse(text);
            var aclList = ConnectionOptions.ParseAcl(result.GetValue(acl));
            var client = await connection.ConnectAsync(result, conn, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var report = await new ZooKeeperNodes(client).ImportAsync(tree, path, result.GetValue(trim) ? true : null, result.GetValue(dryRun), aclList, ct).ConfigureAwait(false);
            await WriteLinesAsync(report).ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command ValidateCommand()
    {
        var file = new Argument<string>("FILE") { Description = "The tree text file, or - for standard input." };
        var command = new Command("validate", "Check tree text and report every error with its line; exit code 1 on errors.") { file };
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var name = result.GetValue(file)!;
            var errors = TreeText.Validate(await ReadInputAsync(name, ct).ConfigureAwait(false));
            foreach (var error in errors)
            {
                await Console.Error.WriteLineAsync($"{(name == "-" ? "<stdin>" : name)}:{error.LineNumber.ToString(CultureInfo.InvariantCulture)}: {error.Message}: {error.Text}").ConfigureAwait(false);
            }
            return errors.Count == 0 ? ExitCodes.Success : ExitCodes.UsageOrInput;
        }));
        return command;
    }

    private static Command SetPropertyCommand()
    {
        var connection = new ConnectionOptions();
        var positional = new Argument<string[]>("ARGS") { Description = "[CONNECTION] PATH NAME=VALUE...: VALUE is JSON or a Python literal, as in tree text.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("set-property", "Set properties of a node (other properties are kept).") { positional };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var args = result.GetValue(positional) ?? [];
            var index = 0;
            string? conn = null;
            if (args.Length > 0 && !args[0].StartsWith('/'))
            {
                conn = args[0];
                index = 1;
            }
            if (args.Length <= index || !args[index].StartsWith('/'))
            {
                throw new CliUsageException("set-property needs a node path starting with / and at least one NAME=VALUE.");
            }
            var path = args[index++];
            if (args.Length <= index)
            {
                throw new CliUsageException("set-property needs at least one NAME=VALUE.");
            }
            var changes = new List<KeyValuePair<string, JsonNode?>>();
            foreach (var assignment in args[index..])
            {
                var equals = assignment.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    throw new CliUsageException($"\"{assignment}\" is not NAME=VALUE.");
                }
                var name = assignment[..equals].Trim();
                try
                {
                    changes.Add(new(name, TreeText.ParseValue(assignment[(equals + 1)..].Trim())));
                }
                catch (FormatException e)
                {
                    throw new CliUsageException($"Property {name}: {e.Message}");
                }
            }
            var client = await connection.ConnectAsync(result, conn, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            await new ZooKeeperNodes(client).UpdatePropertiesAsync(path, old =>
            {
                var merged = old.ToDictionary(p => p.Key, p => p.Value?.DeepClone(), StringComparer.Ordinal);
                foreach (var (name, value) in changes)
                {
                    merged[name] = value?.DeepClone();
                }
                return merged;
            }, ZooKeeperNodes.DefaultMaxUpdateAttempts, ct).ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command LsCommand()
    {
        var connection = new ConnectionOptions();
        var path = new Argument<string>("PATH") { Description = "The node; symbolic links are followed." };
        var command = new Command("ls", "List a node's children, one per line.") { path };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var target = RequirePath(result.GetValue(path)!);
            var client = await connection.ConnectAsync(result, null, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var real = await new ZooKeeperNodes(client).ResolvePathAsync(target, ct).ConfigureAwait(false);
            var children = await client.GetChildrenAsync(real, null, ct).ConfigureAwait(false);
            await WriteLinesAsync(children.Children.Order(StringComparer.Ordinal)).ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command GetCommand()
    {
        var connection = new ConnectionOptions();
        var raw = new Option<bool>("--raw") { Description = "Print the stored data as is instead of the properties." };
        var stat = new Option<bool>("--stat") { Description = "Print the node's Stat after the data." };
        var path = new Argument<string>("PATH") { Description = "The node; symbolic links are followed." };
        var command = new Command("get", "Print a node's properties as JSON (property links resolved).") { raw, stat, path };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var target = RequirePath(result.GetValue(path)!);
            var client = await connection.ConnectAsync(result, null, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var nodes = new ZooKeeperNodes(client);
            var real = await nodes.ResolvePathAsync(target, ct).ConfigureAwait(false);
            NodeStat nodeStat;
            if (result.GetValue(raw))
            {
                var data = await client.GetDataAsync(real, null, ct).ConfigureAwait(false);
                nodeStat = data.Stat;
                var stdout = Console.OpenStandardOutput();
                await using var stdoutScope = stdout.ConfigureAwait(false);
                await stdout.WriteAsync(data.Data, ct).ConfigureAwait(false);
                if (result.GetValue(stat))
                {
                    await stdout.WriteAsync("\n"u8.ToArray(), ct).ConfigureAwait(false);
                }
                await stdout.FlushAsync(ct).ConfigureAwait(false);
            }
            else
            {
                var properties = await nodes.GetResolvedPropertiesAsync(real, ct).ConfigureAwait(false);
                var json = new JsonObject();
                foreach (var (name, value) in properties.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    json[name] = value?.DeepClone();
                }
                await Console.Out.WriteLineAsync(json.ToJsonString(s_indented)).ConfigureAwait(false);
                foreach (var error in properties.Errors)
                {
                    await Console.Error.WriteLineAsync("zkd: warning: " + error.Message).ConfigureAwait(false);
                }
                nodeStat = (await client.ExistsAsync(real, null, ct).ConfigureAwait(false)) ?? throw new NoNodeException(real);
            }
            if (result.GetValue(stat))
            {
                await WriteLinesAsync(FormatStat(nodeStat)).ConfigureAwait(false);
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command RmCommand()
    {
        var connection = new ConnectionOptions();
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Delete the node's subtree too." };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Change nothing; report what would be deleted." };
        var force = new Option<bool>("--force") { Description = "Delete ephemeral nodes too." };
        var path = new Argument<string>("PATH") { Description = "The node (a real path)." };
        var command = new Command("rm", "Delete a node (with -r, its subtree). Ephemeral nodes are kept unless --force.") { recursive, dryRun, force, path };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var target = RequirePath(result.GetValue(path)!);
            if (target == "/")
            {
                throw new CliUsageException("The root cannot be deleted.");
            }
            var client = await connection.ConnectAsync(result, null, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var isDryRun = result.GetValue(dryRun);
            var isForce = result.GetValue(force);
            if (result.GetValue(recursive))
            {
                var report = await new ZooKeeperNodes(client).DeleteRecursiveAsync(target, isDryRun, isForce, ct).ConfigureAwait(false);
                await WriteLinesAsync(report).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            var nodeStat = await client.ExistsAsync(target, null, ct).ConfigureAwait(false) ?? throw new NoNodeException(target);
            var keep = nodeStat.IsEphemeral && !isForce;
            if (isDryRun)
            {
                await Console.Out.WriteLineAsync(keep ? $"wouldn't delete {target} because it's ephemeral." : $"would delete {target}.").ConfigureAwait(false);
            }
            else if (keep)
            {
                await Console.Out.WriteLineAsync($"Not deleting {target} because it's ephemeral.").ConfigureAwait(false);
            }
            else
            {
                await client.DeleteAsync(target, -1, ct).ConfigureAwait(false);
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command WatchCommand()
    {
        var connection = new ConnectionOptions();
        var path = new Argument<string>("PATH") { Description = "The node; symbolic links are followed once, at the start." };
        var command = new Command("watch", "Print the node's properties, then each change, until Ctrl+C.") { path };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var target = RequirePath(result.GetValue(path)!);
            var client = await connection.ConnectAsync(result, null, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var nodes = new ZooKeeperNodes(client);
            var real = await nodes.ResolvePathAsync(target, ct).ConfigureAwait(false);
            var events = Channel.CreateUnbounded<WatchedEvent>();
            await client.AddWatchAsync(real, e => events.Writer.TryWrite(e), AddWatchMode.Persistent, ct).ConfigureAwait(false);
            await PrintStateAsync(nodes, real, "properties", ct).ConfigureAwait(false);
            try
            {
                await foreach (var e in events.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    switch (e.Type)
                    {
                        case WatchEventType.NodeCreated:
                            await PrintStateAsync(nodes, real, "created", ct).ConfigureAwait(false);
                            break;
                        case WatchEventType.NodeDataChanged:
                            await PrintStateAsync(nodes, real, "changed", ct).ConfigureAwait(false);
                            break;
                        case WatchEventType.NodeDeleted:
                            await Console.Out.WriteLineAsync($"{real} deleted").ConfigureAwait(false);
                            break;
                        case WatchEventType.NodeChildrenChanged:
                            var children = await client.GetChildrenAsync(real, null, ct).ConfigureAwait(false);
                            await Console.Out.WriteLineAsync($"{real} children: {string.Join(' ', children.Children.Order(StringComparer.Ordinal))}").ConfigureAwait(false);
                            break;
                        case WatchEventType.None when e.IsWatchLost:
                            await Console.Out.WriteLineAsync($"{real} watch lost ({e.State}); re-watching").ConfigureAwait(false);
                            await client.AddWatchAsync(real, w => events.Writer.TryWrite(w), AddWatchMode.Persistent, ct).ConfigureAwait(false);
                            await PrintStateAsync(nodes, real, "properties", ct).ConfigureAwait(false);
                            break;
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command LnCommand()
    {
        var connection = new ConnectionOptions();
        var target = new Argument<string>("TARGET") { Description = "The link target: absolute, or relative to SOURCE's parent; ending with / appends SOURCE's name." };
        var source = new Argument<string>("SOURCE") { Description = "The path the link makes available." };
        var command = new Command("ln", "Make SOURCE a symbolic link to TARGET (property NAME -> on SOURCE's parent).") { target, source };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var sourcePath = RequirePath(result.GetValue(source)!);
            var client = await connection.ConnectAsync(result, null, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var link = await new ZooKeeperNodes(client).LinkAsync(result.GetValue(target)!, sourcePath, ct).ConfigureAwait(false);
            await Console.Out.WriteLineAsync($"{link.ParentPath} {link.PropertyName} {link.Target}").ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command DotCommand()
    {
        var connection = new ConnectionOptions();
        var path = new Argument<string?>("PATH") { Description = "The subtree to draw (default /).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("dot", "Print the tree and its links as a Graphviz DOT digraph.") { path };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var target = RequirePath(result.GetValue(path) ?? "/");
            var client = await connection.ConnectAsync(result, null, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var tree = await new ZooKeeperNodes(client).ExportTreeAsync(target, false, ct).ConfigureAwait(false);
            string dot;
            if (tree is null)
            {
                dot = TreeText.ToDot(new TreeNode(string.Empty), target);
            }
            else if (target == "/")
            {
                dot = TreeText.ToDot(tree, "/");
            }
            else
            {
                var root = new TreeNode(string.Empty);
                root.Children.Add(tree);
                dot = TreeText.ToDot(root, ZooKeeperPath.GetParent(target) ?? "/");
            }
            await Console.Out.WriteAsync(dot).ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static async Task PrintStateAsync(ZooKeeperNodes nodes, string path, string what, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await nodes.GetResolvedPropertiesAsync(path, cancellationToken).ConfigureAwait(false);
            var json = new JsonObject();
            foreach (var (name, value) in properties.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                json[name] = value?.DeepClone();
            }
            await Console.Out.WriteLineAsync($"{path} {what}: {json.ToJsonString()}").ConfigureAwait(false);
        }
        catch (NoNodeException)
        {
            await Console.Out.WriteLineAsync($"{path} does not exist").ConfigureAwait(false);
        }
    }

    private static IEnumerable<string> FormatStat(NodeStat stat)
    {
        var c = CultureInfo.InvariantCulture;
        yield return "cZxid = 0x" + stat.Czxid.ToString("x", c);
        yield return "ctime = " + stat.Created.ToString("O", c);
        yield return "mZxid = 0x" + stat.Mzxid.ToString("x", c);
        yield return "mtime = " + stat.Modified.ToString("O", c);
        yield return "pZxid = 0x" + stat.Pzxid.ToString("x", c);
        yield return "cversion = " + stat.Cversion.ToString(c);
        yield return "dataVersion = " + stat.Version.ToString(c);
        yield return "aclVersion = " + stat.Aversion.ToString(c);
        yield return "ephemeralOwner = 0x" + stat.EphemeralOwner.ToString("x", c);
        yield return "dataLength = " + stat.DataLength.ToString(c);
        yield return "numChildren = " + stat.NumChildren.ToString(c);
    }

    /// <summary>Splits leading positional arguments into an optional connection string and the rest (paths start with /).</summary>
    private static (string? Connection, List<string> Remaining) SplitConnection(IReadOnlyList<string> args, int maxRest)
    {
        var rest = args.ToList();
        string? connection = null;
        if (rest.Count > 0 && !rest[0].StartsWith('/'))
        {
            connection = rest[0];
            rest.RemoveAt(0);
        }
        if (rest.Count > maxRest)
        {
            throw new CliUsageException($"Too many arguments: {string.Join(' ', rest.Skip(maxRest))}");
        }
        return (connection, rest);
    }

    private static string RequirePath(string path) =>
        ZooKeeperPath.GetError(path) is { } error ? throw new CliUsageException($"Bad path \"{path}\": {error}") : path;

    private static async Task<string> ReadInputAsync(string file, CancellationToken cancellationToken)
    {
        if (file == "-")
        {
            return await Console.In.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            return await File.ReadAllTextAsync(file, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"Cannot read {file}: {e.Message}");
        }
    }

    private static async Task WriteLinesAsync(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            await Console.Out.WriteLineAsync(line).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a command body and maps failures to messages on standard error and exit codes.</summary>
    private static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (CliUsageException e)
        {
            return await FailAsync(ExitCodes.UsageOrInput, e.Message).ConfigureAwait(false);
        }
        catch (TreeTextException e)
        {
            foreach (var error in e.Errors)
            {
                await Console.Error.WriteLineAsync($"zkd: line {error.LineNumber.ToString(CultureInfo.InvariantCulture)}: {error.Message}: {error.Text}").ConfigureAwait(false);
            }
            return ExitCodes.UsageOrInput;
        }
        catch (ZooKeeperAclFormatException e)
        {
            return await FailAsync(ExitCodes.UsageOrInput, e.Message).ConfigureAwait(false);
        }
        catch (CliConnectException e)
        {
            return await FailAsync(ExitCodes.CannotConnect, e.Message).ConfigureAwait(false);
        }
        catch (TreeImportException e)
        {
            await WriteLinesAsync(e.AppliedReport).ConfigureAwait(false);
            return await FailAsync(ExitCodes.ZooKeeperError, e.InnerException is ZooKeeperException z ? Describe(z, e.Path) : e.Message).ConfigureAwait(false);
        }
        catch (ZooKeeperException e)
        {
            return await FailAsync(ExitCodes.ZooKeeperError, Describe(e, null)).ConfigureAwait(false);
        }
        catch (NodeLinkException e)
        {
            return await FailAsync(ExitCodes.ZooKeeperError, e.Message).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            return await FailAsync(ExitCodes.UsageOrInput, e.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return await FailAsync(130, "Cancelled.").ConfigureAwait(false);
        }
    }

    private static string Describe(ZooKeeperException e, string? fallbackPath)
    {
        var path = e.Path ?? fallbackPath;
        return path is null || e.Message.Contains(path, StringComparison.Ordinal) ? $"{e.Code}: {e.Message}" : $"{path}: {e.Code}: {e.Message}";
    }

    private static async Task<int> FailAsync(int exitCode, string message)
    {
        await Console.Error.WriteLineAsync("zkd: " + message).ConfigureAwait(false);
        return exitCode;
    }
}
