using System.Collections.Immutable;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;
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

    private static ZooKeeperServiceEndpoint Endpoint(string name, string json = "{}")
    {
        Assert.True(ZooKeeperServiceEndpoint.TryCreate("s", "/s/" + name, name, NodeProperties.Parse(json), 0, null, out var endpoint));
        return endpoint;
    }

    private static ImmutableArray<ZooKeeperServiceEndpoint> Endpoints(int count) =>
        [.. Enumerable.Range(1, count).Select(i => Endpoint($"10.0.0.{i}:80"))];

    [Fact]
    public void Selectors_RoundRobinCycles_PowerOfTwoPrefersLessLoaded()
    {
        var endpoints = Endpoints(3);
        var roundRobin = new RoundRobinEndpointSelector();
        Assert.Equal(endpoints.Concat(endpoints), Enumerable.Range(0, 6).Select(_ => roundRobin.Pick("s", endpoints)));

        var two = Endpoints(2);
        two[0].RequestStarted();
        var p2c = new PowerOfTwoChoicesEndpointSelector();
        Assert.All(Enumerable.Range(0, 20), _ => Assert.Same(two[1], p2c.Pick("s", two)));
        Assert.Contains(new RandomEndpointSelector().Pick("s", endpoints), endpoints);
    }

    [Fact]
    public void TryCreate_UriOrSchemeGiveUriEndPoints_BareHostPortGivesIpOrDnsEndPoint()
    {
        var e1 = Endpoint("h:1", "{\"uri\":\"https://api.example/v1/\",\"started\":\"2026-12-04T10:00:00.0000000+00:00\"}");
        Assert.Equal("https://api.example/v1/", Assert.IsType<UriEndPoint>(e1.EndPoint).Uri.ToString());
        Assert.Equal("https://api.example/v1/", e1.Uri.ToString());
        Assert.Equal("api.example", e1.Features.Get<IHostNameFeature>()!.HostName);
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero), e1.Features.Get<IZooKeeperEndpointFeature>()!.RegisteredAt);
        Assert.Equal("https://api.example/v1/items?x=1", ZooKeeperServiceDiscoveryHandler.Rewrite(new Uri("http://svc/items?x=1"), e1.Uri).ToString());

        var e2 = Endpoint("[::1]:8080", "{\"scheme\":\"https\"}");
        Assert.Equal("https://[::1]:8080/", Assert.IsType<UriEndPoint>(e2.EndPoint).Uri.ToString());
        Assert.Null(e2.Features.Get<IHostNameFeature>()); // An address, not a host name.

        // What zc.zk and kazoo users register: HOST:PORT with data such as {"pid": N}; the caller's scheme applies.
        var e3 = Endpoint("10.0.0.5:8080", "{\"pid\":4242}");
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.5"), 8080), e3.EndPoint);
        Assert.Null(e3.Features.Get<IZooKeeperEndpointFeature>()!.RegisteredAt);
        var e4 = Endpoint("app1.internal:9000");
        Assert.Equal(new DnsEndPoint("app1.internal", 9000), e4.EndPoint);
        Assert.Equal("app1.internal", e4.Features.Get<IHostNameFeature>()!.HostName);

        Assert.False(ZooKeeperServiceEndpoint.TryCreate("s", "/s/junk", "junk", NodeProperties.Empty, 0, null, out _));
        Assert.False(ZooKeeperServiceEndpoint.TryCreate("s", "/s/h:99999", "h:99999", NodeProperties.Empty, 0, null, out _));
    }

    private static List<string> Match(string query, params ZooKeeperServiceEndpoint[] endpoints)
    {
        Assert.True(ServiceEndpointQuery.TryParse(query, out var parsed));
        var snapshot = new ServiceEndpointSnapshot("s", "/s", [.. endpoints], true, true, false, new CancellationChangeToken(CancellationToken.None), DateTimeOffset.UnixEpoch);
        var target = new List<ServiceEndpoint>();
        ZooKeeperServiceEndpointProviderFactory.AddMatching(target, snapshot, parsed.EndpointName, parsed.IncludedSchemes.Count == 0 ? null : [.. parsed.IncludedSchemes]);
        return [.. target.Select(e => ((ZooKeeperServiceEndpoint)e).Name)];
    }

    [Fact]
    public void AddMatching_HonoursSchemesInOrder_AndEndpointNames()
    {
        var http = Endpoint("a:1", "{\"scheme\":\"http\"}");
        var https = Endpoint("b:2", "{\"scheme\":\"https\"}");
        var bare = Endpoint("c:3");
        var dashboard = Endpoint("d:4", "{\"scheme\":\"http\",\"endpoint\":\"dashboard\"}");

        Assert.Equal(["a:1", "b:2", "c:3"], Match("fooservice", http, https, bare, dashboard));
        Assert.Equal(["b:2", "c:3"], Match("https+http://fooservice", http, https, bare, dashboard)); // https preferred.
        Assert.Equal(["a:1", "c:3"], Match("https+http://fooservice", http, bare)); // No https endpoint: http.
        Assert.Equal(["a:1", "c:3"], Match("http://fooservice", http, https, bare)); // https-only endpoints left out.
        Assert.Equal(["d:4"], Match("http://_dashboard.fooservice", http, https, bare, dashboard));
        Assert.Empty(Match("https://_dashboard.fooservice", http, dashboard));
        // Named endpoints only: the scheme stands for the endpoint name, as in Microsoft's configuration provider.
        var namedHttps = Endpoint("e:5", "{\"scheme\":\"https\",\"endpoint\":\"https\"}");
        Assert.Equal(["e:5"], Match("https+http://fooservice", namedHttps, dashboard));
    }

    [Fact]
    public async Task SnapshotChangeToken_FiredBeforeRegistration_CallsBackLater_NotInline()
    {
        using var source = new CancellationTokenSource();
        var token = new SnapshotChangeToken(new CancellationChangeToken(source.Token), TimeProvider.System);
        var early = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (token.RegisterChangeCallback(_ => early.TrySetResult(), null))
        {
            await source.CancelAsync();
            await early.Task.WaitAsync(TimeSpan.FromSeconds(10)); // Registered before the change: called back by the change.
        }

        var calls = 0;
        var late = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = token.RegisterChangeCallback(_ => { if (Interlocked.Increment(ref calls) == 2) { late.TrySetResult(); } }, null);
        Assert.Equal(0, Volatile.Read(ref calls)); // Not inline: a refresh that is still running would drop it.
        Assert.True(token.HasChanged);
        await late.Task.WaitAsync(TimeSpan.FromSeconds(10)); // Twice: shortly after, and again a second later.
    }

    [Fact]
    public void NoPublicType_SharesANameWithMicrosoftServiceDiscovery()
    {
        // Every type of Microsoft.Extensions.ServiceDiscovery, .Abstractions and .Yarp, public or not.
        var theirs = new[] { typeof(ServiceEndpoint), typeof(ServiceEndpointResolver), typeof(Microsoft.Extensions.DependencyInjection.ServiceDiscoveryReverseProxyServiceCollectionExtensions) }
            .Select(t => t.Assembly)
            .Concat(AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name?.StartsWith("Microsoft.Extensions.ServiceDiscovery", StringComparison.Ordinal) == true))
            .Distinct()
            .SelectMany(a => a.GetTypes())
            .Select(t => t.Name)
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("IServiceEndpointSelector", theirs); // Sanity: internal types are included.
        var shared = typeof(ZooKeeperServiceEndpointResolver).Assembly.GetExportedTypes().Select(t => t.Name).Where(theirs.Contains).ToList();
        Assert.True(shared.Count == 0, "Public types named like Microsoft.Extensions.ServiceDiscovery's: " + string.Join(", ", shared));
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

    [Theory]
    [InlineData("00:05:00", true)]
    [InlineData("00:00:00", true)]
    [InlineData("-00:00:00.001", true)] // Timeout.InfiniteTimeSpan: never stopped.
    [InlineData("-00:00:01", false)]
    public void DiscoveryOptions_UnusedServiceTimeout_ZeroOrMoreOrInfinite(string value, bool valid)
    {
        var options = new ZooKeeperServiceDiscoveryOptions { UnusedServiceTimeout = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) };
        var result = new ZooKeeperServiceDiscoveryOptionsValidator().Validate(null, options);
        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("ZooKeeper:Discovery:UnusedServiceTimeout", result.FailureMessage, StringComparison.Ordinal);
        }
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
