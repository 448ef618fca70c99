using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ZkDiscovery.Nodes;
using ZkDiscovery.Recipes;

namespace ZkDiscovery.Cli.Commands;

/// <summary>What the <c>zkd</c> commands share: argument splitting, input and output, and turning failures into exit codes and messages.</summary>
internal static class CommandSupport
{
    internal static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    internal static async Task PrintStateAsync(ZooKeeperNodes nodes, string path, string what, CancellationToken cancellationToken)
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

    internal static IEnumerable<string> FormatStat(NodeStat stat)
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
    internal static (string? Connection, List<string> Remaining) SplitConnection(IReadOnlyList<string> args, int maxRest)
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

    internal static string RequirePath(string path) =>
        ZooKeeperPath.GetError(path) is { } error ? throw new CliUsageException($"Bad path \"{path}\": {error}") : path;

    internal static async Task<string> ReadInputAsync(string file, CancellationToken cancellationToken)
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

    internal static async Task WriteLinesAsync(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            await Console.Out.WriteLineAsync(line).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a command body and maps failures to messages on standard error and exit codes.</summary>
    internal static async Task<int> RunAsync(Func<Task<int>> body)
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

    internal static string Describe(ZooKeeperException e, string? fallbackPath)
    {
        var path = e.Path ?? fallbackPath;
        return path is null || e.Message.Contains(path, StringComparison.Ordinal) ? $"{e.Code}: {e.Message}" : $"{path}: {e.Code}: {e.Message}";
    }

    internal static async Task<int> FailAsync(int exitCode, string message)
    {
        await Console.Error.WriteLineAsync("zkd: " + message).ConfigureAwait(false);
        return exitCode;
    }
}
