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
}
