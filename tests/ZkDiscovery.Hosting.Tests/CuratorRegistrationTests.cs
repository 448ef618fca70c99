using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;
using ZkDiscovery.Discovery;
using ZkDiscovery.Hosting.Registration;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.Hosting.Tests;

/// <summary>
/// Registration with <c>ZooKeeper:Registration:Layout=Curator</c>, checked by real Apache Curator 5.4 x-discovery (the Java
/// peer): <c>ServiceDiscovery.queryForInstances</c> and <c>ServiceCache</c>.
/// </summary>
public sealed class CuratorRegistrationTests(ITestOutputHelper output)
{
    private const string Name = "fooservice";

    private static string NewBasePath() => $"/curator-{Guid.NewGuid():N}/services";

    [Fact]
    public async Task CuratorLayout_QueryForInstances_ReturnsOurAddressPortUriAndMetadata()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var basePath = NewBasePath();
        await using var app = await TestApps.StartAsync(cs, basePath + "/" + Name, b =>
        {
            b.Configuration["ZooKeeper:Registration:Layout"] = "Curator";
            b.Configuration["ZooKeeper:Registration:Metadata:zone"] = "a";
        });
        await TestApps.WaitRegisteredAsync(app);
        var port = TestApps.Port(app);
        var registration = Assert.Single(TestApps.Registration(app).Registrations);
        await using var observer = await ZooKeeperClient.ConnectAsync(cs);
        var node = await observer.GetDataAsync(registration.Paths[0]);
        output.WriteLine("ZkDiscovery wrote: " + System.Text.Encoding.UTF8.GetString(node.Data));
        Assert.Equal(TestApps.Client(app).SessionId, node.Stat.EphemeralOwner);

        var instance = Assert.Single(await CuratorPeer.QueryAsync(cs, basePath, Name));
        output.WriteLine("Curator read: " + instance.ToJsonString());
        Assert.Equal(registration.Addresses[0], instance["id"]!.GetValue<string>());
        Assert.True(Guid.TryParse(instance["id"]!.GetValue<string>(), out _));
        Assert.Equal(Name, instance["name"]!.GetValue<string>());
        Assert.Equal("127.0.0.1", instance["address"]!.GetValue<string>());
        Assert.Equal(port, instance["port"]!.GetValue<int>());
        Assert.Null(instance["sslPort"]);
        Assert.Equal($"http://127.0.0.1:{port}", instance["uri"]!.GetValue<string>());
        Assert.Equal("DYNAMIC", instance["serviceType"]!.GetValue<string>());
        Assert.True(instance["enabled"]!.GetValue<bool>());
        Assert.Equal(CuratorServiceInstance.SpringPayloadClass, instance["payloadClass"]!.GetValue<string>());
        Assert.Equal("a", instance["metadata"]!["zone"]!.GetValue<string>());
        Assert.Equal("UP", instance["metadata"]!["instance_status"]!.GetValue<string>());
        var registeredAt = DateTimeOffset.FromUnixTimeMilliseconds(instance["registrationTimeUTC"]!.GetValue<long>());
        Assert.InRange(registeredAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task CuratorLayout_HttpsAddressAndFixedIdAndNoPayload_CuratorSeesSslPortAndHttpsUri()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var basePath = NewBasePath();
        await using var app = await TestApps.StartAsync(cs, basePath + "/" + Name, b =>
        {
            b.Configuration["ZooKeeper:Registration:Layout"] = "Curator";
            b.Configuration["ZooKeeper:Registration:InstanceId"] = "dotnet-1";
            b.Configuration["ZooKeeper:Registration:CuratorPayload"] = "None";
            b.Configuration["ZooKeeper:Registration:Addresses:0"] = "http://127.0.0.1:7001";
            b.Configuration["ZooKeeper:Registration:Addresses:1"] = "https://127.0.0.1:7002";
        });
        await TestApps.WaitRegisteredAsync(app);

        var instances = await CuratorPeer.QueryAsync(cs, basePath, Name);
        Assert.Equal(["dotnet-1", "dotnet-1-2"], instances.Select(static i => i["id"]!.GetValue<string>()));
        var plain = instances[0];
        Assert.Equal(7001, plain["port"]!.GetValue<int>());
        Assert.Null(plain["sslPort"]);
        Assert.Equal("http://127.0.0.1:7001", plain["uri"]!.GetValue<string>());
        Assert.Null(plain["payloadClass"]);
        var secure = instances[1];
        Assert.Equal(7002, secure["port"]!.GetValue<int>());
        Assert.Equal(7002, secure["sslPort"]!.GetValue<int>());
        Assert.Equal("https://127.0.0.1:7002", secure["uri"]!.GetValue<string>());
        Assert.Null(secure["payloadClass"]);
    }

