using System.CommandLine;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ZkDiscovery.Cli.Commands;

/// <summary>
/// <c>zkd serve [-z CONNECTION] [--port N] [--host ADDRESS] [--root PATH]... [--allow-writes]</c>: the ZkDiscovery
/// dashboard on its own, against any ensemble, bound to 127.0.0.1 unless told otherwise. Self-contained: the command
/// table only adds <see cref="Create"/>.
/// </summary>
internal static class ServeCommand
{
    public const int DefaultPort = 8080;

    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var port = new Option<int>("--port", "-p") { Description = $"The port to listen on (default {DefaultPort}; 0 picks a free one).", DefaultValueFactory = _ => DefaultPort, HelpName = "N" };
        var host = new Option<string>("--host") { Description = "The address to listen on (default 127.0.0.1). Writes are refused on any address but a loopback one.", DefaultValueFactory = _ => "127.0.0.1", HelpName = "ADDRESS" };
        var roots = new Option<string[]>("--root") { Description = "A path whose children are services (repeatable; default / and /services).", HelpName = "PATH", AllowMultipleArgumentsPerToken = false };
        var allowWrites = new Option<bool>("--allow-writes") { Description = "Let the page edit properties (compare-and-set) and import tree text (after a dry run)." };
        var command = new Command("serve", "Serve the web dashboard: services, the tree with its links, the session.") { port, host, roots, allowWrites };
        connection.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            try
            {
                var settings = new Settings(
                    result.GetValue(host) ?? "127.0.0.1",
                    result.GetValue(port),
                    result.GetValue(allowWrites),
                    result.GetValue(roots) is { Length: > 0 } given ? given : ["/", "/services"]);
                settings.Validate();
                var client = await connection.ConnectAsync(result, null, ct).ConfigureAwait(false);
                await using var clientScope = client.ConfigureAwait(false);
                var app = BuildApp(client, settings);
                await using var appScope = app.ConfigureAwait(false);
                await app.StartAsync(ct).ConfigureAwait(false);
                var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
                await Console.Out.WriteLineAsync($"zkd: dashboard at {address}/ ({(settings.AllowWrites ? "writes allowed" : "read-only")}); Ctrl+C stops it.").ConfigureAwait(false);
                await app.WaitForShutdownAsync(ct).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (CliUsageException e)
            {
                await Console.Error.WriteLineAsync("zkd: " + e.Message).ConfigureAwait(false);
                return ExitCodes.UsageOrInput;
            }
            catch (CliConnectException e)
            {
                await Console.Error.WriteLineAsync("zkd: " + e.Message).ConfigureAwait(false);
                return ExitCodes.CannotConnect;
            }
            catch (IOException e)
            {
                // Kestrel could not bind (port in use, address not local).
                await Console.Error.WriteLineAsync("zkd: cannot listen: " + e.Message).ConfigureAwait(false);
                return ExitCodes.UsageOrInput;
            }
        });
        return command;
    }

    /// <summary>What <c>zkd serve</c> was asked for.</summary>
    internal sealed record Settings(string Host, int Port, bool AllowWrites, IReadOnlyList<string> Roots)
    {
        public IPAddress Address => IPAddress.TryParse(Host, out var address) ? address
            : Host == "localhost" ? IPAddress.Loopback
            : throw new CliUsageException($"--host must be an IP address (e.g. 127.0.0.1 or 0.0.0.0), not \"{Host}\".");

        public void Validate()
        {
            if (Port is < 0 or > 65535)
            {
                throw new CliUsageException("--port must be between 0 and 65535.");
            }
            if (AllowWrites && !IPAddress.IsLoopback(Address))
            {
                throw new CliUsageException("--allow-writes needs a loopback --host (127.0.0.1 or ::1): the standalone dashboard has no login.");
            }
            foreach (var root in Roots)
            {
                if (ZooKeeperPath.GetError(root) is { } error)
                {
                    throw new CliUsageException($"Bad --root \"{root}\": {error}");
                }
            }
        }
    }

    /// <summary>The dashboard app at the root of the site, on the connected <paramref name="client"/> (not owned).</summary>
    internal static WebApplication BuildApp(ZooKeeperClient client, Settings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(settings.Address, settings.Port));
        builder.Services.AddSingleton(client);
        builder.Services.AddZooKeeperDashboard(o =>
        {
            o.AllowWrites = settings.AllowWrites;
            // Loopback only (checked above): whoever reaches the page is the user at this machine.
            o.WritesRequireAuthenticatedUser = false;
            o.Title = "zkd · " + (client.ConnectedServer ?? "ZooKeeper");
            foreach (var root in settings.Roots)
            {
                o.ServiceRoots.Add(root);
            }
        });
        var app = builder.Build();
        app.MapZooKeeperDashboard("/");
        return app;
    }

}
