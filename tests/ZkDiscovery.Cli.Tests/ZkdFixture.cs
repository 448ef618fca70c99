using System.Diagnostics;
using System.Reflection;
using System.Text;
using ZkDiscovery.Testing;

namespace ZkDiscovery.Cli.Tests;

/// <summary>One ZooKeeper server for the CLI tests and a runner of the built <c>zkd</c> tool as a real process.</summary>
public sealed class ZkdFixture : IAsyncLifetime
{
    private static readonly TimeSpan s_processTimeout = TimeSpan.FromSeconds(60);
    private ZooKeeperTestServer? _server;

    public string ConnectionString => _server?.ConnectionString ?? throw new InvalidOperationException("The server is not started.");

    public static string ZkdPath { get; } = Path.GetFullPath(
        typeof(ZkdFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ZkdPath").Value!);

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ZkdPath), $"zkd is not built at {ZkdPath}.");
        _server = await ZooKeeperTestServer.StartAsync(new ZooKeeperTestServerOptions());
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Runs <c>dotnet zkd.dll ARGS</c> and returns its exit code and output.</summary>
    public static async Task<ZkdResult> RunAsync(IEnumerable<string> args, string? stdin = null, IDictionary<string, string>? environment = null)
    {
        using var process = Start(args, environment);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(s_processTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new ZkdResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts <c>dotnet zkd.dll ARGS</c> with every standard stream redirected.</summary>
    /// <param name="args">zkd's arguments.</param>
    /// <param name="environment">Extra environment variables.</param>
    /// <param name="interruptible">
    /// Starts zkd with SIGINT's default action even when this process inherited it ignored, as every job that a
    /// non-interactive shell starts in the background (<c>cmd &amp;</c>) does, test runs included. .NET keeps a SIGINT
    /// ignored at startup ignored, so Ctrl+C (a test's <c>kill -INT</c>) would not reach zkd. Linux (GNU env).
    /// </param>
    public static Process Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, bool interruptible = false)
    {
        interruptible &= OperatingSystem.IsLinux();
        var info = new ProcessStartInfo(interruptible ? "/usr/bin/env" : "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (interruptible)
        {
            info.ArgumentList.Add("--default-signal=INT");
            info.ArgumentList.Add("dotnet"); // env executes it in its own process: Process.Id stays zkd's.
        }
        info.ArgumentList.Add(ZkdPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment.Remove("ZOOKEEPER_CONNECTION_STRING");
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }
        return Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
    }
}

public sealed record ZkdResult(int ExitCode, string StdOut, string StdErr)
{
    public string[] Lines => StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StdOut}--- stderr\n{StdErr}";
}

[CollectionDefinition(Name)]
public sealed class ZkdCollectionDefinition : ICollectionFixture<ZkdFixture>
{
    public const string Name = "zkd";
}
