using System.Diagnostics;
using ZkDiscovery.Discovery;
using ZkDiscovery.IntegrationTests.Client;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.Testing;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Discovery;

/// <summary>The registrar's spans, against the shared real server.</summary>
public sealed class ServiceRegistrarTracingTests : ClientTestBase, IDisposable
{
    private readonly TraceCapture _traces = new();

    private string ServicePath => Root + "/svc/providers";

    public void Dispose() => _traces.Dispose();

    [Fact]
    public async Task RegisterAsync_IsOneSpan_WithServicePathAddressesAndSession_OverTheClientSpansOfItsRequests()
    {
        var server = await ConnectAsync();
        await using var registrar = new ServiceRegistrar(server);
        using var test = TraceCapture.StartTest();

        await registrar.RegisterAsync(ServicePath, "10.1.2.3", 8080);

        var spans = _traces.InTrace(test);
        var register = Assert.Single(spans, s => s.DisplayName == "zookeeper.register");
        Assert.Equal(ActivityKind.Internal, register.Kind);
        Assert.Equal(test.SpanId, register.ParentSpanId);
        Assert.Equal(ServicePath, register.GetTagItem("zookeeper.service.path"));
        Assert.Equal(["10.1.2.3:8080"], (string[])register.GetTagItem("zookeeper.registration.addresses")!);
        Assert.Equal($"0x{server.SessionId:x}", register.GetTagItem("zookeeper.session.id"));
        Assert.Equal(ActivityStatusCode.Unset, register.Status);
        // The requests it made (who_am_i, the creates of the missing parents and of the node) are its children.
        var creates = spans.Where(s => s.DisplayName == "create" && s.ParentSpanId == register.SpanId).ToList();
        Assert.Contains(creates, s => (string?)s.GetTagItem("zookeeper.path") == ServicePath + "/10.1.2.3:8080" && s.Status == ActivityStatusCode.Unset);
    }

    [Fact]
    public async Task RegisterAsync_Failing_SpanHasTheErrorType()
    {
        var server = await ConnectAsync();
        await using var registrar = new ServiceRegistrar(server);
        // A service path under an ephemeral node cannot be created: NoChildrenForEphemerals.
        await server.CreateAsync(Root + "/eph", mode: CreateMode.Ephemeral);
        using var test = TraceCapture.StartTest();

        await Assert.ThrowsAsync<NoChildrenForEphemeralsException>(() => registrar.RegisterAsync(Root + "/eph/providers", "10.1.2.3", 8080));

        var register = Assert.Single(_traces.InTrace(test), s => s.DisplayName == "zookeeper.register");
        Assert.Equal(ActivityStatusCode.Error, register.Status);
        Assert.Equal("NoChildrenForEphemerals", register.GetTagItem("error.type"));
    }

    [Fact]
    public async Task AfterSessionExpiry_TheReRegistrationIsASpanWithTheNewSession()
    {
        var server = await ConnectAsync();
        await using var registrar = new ServiceRegistrar(server);
        var registration = await registrar.RegisterAsync(ServicePath, "10.1.2.4", 8081);
        var old = server.SessionCredentials!;

        Assert.True(await ZooKeeperSessionKiller.ExpireAsync(ConnectionString, old.SessionId, old.Password));

        // A re-creation that fails (the new session's connection lost meanwhile) is a failed span and is tried again
        // at the next connection: wait for the one that succeeded.
        var span = await _traces.WaitForAsync(
            s => s.DisplayName == "zookeeper.reregister" && (string?)s.GetTagItem("zookeeper.service.path") == ServicePath && s.Status == ActivityStatusCode.Unset,
            Timeout);
        Assert.Equal(ActivityKind.Internal, span.Kind);
        Assert.Equal(["10.1.2.4:8081"], (string[])span.GetTagItem("zookeeper.registration.addresses")!);
        Assert.NotEqual($"0x{old.SessionId:x}", span.GetTagItem("zookeeper.session.id"));
        Assert.Equal($"0x{server.SessionId:x}", span.GetTagItem("zookeeper.session.id"));
        // A root of its own: the registrar's loop carries no caller's trace.
        Assert.Equal(default, span.ParentSpanId);
        Assert.Equal(server.SessionId, (await Client.ExistsAsync(registration.Paths[0]))!.EphemeralOwner);
    }
}
