using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ZkDiscovery.Hosting.Discovery;
using ZkDiscovery.Hosting.Http;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.Hosting.Tests;

public sealed class DiscoveryTests
{
    private static string NewServicePath() => $"/hosting-{Guid.NewGuid():N}/providers";

    private static ZooKeeperServiceEndpointResolver Resolver(WebApplication app) => app.Services.GetRequiredService<ZooKeeperServiceEndpointResolver>();

    private static HttpClient PeerClient(WebApplication app) => app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("peer");

    [Fact]
    public async Task TwoInstances_DiscoverEachOther_AndCallThroughHttpClient()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var a = await TestApps.StartAsync(cs, servicePath);
        await using var b = await TestApps.StartAsync(cs, servicePath);
        await Task.WhenAll(TestApps.WaitRegisteredAsync(a), TestApps.WaitRegisteredAsync(b));

        var snapshot = await ZooKeeperWaits.WaitForSnapshotAsync(Resolver(a), "peer", s => s.Endpoints.Length == 2);
        Assert.False(snapshot.IsStale);
        Assert.Equal(servicePath, snapshot.ServicePath);
        Assert.Equal(
            new[] { TestApps.Port(a), TestApps.Port(b) }.Order(),
            snapshot.Endpoints.Select(e => e.Uri.Port).Order());
        Assert.All(snapshot.Endpoints, e => Assert.Equal(Environment.ProcessId, e.Properties["pid"]!.GetValue<int>()));
        Assert.Same(snapshot, Resolver(a).GetSnapshot("peer")); // No change, no new snapshot.

        using var http = PeerClient(a);
        var answers = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await http.GetStringAsync(new Uri("http://peer/whoami")));
        }
        Assert.Contains($"{Environment.ProcessId} {TestApps.Port(b)}", answers);
        Assert.Contains($"{Environment.ProcessId} {TestApps.Port(a)}", answers); // Round-robin reaches both.
    }

    [Fact]
    public async Task HttpHandler_SkipsDeadEndpoint()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var app = await TestApps.StartAsync(cs, servicePath);
        await TestApps.WaitRegisteredAsync(app);
        await using var observer = await ZooKeeperClient.ConnectAsync(cs);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await observer.CreateAsync($"{servicePath}/127.0.0.1:{closedPort}", Encoding.UTF8.GetBytes($"{{\"uri\":\"http://127.0.0.1:{closedPort}/\"}}"), CreateMode.Ephemeral);

        await ZooKeeperWaits.WaitForSnapshotAsync(Resolver(app), "peer", s => s.Endpoints.Length == 2);
        using var http = PeerClient(app);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal($"{Environment.ProcessId} {TestApps.Port(app)}", await http.GetStringAsync(new Uri("http://peer/whoami")));
        }
    }

    [Fact]
    public async Task HttpHandler_UnconfiguredService_IsStoppedOnceUnused_AndWatchedAgainOnTheNextRequest()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var name = $"hosting{Guid.NewGuid():N}";
        await using var target = await TestApps.StartAsync(cs, $"/{name}/providers");
        await TestApps.WaitRegisteredAsync(target);
        await using var app = await TestApps.StartAsync(cs, NewServicePath());
        using var http = PeerClient(app);
        var expected = $"{Environment.ProcessId} {TestApps.Port(target)}";

        Assert.Equal(expected, await http.GetStringAsync(new Uri($"http://{name}/whoami")));
        Assert.Contains(name, Resolver(app).GetWatchedServiceNames());
        Resolver(app).StopUnused(TimeSpan.Zero);

        Assert.DoesNotContain(name, Resolver(app).GetWatchedServiceNames());
        Assert.Equal(expected, await http.GetStringAsync(new Uri($"http://{name}/whoami")));
        Assert.Contains(name, Resolver(app).GetWatchedServiceNames());
    }

    [Fact]
    public async Task UnknownService_FailsWithClearException()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var app = await TestApps.StartAsync(cs, servicePath);
        using var http = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("peer");

        var ex = await Assert.ThrowsAsync<ServiceEndpointNotFoundException>(() => http.GetStringAsync(new Uri("http://nosuchservice-x/whoami")));
        Assert.Equal("nosuchservice-x", ex.ServiceName);
        Assert.Equal("/nosuchservice-x/providers", ex.ServicePath);
        Assert.Contains("/nosuchservice-x/providers", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disconnect_KeepsLastListMarkedStale_ThenConverges()
    {
        await using var server = await FreshZooKeeper.StartAsync();
        var servicePath = NewServicePath();
        await using var app = await TestApps.StartAsync(server.ConnectionString, servicePath, sessionTimeout: TimeSpan.FromSeconds(20));
        await TestApps.WaitRegisteredAsync(app);
        var resolver = Resolver(app);
        await using (var observer = await ZooKeeperClient.ConnectAsync(server.ConnectionString))
        {
            await observer.CreateAsync($"{servicePath}/10.9.9.9:81", Encoding.UTF8.GetBytes("{\"scheme\":\"http\"}"));
        }
        var before = await ZooKeeperWaits.WaitForSnapshotAsync(resolver, "peer", s => s.Endpoints.Length == 2);

        await server.KillAsync();
        var stale = await ZooKeeperWaits.WaitForSnapshotAsync(resolver, "peer", s => s.IsStale);
        Assert.Equal(before.Endpoints.Select(e => e.Uri), stale.Endpoints.Select(e => e.Uri));

        await server.RestartAsync();
        await ZooKeeperWaits.WaitForSnapshotAsync(resolver, "peer", s => !s.IsStale);
        await using (var observer = await ZooKeeperClient.ConnectAsync(server.ConnectionString))
        {
            await observer.DeleteAsync($"{servicePath}/10.9.9.9:81");
        }
        var after = await ZooKeeperWaits.WaitForSnapshotAsync(resolver, "peer", s => s.Endpoints.Length == 1);
        Assert.Equal(TestApps.Port(app), after.Endpoints[0].Uri.Port);
    }
}
