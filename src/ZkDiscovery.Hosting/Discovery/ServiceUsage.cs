namespace ZkDiscovery.Hosting.Discovery;

/// <summary>
/// Who keeps a service of a <see cref="ZooKeeperServiceEndpointResolver"/> watched. Changed under the resolver's lock,
/// except <see cref="Touch"/> (any thread).
/// </summary>
internal sealed class ServiceUsage
{
    private long _lastUsed;
    private volatile bool _pinned;

    /// <summary>True when the service stays watched until the resolver is disposed.</summary>
    public bool IsPinned
    {
        get => _pinned;
        set => _pinned = value;
    }

    /// <summary>How many providers of Microsoft.Extensions.ServiceDiscovery use the service.</summary>
    public int Leases { get; set; }

    /// <summary>Notes a use now.</summary>
    public void Touch(TimeProvider time) => Volatile.Write(ref _lastUsed, time.GetTimestamp());

    /// <summary>True when nothing keeps the service watched and its last use is at least <paramref name="timeout"/> ago.</summary>
    public bool IsUnused(TimeProvider time, TimeSpan timeout) =>
        !IsPinned && Leases == 0 && time.GetElapsedTime(Volatile.Read(ref _lastUsed)) >= timeout;
}
