using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZkDiscovery.Hosting.Diagnostics;

namespace ZkDiscovery.Hosting;

/// <summary>
/// Starts the shared <see cref="ZooKeeperClient"/> in the background when the host starts (never blocking start-up,
/// so the app starts even when ZooKeeper is down) and disposes it once the host has stopped.
/// </summary>
internal sealed partial class ZooKeeperClientHostedService(ZooKeeperClient client, ILogger<ZooKeeperClientHostedService> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        Log.Starting(logger);
        client.Start();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        // Last of all: registrations were removed in StoppingAsync; closing the session removes anything left at once.
        Log.Stopping(logger);
        await client.DisposeAsync().ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HostingEventIds.ClientStarting, Level = LogLevel.Debug, Message = "Starting the ZooKeeper client in the background.")]
        public static partial void Starting(ILogger logger);

        [LoggerMessage(EventId = HostingEventIds.ClientStopping, Level = LogLevel.Debug, Message = "Host stopped: closing the ZooKeeper session.")]
        public static partial void Stopping(ILogger logger);
    }
}
