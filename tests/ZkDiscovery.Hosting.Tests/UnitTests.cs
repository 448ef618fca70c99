using System.Collections.Immutable;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ZkDiscovery.Hosting.Discovery;
using ZkDiscovery.Hosting.Http;
using ZkDiscovery.Hosting.Registration;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Hosting.Tests;

public sealed class UnitTests
{
    private static IReadOnlyList<RegistrationAddress> Select(string bound, ZooKeeperRegistrationOptions options, Dictionary<string, string>? env = null, params string[] machine)
    {
        Assert.True(AddressSelector.TryParseAddress(bound, out var address));
        return AddressSelector.Select([address.Value], options, v => env?.GetValueOrDefault(v), () => [.. machine.Select(IPAddress.Parse)], []);
    }

    [Fact]
    public void AddressSelector_FollowsDocumentedOrder()
    {
        var env = new Dictionary<string, string> { ["POD_IP"] = "10.1.1.1" };
        Assert.Equal("advertised.example:9000", Select("http://[::]:5000", new() { AdvertisedHost = "advertised.example", AdvertisedPort = 9000 }, env).Single().Name);
        Assert.Equal("10.1.1.1:5000", Select("http://[::]:5000", new(), env).Single().Name);
        Assert.Equal("192.168.0.7:5000", Select("http://192.168.0.7:5000", new(), null, "10.0.0.1").Single().Name);
        Assert.Equal("127.0.0.1:5000", Select("http://localhost:5000", new()).Single().Name);
        Assert.Equal(["10.0.0.1:5000", "10.0.0.2:5000"], Select("http://0.0.0.0:5000", new(), null, "127.0.0.1", "10.0.0.1", "10.0.0.2").Select(a => a.Name));
        Assert.Equal(["127.0.0.1:5000"], Select("http://+:5000", new(), null, "127.0.0.1").Select(a => a.Name));
        Assert.Equal("https://[fe80::1]:5001/", Select("https://[fe80::1]:5001", new()).Single().Uri.ToString());
        Assert.Empty(Select("http://127.0.0.1:0", new()));
    }

    [Fact]
    public void ServiceEndpointQuery_Parses()
    {
        Assert.True(ServiceEndpointQuery.TryParse("https+http://_dashboard.basket", out var query));
        Assert.Equal(["https", "http"], query.IncludedSchemes);
        Assert.Equal("dashboard", query.EndpointName);
        Assert.Equal("basket", query.ServiceName);
        Assert.True(ServiceEndpointQuery.TryParse("fooservice", out query));
        Assert.Empty(query.IncludedSchemes);
        Assert.False(ServiceEndpointQuery.TryParse("", out _));
    }

    private static ImmutableArray<ZooKeeperServiceEndpoint> Endpoints(int count) =>
        [.. Enumerable.Range(1, count).Select(i => ServiceEndpointWatcher.TryCreateEndpoint($"/s/10.0.0.{i}:80", $"10.0.0.{i}:80", NodeProperties.Empty, out var e) ? e : throw new InvalidOperationException())];

    [Fact]
    public void Selectors_RoundRobinCycles_PowerOfTwoPrefersLessLoaded()
    {
        var endpoints = Endpoints(3);
        var roundRobin = new RoundRobinServiceEndpointSelector();
        Assert.Equal(endpoints.Concat(endpoints), Enumerable.Range(0, 6).Select(_ => roundRobin.Pick("s", endpoints)));

        var two = Endpoints(2);
        two[0].RequestStarted();
        var p2c = new PowerOfTwoChoicesServiceEndpointSelector();
        Assert.All(Enumerable.Range(0, 20), _ => Assert.Same(two[1], p2c.Pick("s", two)));
        Assert.Contains(new RandomServiceEndpointSelector().Pick("s", endpoints), endpoints);
    }

    [Fact]
    public void TryCreateEndpoint_PrefersUriProperty_ElseSchemeAndName()
    {
        Assert.True(ServiceEndpointWatcher.TryCreateEndpoint("/s/h:1", "h:1", NodeProperties.Parse("{\"uri\":\"https://api.example/v1/\"}"), out var e1));
        Assert.Equal("https://api.example/v1/", e1.Uri.ToString());
        Assert.True(ServiceEndpointWatcher.TryCreateEndpoint("/s/[::1]:8080", "[::1]:8080", NodeProperties.Parse("{\"scheme\":\"https\"}"), out var e2));
        Assert.Equal("https://[::1]:8080/", e2.Uri.ToString());
        Assert.False(ServiceEndpointWatcher.TryCreateEndpoint("/s/junk", "junk", NodeProperties.Empty, out _));
        Assert.Equal("https://api.example/v1/items?x=1", ZooKeeperServiceDiscoveryHandler.Rewrite(new Uri("http://svc/items?x=1"), e1.Uri).ToString());
    }

    [Fact]
    public async Task AddZooKeeper_IsSafeTwice_AndValidatesOptionsAtStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddZooKeeper().AddZooKeeper().AddZooKeeperRegistration().AddZooKeeperRegistration().AddZooKeeperServiceDiscovery();
        builder.AddZooKeeper().AddZooKeeper();
        Assert.Single(builder.Services, d => d.ServiceType == typeof(ZooKeeperClient));
        Assert.Single(builder.Services, d => d.ServiceType == typeof(ZooKeeperRegistrationService));
        Assert.Single(builder.Services, d => d.ImplementationType == typeof(ZooKeeperClientHostedService));

        builder.Services.AddZooKeeper(o => o.SessionTimeout = TimeSpan.Zero);
        using var host = builder.Build();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("ZooKeeper:SessionTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthCheck_ReportsDegradedWhileConnecting_WithSessionData()
    {
        await using var client = new ZooKeeperClient("127.0.0.1:1");
        var check = new ZooKeeperHealthCheck(client);
        var registration = new HealthCheckRegistration("zookeeper", check, null, null);
        var result = await check.CheckHealthAsync(new HealthCheckContext { Registration = registration });
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("0x0", result.Data["sessionId"]);
        Assert.Equal("Connecting", result.Data["state"]);
        await client.DisposeAsync();
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext { Registration = registration })).Status);
    }
}
