using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ZkDiscovery.Discovery;
using ZkDiscovery.IntegrationTests.Client;
using ZkDiscovery.IntegrationTests.Nodes;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.IntegrationTests.Discovery;

public sealed class ServiceRegistrarTests : ClientTestBase
{
    private string ServicePath => Root + "/cms/providers";

    private static KeyValuePair<string, JsonNode?> Property(string name, JsonNode? value) => new(name, value);

    private async Task<NodeProperties> ReadAsync(string path) => NodeProperties.Parse((await Client.GetDataAsync(path)).Data);

    [Fact]
    public async Task RegisterAsync_CreatesEphemeralNode_WithPidPropertiesAndHookProperties_WorldReadable()
    {
        var server = await ConnectAsync();
        await using var registrar = new ServiceRegistrar(server);
        registrar.Registering += (_, e) =>
        {
            Assert.Equal(["127.0.0.1:8080"], e.Addresses);
            e.Properties["version"] = "1.2";
            e.Properties["weight"] = 5;
        };

        var registration = await registrar.RegisterAsync(ServicePath, "127.0.0.1", 8080, [Property("weight", 1), Property("zone", "a")]);

        var path = ServicePath + "/127.0.0.1:8080";
        Assert.Equal([path], registration.Paths);
        var node = await Client.GetDataAsync(path);
        Assert.Equal(server.SessionId, node.Stat.EphemeralOwner);
        var properties = NodeProperties.Parse(node.Data);
        Assert.Equal(Environment.ProcessId, properties[NodePropertyNames.Pid]!.GetValue<int>());
        Assert.Equal("a", properties["zone"]!.GetValue<string>());
        Assert.Equal(5, properties["weight"]!.GetValue<int>());
        Assert.Equal("1.2", properties["version"]!.GetValue<string>());
        Assert.Equal(ZooKeeperAcl.ReadUnsafe, (await Client.GetAclAsync(path)).Acl);
        Assert.False((await Client.ExistsAsync(ServicePath))!.IsEphemeral);
        await Assert.ThrowsAsync<NoAuthException>(() => Client.SetDataAsync(path, Bytes("{}")));
        Assert.Same(registration, Assert.Single(registrar.Registrations));
    }

    [Fact]
    public async Task RegisterAsync_WithDigestCredentials_CreatorKeepsAllRights_OthersOnlyRead()
    {
        var server = await ConnectAsync(o => o.DigestCredentials = "svc:secret");
        await using var registrar = new ServiceRegistrar(server);
        var registration = await registrar.RegisterAsync(ServicePath, "10.1.2.3", 81);
        var path = registration.Paths[0];

        var acl = (await Client.GetAclAsync(path)).Acl;
        Assert.Contains(new ZooKeeperAcl(Permissions.Read, "world", "anyone"), acl);
        Assert.Contains(acl, a => a.Scheme == "digest" && a.Id.StartsWith("svc:", StringComparison.Ordinal) && a.Permissions == Permissions.All);
        await Assert.ThrowsAsync<NoAuthException>(() => Client.SetDataAsync(path, Bytes("{}")));

        await registration.UpdateAsync([Property("state", "up")]);
        Assert.Equal("up", (await ReadAsync(path))["state"]!.GetValue<string>());
        Assert.Equal(server.SessionId, (await Client.ExistsAsync(path))!.EphemeralOwner);
    }

