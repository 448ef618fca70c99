using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ZkDiscovery.Discovery;
using ZkDiscovery.Hosting.Diagnostics;

namespace ZkDiscovery.Hosting.Registration;

/// <summary>The Curator x-discovery layout (<see cref="ZooKeeperRegistrationLayout.Curator"/>).</summary>
internal sealed partial class ZooKeeperRegistrationService
{
    private readonly ConcurrentDictionary<RegistrationAddress, string> _instanceIds = new();
    private int _instanceCount;

    private bool IsCurator => _options.Layout == ZooKeeperRegistrationLayout.Curator;

    /// <summary>Registers <paramref name="address"/> as a Curator instance; its id stays the same across attempts.</summary>
    private Task<ServiceRegistration> RegisterCuratorInstanceAsync(RegistrationAddress address, ServiceRegistrationOptions options, CancellationToken cancellationToken)
    {
        var id = _instanceIds.GetOrAdd(address, _ =>
        {
            var n = Interlocked.Increment(ref _instanceCount);
            return _options.InstanceId is { } configured
                ? (n == 1 ? configured : configured + "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture))
                : Guid.NewGuid().ToString();
        });
        var instance = CuratorLayout.CreateInstance(_options, _servicePath, _applicationName, id, address, _time.GetUtcNow());
        return _registrar.RegisterInstanceAsync(_servicePath, instance, options, cancellationToken);
    }

    /// <summary>
    /// With the Curator layout and a drain delay: marks every instance out of service, then waits the drain delay (the
    /// nodes are deleted afterwards). False when there was nothing to do (the caller then drains after deleting).
    /// </summary>
    private async Task<bool> DrainCuratorInstancesAsync(IReadOnlyList<ServiceRegistration> registrations, CancellationToken cancellationToken)
    {
        if (!IsCurator || _options.DrainDelay <= TimeSpan.Zero || registrations.Count == 0)
        {
            return false;
        }
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            foreach (var registration in registrations)
            {
                if (registration.CuratorInstance is not { } instance)
                {
                    continue;
                }
                try
                {
                    await registration.UpdateAsync(CuratorLayout.OutOfService(instance), timeout.Token).ConfigureAwait(false);
                    Log.MarkedOutOfService(_logger, registration.Paths[0]);
                }
                catch (Exception ex) when (ex is ZooKeeperException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
                {
                    Log.MarkOutOfServiceFailed(_logger, registration.Paths[0], ex.Message);
                }
            }
        }
        Log.Draining(_logger, _options.DrainDelay);
        try
        {
            await Task.Delay(_options.DrainDelay, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        return true;
    }
}
