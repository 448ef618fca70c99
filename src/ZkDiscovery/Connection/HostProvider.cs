namespace ZkDiscovery.Connection;

/// <summary>
/// The servers to try, shuffled once, then taken round-robin. Tells when a full cycle has been tried so the
/// caller can back off; names are resolved at each attempt by the connection itself.
/// </summary>
internal sealed class HostProvider
{
    private readonly ZooKeeperHost[] _hosts;
    private int _next;
    private int _triedInCycle;

    public HostProvider(IReadOnlyList<ZooKeeperHost> hosts, bool shuffle)
    {
        _hosts = [.. hosts];
        if (shuffle && _hosts.Length > 1)
        {
            Random.Shared.Shuffle(_hosts);
        }
    }

    public int Count => _hosts.Length;

    /// <summary>The next host; <paramref name="cycleCompleted"/> is true when every host was tried since the last success.</summary>
    public ZooKeeperHost Next(out bool cycleCompleted)
    {
        cycleCompleted = _triedInCycle >= _hosts.Length;
        if (cycleCompleted)
        {
            _triedInCycle = 0;
        }
        _triedInCycle++;
        var host = _hosts[_next];
        _next = (_next + 1) % _hosts.Length;
        return host;
    }

    /// <summary>Call after a successful connection: the next failure starts a fresh cycle.</summary>
    public void OnConnected() => _triedInCycle = 0;

    /// <summary>Makes <paramref name="host"/> the next one tried.</summary>
    public void Prefer(ZooKeeperHost host)
    {
        var index = Array.IndexOf(_hosts, host);
        if (index >= 0)
        {
            _next = index;
        }
    }

    public IReadOnlyList<ZooKeeperHost> All => _hosts;
}
