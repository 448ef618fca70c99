using ZkDiscovery.Discovery;
using ZkDiscovery.IntegrationTests.Client;
using ZkDiscovery.IntegrationTests.Nodes;

namespace ZkDiscovery.IntegrationTests.Discovery;

/// <summary><see cref="ServiceRegistrar.RegisterInstanceAsync"/>: Curator instances kept like zc.zk registrations.</summary>
public sealed class CuratorInstanceRegistrarTests : ClientTestBase
{
    private string ServicePath => Root + "/services/fooservice";

    private static CuratorServiceInstance Instance(string id = "i-1") => new()
    {
        Name = "fooservice",
        Id = id,
        Address = "10.0.0.7",
        Port = 8080,
        Payload = CuratorServiceInstance.CreateSpringPayload("fooservice", "fooservice", [new("instance_status", "UP")]),
        RegistrationTimeUtc = 1_700_000_000_000,
        UriSpec = CuratorServiceInstance.DefaultUriSpec,
    };

    [Fact]
    public async Task RegisterInstanceAsync_EphemeralNodeNamedById_HoldingCuratorJson_UpdateAndUnregister()
    {
        var server = await ConnectAsync();
        await using var registrar = new ServiceRegistrar(server);

        var registration = await registrar.RegisterInstanceAsync(ServicePath, Instance());

        Assert.Equal(["i-1"], registration.Addresses);
        Assert.Equal([ServicePath + "/i-1"], registration.Paths);
        var node = await Client.GetDataAsync(ServicePath + "/i-1");
        Assert.Equal(server.SessionId, node.Stat.EphemeralOwner);
        Assert.Equal(Instance().ToBytes(), node.Data);
        Assert.Equal(node.Data, registration.GetNodeData());
        Assert.True(CuratorServiceInstance.LooksLikeInstance(node.Data));

        await registration.UpdateAsync(Instance().WithInstanceStatus(CuratorServiceInstance.StatusOutOfService));
        var updated = CuratorServiceInstance.Parse((await Client.GetDataAsync(ServicePath + "/i-1")).Data);
        Assert.False(updated.IsUp);
        Assert.Equal(updated.ToBytes(), registration.CuratorInstance!.ToBytes());
        await Assert.ThrowsAsync<ArgumentException>(() => registration.UpdateAsync(Instance("other")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => registration.UpdateAsync([new("pid", 1)]));

        await registration.UnregisterAsync();
        Assert.Null(await Client.ExistsAsync(ServicePath + "/i-1"));
    }

    [Fact]
    public async Task RegisterInstanceAsync_AfterForcedExpiry_RecreatedWithLatestInstance()
    {
        var server = await ConnectAsync();
        await using var registrar = new ServiceRegistrar(server);
        var registration = await registrar.RegisterInstanceAsync(ServicePath, Instance());
        var latest = Instance().WithInstanceStatus("STARTING");
        await registration.UpdateAsync(latest);
        var path = registration.Paths[0];

        var deleted = new EventSink();
        Assert.NotNull(await Client.ExistsAsync(path, deleted.Watcher));
        await Expiry.ForceAsync(ConnectionString, server);
        Assert.Equal(WatchEventType.NodeDeleted, (await deleted.NextAsync()).Type);

        var created = new EventSink();
        if (await Client.ExistsAsync(path, created.Watcher) is null)
        {
            Assert.Equal(WatchEventType.NodeCreated, (await created.NextAsync()).Type);
        }
        var node = await Client.GetDataAsync(path);
        Assert.Equal(server.SessionId, node.Stat.EphemeralOwner);
        Assert.Equal(latest.ToBytes(), node.Data);
    }

    [Fact]
    public async Task RegisterInstanceAsync_BadInstances_ArgumentErrors()
    {
        var server = await ConnectAsync();
        await using var registrar = new ServiceRegistrar(server);
        var persistent = new CuratorServiceInstance { Name = "fooservice", Id = "p", ServiceType = CuratorServiceType.Static };
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => registrar.RegisterInstanceAsync(ServicePath, persistent));
        Assert.Contains("STATIC", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => registrar.RegisterInstanceAsync(ServicePath, Instance("a/b")));
        await Assert.ThrowsAsync<ArgumentNullException>(() => registrar.RegisterInstanceAsync(ServicePath, null!));

        await registrar.RegisterInstanceAsync(ServicePath, Instance());
        await Assert.ThrowsAsync<InvalidOperationException>(() => registrar.RegisterInstanceAsync(ServicePath, Instance()));
    }
}
