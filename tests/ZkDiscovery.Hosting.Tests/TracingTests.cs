using System.Diagnostics;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.Hosting.Tests;

/// <summary>The hosted registration's spans, for a real app on the shared real server.</summary>
public sealed class TracingTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TraceCapture _traces = new();

    public void Dispose() => _traces.Dispose();

    [Fact]
    public async Task StartedApp_RegistrationIsASpan_OverTheRegistrarsSpan_AndARepairIsAnother()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = $"/hosting-{Guid.NewGuid():N}/providers";
        await using var observer = await ZooKeeperClient.ConnectAsync(cs);
        await using var app = await TestApps.StartAsync(cs, servicePath);
        await TestApps.WaitRegisteredAsync(app);
        var client = TestApps.Client(app);
        var address = $"127.0.0.1:{TestApps.Port(app)}";

        var registration = await _traces.WaitForAsync(
            s => s.DisplayName == "zookeeper.registration" && (string?)s.GetTagItem("zookeeper.service.path") == servicePath,
            Timeout);
        Assert.Equal(ZooKeeperTelemetry.HostingActivitySourceName, registration.Source.Name);
        Assert.Equal(ActivityKind.Internal, registration.Kind);
        Assert.Equal(address, registration.GetTagItem("zookeeper.registration.address"));
        Assert.Equal(1, registration.GetTagItem("zookeeper.registration.attempts"));
        Assert.Equal($"0x{client.SessionId:x}", registration.GetTagItem("zookeeper.session.id"));
        Assert.Equal(ActivityStatusCode.Unset, registration.Status);
        Assert.Empty(registration.Events);
        // The core registrar's span is its child, and the registrar's requests are under that.
        var register = Assert.Single(_traces.Exported, s => s.DisplayName == "zookeeper.register" && s.ParentSpanId == registration.SpanId);
        Assert.Equal(ZooKeeperTelemetry.ActivitySourceName, register.Source.Name);
        Assert.Contains(_traces.Exported, s => s.DisplayName == "create" && s.ParentSpanId == register.SpanId
            && (string?)s.GetTagItem("zookeeper.path") == $"{servicePath}/{address}");

        // Someone deletes the node: the reconciler puts it back, in a span of its own.
        await observer.DeleteAsync($"{servicePath}/{address}");

        var repair = await _traces.WaitForAsync(
            s => s.DisplayName == "zookeeper.registration.repair" && (string?)s.GetTagItem("zookeeper.service.path") == servicePath,
            Timeout);
        Assert.Equal(address, repair.GetTagItem("zookeeper.registration.address"));
        Assert.Equal("missing", repair.GetTagItem("zookeeper.registration.problem"));
        Assert.Equal(ActivityStatusCode.Unset, repair.Status);
        Assert.Equal(client.SessionId, (await observer.ExistsAsync($"{servicePath}/{address}"))!.EphemeralOwner);
    }

    [Fact]
    public async Task CuratorLayout_RegistrationSpan_OverTheRegistrarsSpanNamingTheInstanceId()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = $"/hosting-{Guid.NewGuid():N}/services/traced";
        await using var app = await TestApps.StartAsync(cs, servicePath, b => b.Configuration["ZooKeeper:Registration:Layout"] = "Curator");
        await TestApps.WaitRegisteredAsync(app);
        var id = Assert.Single(TestApps.Registration(app).Registrations).Addresses[0];

        var registration = await _traces.WaitForAsync(
            s => s.DisplayName == "zookeeper.registration" && (string?)s.GetTagItem("zookeeper.service.path") == servicePath,
            Timeout);
        Assert.Equal($"127.0.0.1:{TestApps.Port(app)}", registration.GetTagItem("zookeeper.registration.address"));
        Assert.Equal(ActivityStatusCode.Unset, registration.Status);
        var register = Assert.Single(_traces.Exported, s => s.DisplayName == "zookeeper.register" && s.ParentSpanId == registration.SpanId);
        Assert.Equal([id], (string[])register.GetTagItem("zookeeper.registration.addresses")!);
        Assert.Contains(_traces.Exported, s => s.DisplayName == "create" && s.ParentSpanId == register.SpanId
            && (string?)s.GetTagItem("zookeeper.path") == $"{servicePath}/{id}");
    }

    [Fact]
    public async Task DiscoveryRefresh_IsASpanOfItsOwn_OverTheReadsOfJustTheChangedProvider()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = $"/hosting-{Guid.NewGuid():N}/providers";
        await using var writer = await ZooKeeperClient.ConnectAsync(cs);
        await writer.EnsurePathAsync(servicePath);
        await writer.CreateAsync(servicePath + "/10.7.0.1:80", System.Text.Encoding.UTF8.GetBytes("{\"scheme\":\"http\"}"));
        await using var reader = await ZooKeeperClient.ConnectAsync(cs);
        using var test = TraceCapture.StartTest();
        await using var watcher = new Discovery.ServiceEndpointWatcher(reader, "traced", servicePath, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TimeProvider.System);
        watcher.Start(); // Under the test's span: the loop must not inherit it.

        var first = await _traces.WaitForAsync(s => s.DisplayName == "zookeeper.discovery.refresh" && (string?)s.GetTagItem("zookeeper.service.path") == servicePath, Timeout);
        Assert.Equal(ZooKeeperTelemetry.HostingActivitySourceName, first.Source.Name);
        Assert.Equal(default, first.ParentSpanId); // A trace of its own.
        Assert.Equal("traced", first.GetTagItem("zookeeper.service.name"));
        Assert.Equal(1, first.GetTagItem("zookeeper.discovery.endpoints"));
        Assert.Contains(_traces.Exported, s => s.DisplayName == "get_children" && s.ParentSpanId == first.SpanId);

        await writer.CreateAsync(servicePath + "/10.7.0.2:80", System.Text.Encoding.UTF8.GetBytes("{\"scheme\":\"http\"}"));
        var change = await _traces.WaitForAsync(s => s.DisplayName == "zookeeper.discovery.refresh" && (string?)s.GetTagItem("zookeeper.service.path") == servicePath
            && s.GetTagItem("zookeeper.discovery.endpoints") is 2, Timeout);
        var reads = _traces.Exported.Where(s => s.ParentSpanId == change.SpanId).ToList();
        var read = Assert.Single(reads); // One read of the new provider; no listing.
        Assert.Equal("multi_read", read.DisplayName);
        Assert.DoesNotContain(_traces.InTrace(test), s => s.DisplayName == "zookeeper.discovery.refresh");
    }
}
