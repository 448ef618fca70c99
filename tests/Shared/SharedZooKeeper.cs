using ZkDiscovery.Testing;

namespace ZkDiscovery.TestSupport;

/// <summary>
/// One standalone ZooKeeper server for the whole test assembly, started on first use and killed when the test
/// process exits. Any test class, in any xunit collection, may use it in parallel with the others: give each
/// test its own root path (for example <c>"/" + Guid.NewGuid().ToString("N")</c>) and never kill or restart
/// this server (use <see cref="FreshZooKeeper"/> for that).
/// </summary>
public static class SharedZooKeeper
{
    private static readonly Lazy<Task<ZooKeeperTestServer>> s_server =
        new(() => Task.Run(StartAsync), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Returns the shared server, starting it on the first call (thread-safe; a failed start fails every caller).</summary>
    /// <returns>The serving shared server.</returns>
    public static Task<ZooKeeperTestServer> GetAsync() => s_server.Value;

    /// <summary>Returns the shared server's connection string, <c>127.0.0.1:PORT</c>.</summary>
    /// <returns>The connection string.</returns>
    public static async Task<string> GetConnectionStringAsync() => (await GetAsync()).ConnectionString;

    private static async Task<ZooKeeperTestServer> StartAsync()
    {
        ZooKeeperTestServer server = await ZooKeeperTestServer.StartAsync(ZooKeeperTestDefaults.CreateServerOptions());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }
}