    [Fact]
    public async Task CuratorLayout_GracefulStop_OutOfServiceDuringDrainThenGoneFromServiceCache()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var basePath = NewBasePath();
        await using var cache = await CuratorPeer.StartCacheAsync(cs, basePath, Name);
        var app = await TestApps.StartAsync(cs, basePath + "/" + Name, b =>
        {
            b.Configuration["ZooKeeper:Registration:Layout"] = "Curator";
            b.Configuration["ZooKeeper:Registration:DrainDelay"] = "00:00:01";
        });
        try
        {
            await TestApps.WaitRegisteredAsync(app);
            var id = TestApps.Registration(app).Registrations.Single().Addresses[0];
            var up = await cache.WaitForAsync(s => s.Count == 1);
            Assert.Equal(id, up[0]!["id"]!.GetValue<string>());
            Assert.Equal("UP", up[0]!["metadata"]!["instance_status"]!.GetValue<string>());

            var stopping = app.StopAsync();
            var draining = await cache.WaitForAsync(s => s.Count == 1 && s[0]!["metadata"]!["instance_status"]?.GetValue<string>() == "OUT_OF_SERVICE");
            Assert.False(draining[0]!["enabled"]!.GetValue<bool>());
            await cache.WaitForAsync(s => s.Count == 0);
            await stopping.WaitAsync(CuratorPeer.Timeout);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task CuratorLayout_KilledProcess_GoneFromServiceCacheAfterSessionExpiry()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var basePath = NewBasePath();
        await using var cache = await CuratorPeer.StartCacheAsync(cs, basePath, Name);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { typeof(TestApps).Assembly.Location, "child", cs, basePath + "/" + Name, "Curator" })
        {
            start.ArgumentList.Add(argument);
        }
        using var child = Process.Start(start)!;
        try
        {
            var port = await ReadRegisteredPortAsync(child).WaitAsync(TimeSpan.FromSeconds(60));
            var registered = await cache.WaitForAsync(s => s.Count == 1);
            Assert.Equal(port, registered[0]!["port"]!.GetValue<int>());

            var killedAt = Stopwatch.GetTimestamp();
            child.Kill(); // SIGKILL: no deregistration; the 2 s session expires.
            await cache.WaitForAsync(s => s.Count == 0, TimeSpan.FromSeconds(30));
            Assert.True(Stopwatch.GetElapsedTime(killedAt) >= TimeSpan.FromSeconds(1), "The instance went before the session could time out.");
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
        }
    }

    [Fact]
    public async Task CuratorLayout_InstanceOverwrittenBySomeoneElse_ReconcilerRestoresItsJson()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var basePath = NewBasePath();
        await using var observer = await ZooKeeperClient.ConnectAsync(cs);
        await observer.AddAuthAsync(ZooKeeperAuthInfo.Digest(ZooKeeperTestDefaults.SuperUser, ZooKeeperTestDefaults.SuperPassword));
        await using var app = await TestApps.StartAsync(cs, basePath + "/" + Name, b => b.Configuration["ZooKeeper:Registration:Layout"] = "Curator");
        await TestApps.WaitRegisteredAsync(app);
        var registration = Assert.Single(TestApps.Registration(app).Registrations);
        var path = registration.Paths[0];
        var expected = registration.GetNodeData();

        await observer.SetDataAsync(path, System.Text.Encoding.UTF8.GetBytes("""{"pid":1}"""));

        using var cts = new CancellationTokenSource(CuratorPeer.Timeout);
        while (true)
        {
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var node = await observer.GetDataAsync(path, _ => changed.TrySetResult(), cts.Token);
            if (node.Data.AsSpan().SequenceEqual(expected))
            {
                break;
            }
            await changed.Task.WaitAsync(cts.Token);
        }
        var instance = Assert.Single(await CuratorPeer.QueryAsync(cs, basePath, Name));
        Assert.Equal(registration.Addresses[0], instance["id"]!.GetValue<string>());
    }

    [Fact]
    public void Options_LayoutFromConfiguration_Binds()
    {
        var options = BindRegistrationOptions(new()
        {
            ["ZooKeeper:Registration:Layout"] = "curator",
            ["ZooKeeper:Registration:InstanceId"] = "abc",
            ["ZooKeeper:Registration:CuratorPayload"] = "None",
        });
        Assert.Equal(ZooKeeperRegistrationLayout.Curator, options.Layout);
        Assert.Equal("abc", options.InstanceId);
        Assert.Equal(ZooKeeperCuratorPayload.None, options.CuratorPayload);
        Assert.Equal(ZooKeeperRegistrationLayout.ZcZk, BindRegistrationOptions([]).Layout);
    }

    [Fact]
    public void Options_BadLayout_ErrorNamesTheKey()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => BindRegistrationOptions(new() { ["ZooKeeper:Registration:Layout"] = "Eureka" }));
        Assert.Contains("ZooKeeper:Registration:Layout", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ZcZk", "abc", "ZooKeeper:Registration:InstanceId is only used with")]
    [InlineData("Curator", "a/b", "ZooKeeper:Registration:InstanceId \"a/b\" cannot be a node name")]
    public void Options_BadInstanceId_ValidationNamesTheKey(string layout, string id, string expected)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => BindRegistrationOptions(new()
        {
            ["ZooKeeper:Registration:Layout"] = layout,
            ["ZooKeeper:Registration:InstanceId"] = id,
        }));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    private static ZooKeeperRegistrationOptions BindRegistrationOptions(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddZooKeeperRegistration();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<ZooKeeperRegistrationOptions>>().Value;
    }

    private static async Task<int> ReadRegisteredPortAsync(Process child)
    {
        while (await child.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("REGISTERED ", StringComparison.Ordinal))
            {
                return int.Parse(line["REGISTERED ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException("The child exited before registering: " + await child.StandardError.ReadToEndAsync());
    }
}
