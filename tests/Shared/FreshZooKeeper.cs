using ZkDiscovery.Testing;

namespace ZkDiscovery.TestSupport;

/// <summary>
/// Starts a private standalone server for one test that needs pristine state or kills/restarts the server
/// (about 0.5 s and 0.6 CPU-seconds each: prefer <see cref="SharedZooKeeper"/>). Dispose it with <c>await using</c>.
/// </summary>
public static class FreshZooKeeper
{
    /// <summary>Starts a server with <see cref="ZooKeeperTestDefaults"/>, adjusted by <paramref name="configure"/>.</summary>
    /// <param name="configure">Changes to the default options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The serving server; the caller disposes it.</returns>
    public static Task<ZooKeeperTestServer> StartAsync(Action<ZooKeeperTestServerOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        ZooKeeperTestServerOptions options = ZooKeeperTestDefaults.CreateServerOptions();
        configure?.Invoke(options);
        return ZooKeeperTestServer.StartAsync(options, cancellationToken);
    }
}
