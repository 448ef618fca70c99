using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ServiceDiscovery;
using Xunit.Abstractions;
using Yarp.ReverseProxy.Configuration;
using ZkDiscovery.Hosting.Discovery;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.Hosting.Tests;

/// <summary>
/// ZooKeeper as a provider of Microsoft.Extensions.ServiceDiscovery, proven through Microsoft's own stack: its HttpClient
/// handler, its resolver, YARP's destination resolver and the standard resilience handler, with real Kestrel instances
/// registered in a real ZooKeeper.
/// </summary>
public sealed class StandardStackTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string NewServicePath() => $"/std-{Guid.NewGuid():N}/providers";

    /// <summary>A consumer app using only the standard calls, plus <c>AddZooKeeperServiceEndpointProvider()</c>.</summary>
    private static async Task<IHost> StartConsumerAsync(string connectionString, Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null, bool passThrough = true)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ZooKeeper:ConnectionString"] = connectionString });
        if (passThrough)
        {
            builder.Services.AddServiceDiscovery();
        }
        else
        {
            builder.Services.AddServiceDiscoveryCore();
        }
        builder.Services.AddZooKeeperServiceEndpointProvider();
        builder.Services.AddHttpClient("std").AddServiceDiscovery();
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>A real Kestrel instance registered under <paramref name="servicePath"/>, once its node exists.</summary>
    private static async Task<WebApplication> StartInstanceAsync(string connectionString, string servicePath)
    {
        var app = await TestApps.StartAsync(connectionString, servicePath);
        await TestApps.WaitRegisteredAsync(app);
        return app;
    }

    private static HttpClient Client(IHost host, string name = "std") => host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(name);

    private static async Task<HashSet<string>> AnswersAsync(HttpClient http, string url, int requests)
    {
        var answers = new HashSet<string>();
        for (var i = 0; i < requests; i++)
        {
            answers.Add(await http.GetStringAsync(new Uri(url)));
        }
        return answers;
    }

    private static string Whoami(WebApplication app) => $"{Environment.ProcessId} {TestApps.Port(app)}";

    /// <summary>Sends requests until <paramref name="consecutive"/> answers in a row satisfy <paramref name="done"/> (failed requests allowed meanwhile).</summary>
    private static async Task<TimeSpan> ConvergeAsync(HttpClient http, string url, Func<string, bool> done, int consecutive = 6)
    {
        var watch = Stopwatch.StartNew();
        var converged = TimeSpan.Zero;
        var inARow = 0;
        while (inARow < consecutive)
        {
            Assert.True(watch.Elapsed < Timeout, $"{url} did not converge within {Timeout}.");
            string? answer;
            try
            {
                answer = await http.GetStringAsync(new Uri(url));
            }
            catch (HttpRequestException)
            {
                answer = null; // An instance that just went away.
            }
            if (answer is not null && done(answer))
            {
                if (inARow++ == 0)
                {
                    converged = watch.Elapsed;
                }
            }
            else
            {
                inARow = 0;
            }
        }
        return converged;
    }

    [Fact]
    public async Task HttpClient_AddServiceDiscovery_ReachesLiveInstances_FollowsOneLeavingAndOneJoining()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var a = await TestApps.StartAsync(cs, servicePath);
        // b is listed by a node of our own, so that the test controls the moment it leaves.
        await using var b = await TestApps.StartAsync(cs, NewServicePath());
        await Task.WhenAll(TestApps.WaitRegisteredAsync(a), TestApps.WaitRegisteredAsync(b));
        await using var owner = await ZooKeeperClient.ConnectAsync(cs);
        var bNode = TestApps.NodePath(servicePath, b);
        await owner.CreateAsync(bNode, Encoding.UTF8.GetBytes("{\"scheme\":\"http\"}"), CreateMode.Ephemeral);
        using var consumer = await StartConsumerAsync(cs, new() { ["ZooKeeper:Discovery:Services:fooservice"] = servicePath });
        using var http = Client(consumer);

        Assert.Equal(new[] { Whoami(a), Whoami(b) }.Order(), (await AnswersAsync(http, "http://fooservice/whoami", 6)).Order());

        // An instance leaving (its node deleted) is no longer chosen.
        await owner.DeleteAsync(bNode);
        var removal = await ConvergeAsync(http, "http://fooservice/whoami", answer => answer == Whoami(a));
        output.WriteLine($"Instance no longer chosen {removal.TotalMilliseconds:F1} ms after its node was deleted.");

        // An instance joining is chosen too; the one that left stays out.
        await using var c = await StartInstanceAsync(cs, servicePath);
        await ConvergeAsync(http, "http://fooservice/whoami", answer => answer == Whoami(c), consecutive: 1);
        Assert.DoesNotContain(Whoami(b), await AnswersAsync(http, "http://fooservice/whoami", 6));
    }

    [Fact]
    public async Task ServiceEndpointResolver_ListsLiveChildren_WithTheirNodeAsAFeature_AndBareHostPortNodesWork()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var a = await StartInstanceAsync(cs, servicePath);
        // What zc.zk and kazoo users register: a bare HOST:PORT node holding {"pid": N}.
        var barePath = NewServicePath();
        await using (var writer = await ZooKeeperClient.ConnectAsync(cs))
        {
            await writer.CreateAsync(barePath[..barePath.LastIndexOf('/')], ReadOnlyMemory<byte>.Empty);
            await writer.CreateAsync(barePath, ReadOnlyMemory<byte>.Empty);
            await writer.CreateAsync($"{barePath}/127.0.0.1:{TestApps.Port(a)}", Encoding.UTF8.GetBytes("{\"pid\": 4242}"));
        }
        using var consumer = await StartConsumerAsync(cs, new()
        {
            ["ZooKeeper:Discovery:Services:fooservice"] = servicePath,
            ["ZooKeeper:Discovery:Services:kazooservice"] = barePath,
        });

        var resolver = consumer.Services.GetRequiredService<ServiceEndpointResolver>();
        using var cts = new CancellationTokenSource(Timeout);
        var source = await resolver.GetEndpointsAsync("http://fooservice", cts.Token);
        var endpoint = Assert.Single(source.Endpoints);
        Assert.Equal(new Uri($"http://127.0.0.1:{TestApps.Port(a)}/"), Assert.IsType<UriEndPoint>(endpoint.EndPoint).Uri);
        var feature = endpoint.Features.Get<IZooKeeperEndpointFeature>();
        Assert.NotNull(feature);
        Assert.Equal(TestApps.NodePath(servicePath, a), feature.Path);
        Assert.Equal("fooservice", feature.ServiceName);
        Assert.Equal(Environment.ProcessId, feature.Properties["pid"]!.GetValue<int>());
        Assert.False(feature.IsStale);
        Assert.NotNull(feature.RegisteredAt);
        Assert.InRange(feature.RegisteredAt.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.True(source.ChangeToken.ActiveChangeCallbacks); // Pushed by the watch, never polled.

        var bare = Assert.Single((await resolver.GetEndpointsAsync("kazooservice", cts.Token)).Endpoints);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, TestApps.Port(a)), bare.EndPoint);
        Assert.Equal(4242, bare.Features.Get<IZooKeeperEndpointFeature>()!.Properties["pid"]!.GetValue<int>());
        using var http = Client(consumer);
        Assert.Equal(Whoami(a), await http.GetStringAsync(new Uri("http://kazooservice/whoami"))); // The caller's scheme applies.
    }

    [Fact]
    public async Task HttpsPlusHttp_PrefersHttpsInstances_AndHttpExcludesThem()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        using var certificate = CreateCertificate();
        await using var plain = await TestApps.StartAsync(cs, servicePath);
        await using var secure = await TestApps.StartAsync(cs, servicePath, builder =>
        {
            builder.WebHost.UseUrls("https://127.0.0.1:0");
            builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
        });
        await Task.WhenAll(TestApps.WaitRegisteredAsync(plain), TestApps.WaitRegisteredAsync(secure));
        var thumbprint = certificate.Thumbprint;
        using var consumer = await StartConsumerAsync(cs, new() { ["ZooKeeper:Discovery:Services:fooservice"] = servicePath }, services =>
            services.AddHttpClient("std").ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler
            {
                // Trust exactly the test's self-signed certificate.
                ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == thumbprint,
            }));
        using var http = Client(consumer);

        Assert.Equal([Whoami(secure)], await AnswersAsync(http, "https+http://fooservice/whoami", 4));
        Assert.Equal([Whoami(plain)], await AnswersAsync(http, "http://fooservice/whoami", 4));
        Assert.Equal([Whoami(secure)], await AnswersAsync(http, "https://fooservice/whoami", 4));
    }

    [Fact]
    public async Task NamedEndpoint_IsChosenByTheNodesEndpointProperty()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var main = await TestApps.StartAsync(cs, servicePath);
        await using var dashboard = await TestApps.StartAsync(cs, servicePath, builder =>
            builder.Services.AddZooKeeperRegistration(o => o.OnRegistering = e => e.Properties["endpoint"] = "dashboard"));
        await Task.WhenAll(TestApps.WaitRegisteredAsync(main), TestApps.WaitRegisteredAsync(dashboard));
        using var consumer = await StartConsumerAsync(cs, new() { ["ZooKeeper:Discovery:Services:fooservice"] = servicePath });
        using var http = Client(consumer);

        Assert.Equal([Whoami(dashboard)], await AnswersAsync(http, "http://_dashboard.fooservice/whoami", 4));
        Assert.Equal([Whoami(main)], await AnswersAsync(http, "http://fooservice/whoami", 4));
    }

    [Fact]
    public async Task ConfigurationEntry_Overrides_ZooKeeper_AndUnknownNamesPassThrough()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var inZooKeeper = await TestApps.StartAsync(cs, servicePath);
        await using var inConfiguration = await TestApps.StartAsync(cs, NewServicePath());
        await Task.WhenAll(TestApps.WaitRegisteredAsync(inZooKeeper), TestApps.WaitRegisteredAsync(inConfiguration));
        // Called before AddServiceDiscovery(): the configuration entry still wins.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ZooKeeper:ConnectionString"] = cs,
            ["ZooKeeper:Discovery:Services:fooservice"] = servicePath,
            ["ZooKeeper:Discovery:Services:barservice"] = servicePath,
            ["Services:fooservice:http:0"] = $"http://127.0.0.1:{TestApps.Port(inConfiguration)}",
        });
        builder.Services.AddZooKeeperServiceEndpointProvider();
        builder.Services.AddServiceDiscovery();
        builder.Services.AddHttpClient("std").AddServiceDiscovery();
        using var consumer = builder.Build();
        await consumer.StartAsync();
        using var http = Client(consumer);

        Assert.Equal([Whoami(inConfiguration)], await AnswersAsync(http, "http://fooservice/whoami", 4));
        Assert.Equal([Whoami(inZooKeeper)], await AnswersAsync(http, "http://barservice/whoami", 4));
        // Neither configured nor in ZooKeeper: the pass-through provider sends it to the name itself.
        Assert.Equal(Whoami(inZooKeeper), await http.GetStringAsync(new Uri($"http://127.0.0.1:{TestApps.Port(inZooKeeper)}/whoami")));
        var resolver = consumer.Services.GetRequiredService<ServiceEndpointResolver>();
        var unknown = Assert.Single((await resolver.GetEndpointsAsync("http://nosuchservice-x", CancellationToken.None)).Endpoints);
        Assert.Null(unknown.Features.Get<IZooKeeperEndpointFeature>());
        Assert.Equal("nosuchservice-x", Assert.IsType<DnsEndPoint>(unknown.EndPoint).Host);
    }

    [Fact]
    public async Task ServiceWithoutLiveInstances_GivesAnEmptyResult_AndTheHttpClientsUsualError()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using (var writer = await ZooKeeperClient.ConnectAsync(cs))
        {
            await writer.CreateAsync(servicePath[..servicePath.LastIndexOf('/')], ReadOnlyMemory<byte>.Empty);
            await writer.CreateAsync(servicePath, ReadOnlyMemory<byte>.Empty);
        }
        using var consumer = await StartConsumerAsync(cs, new() { ["ZooKeeper:Discovery:Services:fooservice"] = servicePath }, passThrough: false);
        var resolver = consumer.Services.GetRequiredService<ServiceEndpointResolver>();
        var source = await resolver.GetEndpointsAsync("http://fooservice", CancellationToken.None);
        Assert.Empty(source.Endpoints);
        Assert.True(source.Features.Get<ServiceEndpointSnapshot>()!.PathExists);

        using var http = Client(consumer);
        var ex = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => http.GetStringAsync(new Uri("http://fooservice/whoami")));
        output.WriteLine(ex.ToString());
        Assert.Contains("no endpoints", ex.Message, StringComparison.Ordinal); // Microsoft's own message for an empty result.
    }

    [Fact]
    public async Task WhileZooKeeperIsDown_LastEndpointsAreServedAsStale_ThenRefreshed()
    {
        await using var server = await FreshZooKeeper.StartAsync();
        var servicePath = NewServicePath();
        await using var a = await TestApps.StartAsync(server.ConnectionString, servicePath, sessionTimeout: TimeSpan.FromSeconds(20));
        await TestApps.WaitRegisteredAsync(a);
        using var consumer = await StartConsumerAsync(server.ConnectionString, new()
        {
            ["ZooKeeper:Discovery:Services:fooservice"] = servicePath,
            ["ZooKeeper:SessionTimeout"] = "00:00:20",
        });
        var resolver = consumer.Services.GetRequiredService<ServiceEndpointResolver>();
        var before = await resolver.GetEndpointsAsync("http://fooservice", CancellationToken.None);
        var feature = Assert.Single(before.Endpoints).Features.Get<IZooKeeperEndpointFeature>()!;
        Assert.False(feature.IsStale);

        await server.KillAsync();
        var stale = await WaitForAsync(resolver, "http://fooservice", s => s.Features.Get<ServiceEndpointSnapshot>() is { IsStale: true });
        var endpoint = Assert.Single(stale.Endpoints);
        Assert.True(endpoint.Features.Get<IZooKeeperEndpointFeature>()!.IsStale);
        using var http = Client(consumer);
        Assert.Equal(Whoami(a), await http.GetStringAsync(new Uri("http://fooservice/whoami"))); // Still reachable.

        await server.RestartAsync();
        var fresh = await WaitForAsync(resolver, "http://fooservice", s => s.Features.Get<ServiceEndpointSnapshot>() is { IsStale: false });
        Assert.False(Assert.Single(fresh.Endpoints).Features.Get<IZooKeeperEndpointFeature>()!.IsStale);
    }

    /// <summary>Follows the change tokens of Microsoft's resolver until <paramref name="predicate"/> holds.</summary>
    private static async Task<ServiceEndpointSource> WaitForAsync(ServiceEndpointResolver resolver, string name, Func<ServiceEndpointSource, bool> predicate)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var source = await resolver.GetEndpointsAsync(name, cts.Token);
            if (predicate(source))
            {
                return source;
            }
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (source.ChangeToken.RegisterChangeCallback(static s => ((TaskCompletionSource)s!).TrySetResult(), changed))
            {
                await changed.Task.WaitAsync(cts.Token);
            }
        }
    }

    [Fact]
    public async Task Yarp_RoutesToLiveInstances_AndFollowsOneLeavingAndOneJoining()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var a = await TestApps.StartAsync(cs, servicePath);
        var b = await TestApps.StartAsync(cs, servicePath);
        await Task.WhenAll(TestApps.WaitRegisteredAsync(a), TestApps.WaitRegisteredAsync(b));

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ZooKeeper:ConnectionString"] = cs,
            ["ZooKeeper:Discovery:Services:fooservice"] = servicePath,
        });
        builder.Services.AddServiceDiscovery();
        builder.Services.AddZooKeeperServiceEndpointProvider();
        builder.Services.AddReverseProxy()
            .LoadFromMemory(
                [new RouteConfig { RouteId = "foo", ClusterId = "foo", Match = new RouteMatch { Path = "/{**rest}" } }],
                [new ClusterConfig { ClusterId = "foo", Destinations = new Dictionary<string, DestinationConfig> { ["d"] = new() { Address = "http://fooservice" } } }])
            .AddServiceDiscoveryDestinationResolver();
        await using var proxy = builder.Build();
        proxy.MapReverseProxy();
        await proxy.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{TestApps.Port(proxy)}") };

        var reached = new HashSet<string>();
        await ConvergeAsync(http, $"{http.BaseAddress}whoami", answer => { reached.Add(answer); return reached.Count == 2; }, consecutive: 1);
        Assert.Equal(new[] { Whoami(a), Whoami(b) }.Order(), reached.Order());

        await b.StopAsync();
        await b.DisposeAsync();
        await ConvergeAsync(http, $"{http.BaseAddress}whoami", answer => answer == Whoami(a));

        await using var c = await StartInstanceAsync(cs, servicePath);
        await ConvergeAsync(http, $"{http.BaseAddress}whoami", answer => answer == Whoami(c), consecutive: 1);
    }

    [Fact]
    public async Task StandardResilienceHandler_RetriesOnAnotherInstance_WhenOneIsDead()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var alive = await StartInstanceAsync(cs, servicePath);
        // An instance that died without deregistering (its node outlives it until its session expires).
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var deadPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var owner = await ZooKeeperClient.ConnectAsync(cs);
        await owner.CreateAsync($"{servicePath}/127.0.0.1:{deadPort}", Encoding.UTF8.GetBytes($"{{\"scheme\":\"http\",\"pid\":1}}"), CreateMode.Ephemeral);

        using var consumer = await StartConsumerAsync(cs, new() { ["ZooKeeper:Discovery:Services:fooservice"] = servicePath }, services =>
        {
            services.AddHttpClient("resilient").AddStandardResilienceHandler();
            services.AddHttpClient("resilient").AddServiceDiscovery();
        });
        var resolver = consumer.Services.GetRequiredService<ServiceEndpointResolver>();
        await WaitForAsync(resolver, "http://fooservice", s => s.Endpoints.Count == 2);

        // Without retries, the dead instance's turn fails (round-robin reaches it within two requests).
        using var plain = Client(consumer);
        var failures = 0;
        for (var i = 0; i < 4; i++)
        {
            try
            {
                await plain.GetStringAsync(new Uri("http://fooservice/whoami"));
            }
            catch (HttpRequestException)
            {
                failures++;
            }
        }
        Assert.True(failures > 0, "The dead instance was never chosen: the test proves nothing.");

        using var resilient = Client(consumer, "resilient");
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(Whoami(alive), await resilient.GetStringAsync(new Uri("http://fooservice/whoami")));
        }
    }

    [Fact]
    public async Task AspireConnectionString_IsUsed_WhenZooKeeperConnectionStringIsNotSet()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var a = await StartInstanceAsync(cs, servicePath);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        // What an Aspire AppHost's WithReference(zookeeper) sets: ConnectionStrings__zookeeper only.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:zookeeper"] = cs,
            ["ZooKeeper:Discovery:Services:fooservice"] = servicePath,
        });
        builder.Services.AddServiceDiscovery().AddZooKeeperServiceEndpointProvider();
        builder.Services.AddHttpClient("std").AddServiceDiscovery();
        using var consumer = builder.Build();
        await consumer.StartAsync();

        Assert.Equal(cs, consumer.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ZooKeeperClientOptions>>().Value.ConnectionString);
        using var http = Client(consumer);
        Assert.Equal(Whoami(a), await http.GetStringAsync(new Uri("http://fooservice/whoami")));
    }

    [Fact]
    public async Task ProvidersCreatedAndDisposedByServiceDiscovery_ShareOneCache_AndSendNoRequests()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var a = await StartInstanceAsync(cs, servicePath);
        using var consumer = await StartConsumerAsync(cs, new() { ["ZooKeeper:Discovery:Services:fooservice"] = servicePath });
        var meterFactory = consumer.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        long requests = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meterFactory && instrument.Name == "zookeeper.client.requests")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "zookeeper.operation" && (string?)tag.Value != "ping")
                {
                    Interlocked.Add(ref requests, value);
                }
            }
        });
        listener.Start();
        var resolver = consumer.Services.GetRequiredService<ServiceEndpointResolver>();
        Assert.Single((await resolver.GetEndpointsAsync("http://fooservice", CancellationToken.None)).Endpoints);
        var afterFirstLoad = Interlocked.Read(ref requests);
        Assert.True(afterFirstLoad > 0, "The consumer's own client was not observed: the test proves nothing.");

        // What ServiceDiscovery does for each new resolution pipeline and after its idle clean-up: create, populate, dispose.
        var factory = consumer.Services.GetServices<IServiceEndpointProviderFactory>().OfType<ZooKeeperServiceEndpointProviderFactory>().Single();
        Assert.True(ServiceEndpointQuery.TryParse("http://fooservice", out var query));
        for (var i = 0; i < 50; i++)
        {
            Assert.True(factory.TryCreateProvider(query, out var provider));
            var builder = new TestBuilder();
            await provider.PopulateAsync(builder, CancellationToken.None);
            Assert.Single(builder.Endpoints);
            await provider.DisposeAsync();
        }
        Assert.Equal(afterFirstLoad, Interlocked.Read(ref requests));
        Assert.Single((await resolver.GetEndpointsAsync("http://fooservice", CancellationToken.None)).Endpoints);
    }

    [Fact]
    public async Task UnconfiguredService_StaysWatchedWhileAProviderHoldsIt_AndIsStoppedOnceUnused()
    {
        // Every host name an HttpClient with service discovery calls reaches this provider; a service it is not
        // configured for must not stay watched for ever once ServiceDiscovery has disposed its providers.
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var name = $"std{Guid.NewGuid():N}";
        await using var a = await StartInstanceAsync(cs, $"/{name}/providers");
        using var consumer = await StartConsumerAsync(cs, new());
        var removed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = ListenForRequests(consumer, "remove_watches", () => removed.TrySetResult());
        var (resolver, factory, query, provider) = await PopulatedProviderAsync(consumer, name);

        resolver.StopUnused(TimeSpan.Zero); // Held by the provider: kept, however long unused.
        Assert.Contains(name, resolver.GetWatchedServiceNames());
        Assert.False(removed.Task.IsCompleted);

        await provider.DisposeAsync();
        resolver.StopUnused(TimeSpan.Zero);
        Assert.DoesNotContain(name, resolver.GetWatchedServiceNames());
        await removed.Task.WaitAsync(Timeout); // Its watch is gone from the server too.

        // Asked for again: watched again, with the endpoints as they are now.
        Assert.True(factory.TryCreateProvider(query, out var again));
        var second = new TestBuilder();
        await again.PopulateAsync(second, CancellationToken.None);
        Assert.Equal(TestApps.Port(a), Assert.IsType<UriEndPoint>(Assert.Single(second.Endpoints).EndPoint).Uri.Port);
        // Asked for through the resolver itself: watched until the app stops, whatever the providers do.
        await resolver.GetSnapshotAsync(name);
        await again.DisposeAsync();
        resolver.StopUnused(TimeSpan.Zero);
        Assert.Contains(name, resolver.GetWatchedServiceNames());
    }

    [Fact]
    public async Task ServiceEndpointResolver_HoldsTheServiceWhileItLives_AndReleasesItWhenDisposed()
    {
        // Microsoft's own resolver: its watcher holds our provider, and disposing it disposes the provider.
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var name = $"std{Guid.NewGuid():N}";
        await using var a = await StartInstanceAsync(cs, $"/{name}/providers");
        using var consumer = await StartConsumerAsync(cs, new(), passThrough: false);
        var resolver = consumer.Services.GetRequiredService<ZooKeeperServiceEndpointResolver>();
        var theirs = consumer.Services.GetRequiredService<ServiceEndpointResolver>();

        Assert.Single((await theirs.GetEndpointsAsync($"http://{name}", CancellationToken.None)).Endpoints);
        resolver.StopUnused(TimeSpan.Zero);
        Assert.Contains(name, resolver.GetWatchedServiceNames());

        await theirs.DisposeAsync();
        resolver.StopUnused(TimeSpan.Zero);
        Assert.DoesNotContain(name, resolver.GetWatchedServiceNames());
    }

    [Fact]
    public async Task UnusedServiceTimeout_StopsAnUnusedService_OnItsOwn()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var name = $"std{Guid.NewGuid():N}";
        await using var a = await StartInstanceAsync(cs, $"/{name}/providers");
        using var consumer = await StartConsumerAsync(cs, new() { ["ZooKeeper:Discovery:UnusedServiceTimeout"] = "00:00:00" });
        var removed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = ListenForRequests(consumer, "remove_watches", () => removed.TrySetResult());
        var (resolver, _, _, provider) = await PopulatedProviderAsync(consumer, name);

        await provider.DisposeAsync();

        await removed.Task.WaitAsync(Timeout); // The resolver's own sweep (every second at this timeout) stopped it.
        Assert.DoesNotContain(name, resolver.GetWatchedServiceNames());
    }

    [Fact]
    public async Task ConfiguredService_StaysWatched_WhenItsProvidersAreDisposed()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var a = await StartInstanceAsync(cs, servicePath);
        using var consumer = await StartConsumerAsync(cs, new() { ["ZooKeeper:Discovery:Services:fooservice"] = servicePath });
        var (resolver, _, _, provider) = await PopulatedProviderAsync(consumer, "fooservice");

        await provider.DisposeAsync();
        resolver.StopUnused(TimeSpan.Zero);

        Assert.Contains("fooservice", resolver.GetWatchedServiceNames());
        Assert.Single(resolver.GetSnapshot("fooservice").Endpoints);
    }

    /// <summary>
    /// What ServiceDiscovery does when it resolves <c>http://NAME</c>: a provider of the consumer's factory, populated
    /// (one endpoint expected). Returns the consumer's resolver and factory too.
    /// </summary>
    private static async Task<(ZooKeeperServiceEndpointResolver Resolver, ZooKeeperServiceEndpointProviderFactory Factory, ServiceEndpointQuery Query, IServiceEndpointProvider Provider)> PopulatedProviderAsync(IHost consumer, string name)
    {
        var resolver = consumer.Services.GetRequiredService<ZooKeeperServiceEndpointResolver>();
        var factory = consumer.Services.GetServices<IServiceEndpointProviderFactory>().OfType<ZooKeeperServiceEndpointProviderFactory>().Single();
        Assert.True(ServiceEndpointQuery.TryParse($"http://{name}", out var query));
        Assert.True(factory.TryCreateProvider(query, out var provider));
        var builder = new TestBuilder();
        await provider.PopulateAsync(builder, CancellationToken.None);
        Assert.Single(builder.Endpoints);
        return (resolver, factory, query, provider);
    }

    /// <summary>Calls <paramref name="seen"/> for each request of <paramref name="operation"/> the consumer's own client completes.</summary>
    private static System.Diagnostics.Metrics.MeterListener ListenForRequests(IHost consumer, string operation, Action seen)
    {
        var meterFactory = consumer.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meterFactory && instrument.Name == "zookeeper.client.requests")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "zookeeper.operation" && (string?)tag.Value == operation)
                {
                    seen();
                }
            }
        });
        listener.Start();
        return listener;
    }

    private sealed class TestBuilder : IServiceEndpointBuilder
    {
        public IList<ServiceEndpoint> Endpoints { get; } = [];

        public Microsoft.AspNetCore.Http.Features.IFeatureCollection Features { get; } = new Microsoft.AspNetCore.Http.Features.FeatureCollection();

        public void AddChangeToken(Microsoft.Extensions.Primitives.IChangeToken changeToken) => Assert.True(changeToken.ActiveChangeCallbacks);
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Kestrel needs the private key in a form it can use on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