    [Fact]
    public async Task UpdateAsync_WithoutCredentials_ReplacesTheNode_AndKeepsPid()
    {
        var server = await ConnectAsync();
        await using var registrar = new ServiceRegistrar(server);
        var registration = await registrar.RegisterAsync(ServicePath, "10.1.2.3", 81, [Property("state", "starting")]);

        await registration.UpdateAsync([Property("state", "up")]);

        var node = await Client.GetDataAsync(registration.Paths[0]);
        var properties = NodeProperties.Parse(node.Data);
        Assert.Equal("up", properties["state"]!.GetValue<string>());
        Assert.Equal(Environment.ProcessId, properties[NodePropertyNames.Pid]!.GetValue<int>());
        Assert.Equal(server.SessionId, node.Stat.EphemeralOwner);
        Assert.Equal(ZooKeeperAcl.ReadUnsafe, (await Client.GetAclAsync(registration.Paths[0])).Acl);
        Assert.Equal("up", registration.Properties["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task AfterForcedExpiry_NodesAreRecreatedWithLatestData_WithinOneSecondOfTheNewSession()
    {
        var server = await ConnectAsync();
        long newSessionAt = 0;
        var newSession = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.StateChanged += (_, e) =>
        {
            if (e.State == ConnectionState.Connected && e.IsNewSession)
            {
                Interlocked.CompareExchange(ref newSessionAt, Stopwatch.GetTimestamp(), 0);
                newSession.TrySetResult();
            }
        };
        await using var registrar = new ServiceRegistrar(server);
        var first = await registrar.RegisterAsync(ServicePath, "10.0.0.1", 80, [Property("state", "starting")]);
        var second = await registrar.RegisterAsync(Root + "/other", "10.0.0.2", 81);
        await first.UpdateAsync([Property("state", "up")]);
        var path = first.Paths[0];

        var deleted = new EventSink();
        Assert.NotNull(await Client.ExistsAsync(path, deleted.Watcher));
        await Expiry.ForceAsync(ConnectionString, server);
        Assert.Equal(WatchEventType.NodeDeleted, (await deleted.NextAsync()).Type);

        long createdAt = 0;
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stat = await Client.ExistsAsync(path, e =>
        {
            if (e.Type == WatchEventType.NodeCreated)
            {
                Interlocked.Exchange(ref createdAt, Stopwatch.GetTimestamp());
                created.TrySetResult();
            }
        });
        if (stat is not null)
        {
            // Re-created before the watch was set: now is a later bound of the re-creation.
            Interlocked.Exchange(ref createdAt, Stopwatch.GetTimestamp());
            created.TrySetResult();
        }
        await created.Task.WaitAsync(Timeout);
        await newSession.Task.WaitAsync(Timeout);

        var elapsed = Stopwatch.GetElapsedTime(newSessionAt, createdAt);
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"Re-created {elapsed.TotalMilliseconds:0} ms after the new session.");
        var node = await Client.GetDataAsync(path);
        Assert.Equal(server.SessionId, node.Stat.EphemeralOwner);
        Assert.Equal("up", NodeProperties.Parse(node.Data)["state"]!.GetValue<string>());
        Assert.Equal(ZooKeeperAcl.ReadUnsafe, (await Client.GetAclAsync(path)).Acl);
        var other = await WaitForNodeAsync(second.Paths[0]);
        Assert.Equal(server.SessionId, other.EphemeralOwner);
    }

    private async Task<NodeStat> WaitForNodeAsync(string path)
    {
        var events = new EventSink();
        var stat = await Client.ExistsAsync(path, events.Watcher);
        if (stat is not null)
        {
            return stat;
        }
        Assert.Equal(WatchEventType.NodeCreated, (await events.NextAsync()).Type);
        return (await Client.ExistsAsync(path))!;
    }

    [Theory]
    [InlineData("")]
    [InlineData("0.0.0.0")]
    [InlineData("[::]")]
    [InlineData("::")]
    [InlineData("+")]
    [InlineData("*")]
    public async Task WildcardHost_RegistersOneNodePerNonLoopbackIPv4Address(string host)
    {
        var all = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork)
            .Distinct()
            .ToList();
        var expected = all.Where(a => !IPAddress.IsLoopback(a)).ToList();
        if (expected.Count == 0)
        {
            expected = all;
        }
        var server = await ConnectAsync();
        await using var registrar = new ServiceRegistrar(server);

        var registration = await registrar.RegisterAsync(ServicePath, host, 8080);

        var names = expected.Select(a => a + ":8080").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(names, registration.Addresses.Order(StringComparer.Ordinal));
        Assert.Equal(names, (await Client.GetChildrenAsync(ServicePath)).Children.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AdvertisedHost_ReplacesTheWildcard()
    {
        var server = await ConnectAsync();
        await using var registrar = new ServiceRegistrar(server);

        var registration = await registrar.RegisterAsync(ServicePath, "0.0.0.0", 8080, options: new ServiceRegistrationOptions { AdvertisedHost = "api.example.com" });

        Assert.Equal(["api.example.com:8080"], (await Client.GetChildrenAsync(ServicePath)).Children);
        Assert.Equal([ServicePath + "/api.example.com:8080"], registration.Paths);
    }

    [Fact]
    public async Task StaleNodeOfAnotherSession_IsReplaced()
    {
        var path = ServicePath + "/10.9.9.9:80";
        var dead = await ConnectAsync();
        await dead.EnsurePathAsync(ServicePath);
        await dead.CreateAsync(path, Bytes("{\"pid\":1}"), CreateMode.Ephemeral);
        var server = await ConnectAsync();
        await using var registrar = new ServiceRegistrar(server);

        await registrar.RegisterAsync(ServicePath, "10.9.9.9", 80);

        var node = await Client.GetDataAsync(path);
        Assert.Equal(server.SessionId, node.Stat.EphemeralOwner);
        Assert.Equal(Environment.ProcessId, NodeProperties.Parse(node.Data)[NodePropertyNames.Pid]!.GetValue<int>());
    }

    [Fact]
    public async Task SamePathTwice_IsRejected()
    {
        var server = await ConnectAsync();
        await using var registrar = new ServiceRegistrar(server);
        await registrar.RegisterAsync(ServicePath, "10.1.1.1", 80);

        await Assert.ThrowsAsync<InvalidOperationException>(() => registrar.RegisterAsync(ServicePath, "10.1.1.1", 80));
        Assert.Single(registrar.Registrations);
    }

    [Fact]
    public async Task UnregisterAsync_AndDisposeAsync_RemoveTheNodes()
    {
        var server = await ConnectAsync();
        var registrar = new ServiceRegistrar(server);
        var first = await registrar.RegisterAsync(ServicePath, "10.1.1.1", 80);
        var second = await registrar.RegisterAsync(ServicePath, "10.1.1.2", 80);
        var third = await registrar.RegisterAsync(Root + "/other", "10.1.1.3", 80);

        await first.UnregisterAsync();
        Assert.Null(await Client.ExistsAsync(first.Paths[0]));
        Assert.False(first.IsRegistered);
        Assert.Equal([second, third], registrar.Registrations);
        await Assert.ThrowsAsync<InvalidOperationException>(() => first.UpdateAsync([]));
        await first.UnregisterAsync();

        await registrar.DisposeAsync();
        Assert.Null(await Client.ExistsAsync(second.Paths[0]));
        Assert.Null(await Client.ExistsAsync(third.Paths[0]));
        Assert.Empty(registrar.Registrations);
        Assert.NotNull(await Client.ExistsAsync(ServicePath));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => registrar.RegisterAsync(ServicePath, "10.1.1.1", 80));
    }

    [Fact]
    public async Task LivePropertiesView_OfARegistration_SeesUpdates()
    {
        var server = await ConnectAsync(o => o.DigestCredentials = "svc:secret");
        await using var registrar = new ServiceRegistrar(server);
        var registration = await registrar.RegisterAsync(ServicePath, "10.1.2.3", 81, [Property("state", "starting")]);
        await using var view = await LiveProperties.StartAsync(Client, registration.Paths[0]);
        var seen = new ViewRecorder<string?>();
        using var subscription = view.Subscribe(seen.Callback<LiveProperties>(v => v.Properties["state"]?.GetValue<string>()));
        Assert.Equal("starting", await seen.NextAsync());

        await registration.UpdateAsync([Property("state", "up")]);

        Assert.Equal("up", await seen.NextAsync());
    }
}
