using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZkDiscovery.Configuration;
using ZkDiscovery.Hosting.Diagnostics;

namespace ZkDiscovery.Hosting.Configuration;

/// <summary>
/// Hands the host's logging to every ZooKeeper configuration provider of the app's configuration when the host starts
/// (first of the lifecycle steps), so that what they logged while configuration was built is written then, in order,
/// and what they log later goes to the host's log. Providers given a logger factory of their own keep it. Detached
/// when the host's services are disposed (before the logger factory is).
/// </summary>
internal sealed partial class ZooKeeperConfigurationHostedService(IConfiguration? configuration, ILoggerFactory loggerFactory)
    : IHostedLifecycleService, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ZooKeeperConfigurationHostedService>();
    private readonly List<IDisposable> _attachments = [];
    private bool _attached;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        Attach();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // A host without lifecycle support calls only StartAsync.
        Attach();
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        lock (_attachments)
        {
            foreach (var attachment in _attachments)
            {
                attachment.Dispose();
            }
            _attachments.Clear();
        }
    }

    private void Attach()
    {
        lock (_attachments)
        {
            if (_attached)
            {
                return;
            }
            _attached = true;
            var providers = ZooKeeperConfigurationProviders.Find(configuration);
            foreach (var provider in providers)
            {
                _attachments.Add(provider.AttachLogging(loggerFactory));
            }
            Log.Attached(_logger, providers.Count);
        }
    }
}
