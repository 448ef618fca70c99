using System.CommandLine;
using ZkDiscovery.Recipes;

namespace ZkDiscovery.Cli;

/// <summary>The options every connecting command takes: <c>-z|--zookeeper</c>, <c>--auth</c>, <c>--timeout</c>.</summary>
internal sealed class ConnectionOptions
{
    public const string EnvironmentVariable = "ZOOKEEPER_CONNECTION_STRING";

    public Option<string?> ZooKeeper { get; } = new("--zookeeper", "-z")
    {
        Description = $"The ZooKeeper connection string (default: ${EnvironmentVariable}, then {ZooKeeperDefaults.ConnectionString}).",
        HelpName = "CONNECTION",
    };

    public Option<string?> Auth { get; } = new("--auth")
    {
        Description = "Digest credentials USER:PASSWORD to authenticate with (never printed).",
        HelpName = "USER:PASSWORD",
    };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for a connection before giving up with exit code 3.",
        DefaultValueFactory = _ => 10,
        HelpName = "SECONDS",
    };

    public void AddTo(Command command)
    {
        command.Add(ZooKeeper);
        command.Add(Auth);
        command.Add(Timeout);
    }

    /// <summary>Connects with the options; a positional connection string, when given, wins over <c>-z</c>.</summary>
    public async Task<ZooKeeperClient> ConnectAsync(ParseResult result, string? positionalConnection, CancellationToken cancellationToken)
    {
        var connection = positionalConnection
            ?? result.GetValue(ZooKeeper)
            ?? NullIfEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable))
            ?? ZooKeeperDefaults.ConnectionString;
        var seconds = result.GetValue(Timeout);
        if (!(seconds > 0) || double.IsInfinity(seconds))
        {
            throw new CliUsageException("--timeout must be a positive number of seconds.");
        }
        var options = new ZooKeeperClientOptions { ConnectionString = connection };
        if (result.GetValue(Auth) is { } auth)
        {
            var colon = auth.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                // The value is not echoed: it may be a password typed in the wrong place.
                throw new CliUsageException("--auth must be written USER:PASSWORD.");
            }
            options.DigestCredentials = auth;
        }
        try
        {
            return await ZooKeeperClient.ConnectAsync(options, null, TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new CliUsageException($"Bad connection string \"{connection}\": {e.Message}");
        }
        catch (ConnectionLossException e)
        {
            throw new CliConnectException($"Cannot connect to ZooKeeper at {connection} within {seconds:0.###} s.", e);
        }
    }

    /// <summary>The ACL entries given with <c>--acl</c>, digest passwords hashed.</summary>
    public static IReadOnlyList<ZooKeeperAcl>? ParseAcl(IReadOnlyList<string>? entries) =>
        entries is null || entries.Count == 0 ? null : ZooKeeperAcls.ParseList(entries);

    /// <summary>True when <paramref name="argument"/> reads as a connection string rather than a node path, a file or <c>-</c>.</summary>
    public static bool LooksLikeConnection(string argument) =>
        !argument.StartsWith('/') && argument != "-" && !File.Exists(argument);

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
