using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ServiceDiscovery;
using Xunit.Abstractions;
using ZkDiscovery.Hosting.Discovery;
using ZkDiscovery.Hosting.Registration;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.Hosting.Tests;

/// <summary>
/// Services registered by real Apache Curator 5.4 x-discovery (the Java peer, as Spring Cloud Zookeeper registers them),
/// found through every discovery surface: the resolver, Microsoft's ServiceDiscovery and ZkDiscovery's HttpClient handler.
/// </summary>
public sealed class CuratorDiscoveryTests(ITestOutputHelper output)
{
    private static string NewBasePath() => $"/curator-{Guid.NewGuid():N}/services";

    /// <summary>A plain Kestrel app standing in for the Java service: it answers /whoami and registers nothing.</summary>
    private static async Task<WebApplication> StartJavaServiceStandInAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/whoami", (HttpContext context) => $"java {context.Connection.LocalPort}");
        await app.StartAsync();
        return app;
    }

    /// <summary>A consumer with both discovery paths: Microsoft's (<c>std</c>) and ZkDiscovery's own (<c>own</c>).</summary>
    private static async Task<IHost> StartConsumerAsync(string connectionString, string serviceName, string servicePath)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ZooKeeper:ConnectionString"] = connectionString,
            [$"ZooKeeper:Discovery:Services:{serviceName}"] = servicePath,
        });
        builder.Services.AddServiceDiscovery().AddZooKeeperServiceEndpointProvider();
        builder.Services.AddHttpClient("std").AddServiceDiscovery();
        builder.Services.AddHttpClient("own").AddZooKeeperServiceDiscovery();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static ZooKeeperServiceEndpointResolver Resolver(IHost host) => host.Services.GetRequiredService<ZooKeeperServiceEndpointResolver>();

    private static HttpClient Client(IHost host, string name) => host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(name);

    [Fact]
    public async Task InstanceRegisteredByCurator_IsFoundThroughEverySurface_AndItsRemovalSeenWithinASecond()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var basePath = NewBasePath();
        await using var java = await StartJavaServiceStandInAsync();
        var port = TestApps.Port(java);
        var instance = await CuratorPeer.RegisterAsync(cs, basePath, "javasvc", "127.0.0.1", port, "--meta", "zone=a");
        using var consumer = await StartConsumerAsync(cs, "javasvc", basePath + "/javasvc");

        var snapshot = await ZooKeeperWaits.WaitForSnapshotAsync(Resolver(consumer), "javasvc", s => s.Endpoints.Length == 1);
        var endpoint = snapshot.Endpoints[0];
        Assert.Equal(ZooKeeperRegistrationLayout.Curator, endpoint.Layout);
        Assert.Equal(instance.Id, endpoint.Name);
        Assert.Equal(instance.Id, endpoint.CuratorInstance!.Id);
        Assert.Equal(new Uri($"http://127.0.0.1:{port}/"), endpoint.Uri);
        Assert.Equal("a", endpoint.Properties["zone"]!.GetValue<string>()); // The Spring payload's metadata.
        Assert.InRange(endpoint.RegisteredAt!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));

        var source = await consumer.Services.GetRequiredService<ServiceEndpointResolver>().GetEndpointsAsync("http://javasvc", CancellationToken.None);
        Assert.Equal(new Uri($"http://127.0.0.1:{port}/"), Assert.IsType<UriEndPoint>(Assert.Single(source.Endpoints).EndPoint).Uri);
        using var std = Client(consumer, "std");
        Assert.Equal($"java {port}", await std.GetStringAsync(new Uri("http://javasvc/whoami")));
        using var own = Client(consumer, "own");
        Assert.Equal($"java {port}", await own.GetStringAsync(new Uri("http://javasvc/whoami")));

        // Curator unregisters on close; an independent watch sees the node go, and the view follows.
        await using var observer = await ZooKeeperClient.ConnectAsync(cs);
        var node = $"{basePath}/javasvc/{instance.Id}";
        var deleted = ZooKeeperWaits.WaitForNoNodeAsync(observer, node);
        await instance.DisposeAsync();
        await deleted;
        var seen = Stopwatch.StartNew();
        await ZooKeeperWaits.WaitForSnapshotAsync(Resolver(consumer), "javasvc", s => s.Endpoints.IsEmpty);
        output.WriteLine($"Removal seen {seen.Elapsed.TotalMilliseconds:F1} ms after an independent watch saw the node go.");
        Assert.True(seen.Elapsed < TimeSpan.FromSeconds(1), $"The removal took {seen.Elapsed} to be seen.");
    }

    [Fact]
    public async Task OutOfServiceInstance_IsLeftOut_AndCountsAgainOnceUp()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var basePath = NewBasePath();
        await using var java = await StartJavaServiceStandInAsync();
        await using var up = await CuratorPeer.RegisterAsync(cs, basePath, "javasvc", "127.0.0.1", TestApps.Port(java));
        await using var draining = await CuratorPeer.RegisterAsync(cs, basePath, "javasvc", "127.0.0.1", 9, "--status", "OUT_OF_SERVICE");
        using var consumer = await StartConsumerAsync(cs, "javasvc", basePath + "/javasvc");

        // Both nodes are there; only the UP one is an endpoint, as Spring's load balancer would choose.
        await using var observer = await ZooKeeperClient.ConnectAsync(cs);
        Assert.Equal(2, (await observer.GetChildrenAsync(basePath + "/javasvc")).Children.Count);
        var snapshot = await ZooKeeperWaits.WaitForSnapshotAsync(Resolver(consumer), "javasvc", s => s.IsLoaded);
        Assert.Equal(up.Id, Assert.Single(snapshot.Endpoints).Name);
        using var std = Client(consumer, "std");
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal($"java {TestApps.Port(java)}", await std.GetStringAsync(new Uri("http://javasvc/whoami")));
        }

        await draining.SetStatusAsync("UP");
        await ZooKeeperWaits.WaitForSnapshotAsync(Resolver(consumer), "javasvc", s => s.Endpoints.Length == 2);
        await up.SetStatusAsync("OUT_OF_SERVICE");
        var after = await ZooKeeperWaits.WaitForSnapshotAsync(Resolver(consumer), "javasvc", s => s.Endpoints.Length == 1);
        Assert.Equal(draining.Id, after.Endpoints[0].Name);
    }

    [Fact]
    public async Task MixedLayoutsUnderOnePath_AreBothServed_EachAsItsLayoutSays()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var basePath = NewBasePath();
        var servicePath = basePath + "/mixed";
        // The Java service first (as in an estate that adopts .NET), then a ZkDiscovery instance joins under its node.
        await using var java = await StartJavaServiceStandInAsync();
        await using var curator = await CuratorPeer.RegisterAsync(cs, basePath, "mixed", "127.0.0.1", TestApps.Port(java));
        await using var dotnet = await TestApps.StartAsync(cs, servicePath); // zc.zk layout: SERVICE/HOST:PORT.
        await TestApps.WaitRegisteredAsync(dotnet);
        using var consumer = await StartConsumerAsync(cs, "mixed", servicePath);

        var snapshot = await ZooKeeperWaits.WaitForSnapshotAsync(Resolver(consumer), "mixed", s => s.Endpoints.Length == 2);
        Assert.Equal(
            new[] { (ZooKeeperRegistrationLayout.ZcZk, TestApps.Port(dotnet)), (ZooKeeperRegistrationLayout.Curator, TestApps.Port(java)) }.Order(),
            snapshot.Endpoints.Select(static e => (e.Layout, e.Uri.Port)).Order());
        using var std = Client(consumer, "std");
        var answers = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await std.GetStringAsync(new Uri("http://mixed/whoami")));
        }
        Assert.Equal(new[] { $"{Environment.ProcessId} {TestApps.Port(dotnet)}", $"java {TestApps.Port(java)}" }.Order(), answers.Order());
    }
}
