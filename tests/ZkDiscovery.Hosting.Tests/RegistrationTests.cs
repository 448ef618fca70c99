using System.Diagnostics;
using System.Net.Http;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZkDiscovery.Hosting.Diagnostics;
using ZkDiscovery.TestSupport;
using ZkDiscovery.Nodes;
using ZkDiscovery.Testing;

namespace ZkDiscovery.Hosting.Tests;

public sealed class RegistrationTests
{
    private static string NewServicePath() => $"/hosting-{Guid.NewGuid():N}/providers";

    private static async Task<ZooKeeperClient> ObserverAsync(string connectionString) => await ZooKeeperClient.ConnectAsync(connectionString);

    [Fact]
    public async Task StartedApp_RegistersRealPort_WithNodeData()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var observer = await ObserverAsync(cs);
        await using var app = await TestApps.StartAsync(cs, servicePath, b => b.Services.AddZooKeeperRegistration(o =>
        {
            o.Metadata["zone"] = "a";
            o.Version = "1.2.3";
            o.OnRegistering = e => e.Properties["weight"] = 5;
        }));
        await TestApps.WaitRegisteredAsync(app);

        var port = TestApps.Port(app);
        Assert.NotEqual(0, port);
        var path = TestApps.NodePath(servicePath, app);
        var node = await observer.GetDataAsync(path);
        Assert.Equal(TestApps.Client(app).SessionId, node.Stat.EphemeralOwner);
        var properties = NodeProperties.Parse(node.Data);
        Assert.Equal(Environment.ProcessId, properties["pid"]!.GetValue<int>());
        Assert.Equal("http", properties["scheme"]!.GetValue<string>());
        Assert.Equal("127.0.0.1", properties["host"]!.GetValue<string>());
        Assert.Equal(port, properties["port"]!.GetValue<int>());
        Assert.Equal($"http://127.0.0.1:{port}/", properties["uri"]!.GetValue<string>());
        Assert.Equal("1.2.3", properties["version"]!.GetValue<string>());
        Assert.Equal("a", properties["metadata"]!["zone"]!.GetValue<string>());
        Assert.Equal(5, properties["weight"]!.GetValue<int>());
        Assert.True(DateTimeOffset.TryParse(properties["started"]!.GetValue<string>(), out _));
        Assert.False(string.IsNullOrEmpty(properties["application"]!.GetValue<string>()));
    }

    [Fact]
    public async Task AddressCandidates_ChosenOneLoggedAtInformation_RejectedOnesAtDebug()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        await using var app = await TestApps.StartAsync(cs, NewServicePath(), b => b.Logging.SetMinimumLevel(LogLevel.Debug).AddFakeLogging());
        await TestApps.WaitRegisteredAsync(app);

        var records = app.Services.GetFakeLogCollector().GetSnapshot();
        var candidates = records.Where(r => r.Id.Id == HostingEventIds.AddressCandidate).ToList();
        // Kestrel is bound to 127.0.0.1: that address is chosen; no advertised host is configured, so at least that
        // candidate (and any unset POD_IP/HOST_IP) is rejected.
        var chosen = Assert.Single(candidates, r => r.Message.Contains("chosen=True", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, chosen.Level);
        var rejected = candidates.Where(r => r.Message.Contains("chosen=False", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(rejected);
        Assert.All(rejected, r => Assert.Equal(LogLevel.Debug, r.Level));
        Assert.Equal(candidates.Count, rejected.Count + 1);
        // What an operator sees at the default level: one candidate line and the registration line per address.
        Assert.Equal(
            [HostingEventIds.AddressCandidate, HostingEventIds.AddressChosen],
            records.Where(r => r.Level >= LogLevel.Information && r.Id.Id is HostingEventIds.AddressCandidate or HostingEventIds.AddressChosen).Select(r => r.Id.Id));
    }

    [Fact]
    public async Task GracefulStop_RemovesNode_WhileServerStillAnswers()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var observer = await ObserverAsync(cs);
        var app = await TestApps.StartAsync(cs, servicePath);
        await TestApps.WaitRegisteredAsync(app);
        var path = TestApps.NodePath(servicePath, app);
        var port = TestApps.Port(app);
        Assert.NotNull(await observer.ExistsAsync(path));

        NodeStat? statWhileStopping = null;
        var ran = false;
        string? answerWhileStopping = null;
        using var http = new HttpClient();
        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() =>
        {
            // Runs after the registration service's StoppingAsync and before Kestrel stops.
            ran = true;
            statWhileStopping = observer.ExistsAsync(path).GetAwaiter().GetResult();
            answerWhileStopping = http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/whoami")).GetAwaiter().GetResult();
        });
        await app.StopAsync();
        await app.DisposeAsync();

        Assert.True(ran);
        Assert.Null(statWhileStopping);
        Assert.Equal($"{Environment.ProcessId} {port}", answerWhileStopping);
    }

    [Fact]
    public async Task ForcedExpiry_NodeBackWithinOneSecondOfNewSession()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var observer = await ObserverAsync(cs);
        await using var app = await TestApps.StartAsync(cs, servicePath);
        await TestApps.WaitRegisteredAsync(app);
        var client = TestApps.Client(app);
        var path = TestApps.NodePath(servicePath, app);
        var oldSession = client.SessionId;

        var newSession = new TaskCompletionSource<(long Id, long Timestamp)>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += (_, e) =>
        {
            if (e.State == ConnectionState.Connected && e.IsNewSession)
            {
                newSession.TrySetResult((e.SessionId, Stopwatch.GetTimestamp()));
            }
        };
        var credentials = client.SessionCredentials!;
        Assert.True(await ZooKeeperSessionKiller.ExpireAsync(cs, credentials.SessionId, credentials.Password));

        var (id, at) = await newSession.Task.WaitAsync(ZooKeeperWaits.Timeout);
        Assert.NotEqual(oldSession, id);
        var stat = await ZooKeeperWaits.WaitForNodeAsync(observer, path, s => s.EphemeralOwner == id);
        var elapsed = Stopwatch.GetElapsedTime(at);
        Assert.Equal(id, stat.EphemeralOwner);
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"The node came back {elapsed} after the new session.");
    }

    [Fact]
    public async Task ExternallyDeletedNode_IsRepairedByReconciler()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var observer = await ObserverAsync(cs);
        await observer.AddAuthAsync(ZooKeeperAuthInfo.Digest(ZooKeeperTestDefaults.SuperUser, ZooKeeperTestDefaults.SuperPassword));
        await using var app = await TestApps.StartAsync(cs, servicePath);
        await TestApps.WaitRegisteredAsync(app);
        var path = TestApps.NodePath(servicePath, app);
        var session = TestApps.Client(app).SessionId;

        await observer.DeleteAsync(path);

        var stat = await ZooKeeperWaits.WaitForNodeAsync(observer, path, s => s.EphemeralOwner == session);
        Assert.Equal(session, stat.EphemeralOwner);
    }

    [Fact]
    public async Task ZooKeeperDownAtStart_AppStarts_AndRegistersOnceItIsUp()
    {
        await using var server = await FreshZooKeeper.StartAsync();
        var servicePath = NewServicePath();
        await server.KillAsync();

        await using var app = await TestApps.StartAsync(server.ConnectionString, servicePath);
        var registration = TestApps.Registration(app);
        Assert.False(registration.Registered.IsCompleted);
        using (var http = new HttpClient())
        {
            Assert.Equal($"{Environment.ProcessId} {TestApps.Port(app)}", await http.GetStringAsync(new Uri($"http://127.0.0.1:{TestApps.Port(app)}/whoami")));
        }

        await server.RestartAsync();
        await TestApps.WaitRegisteredAsync(app);
        await using var observer = await ObserverAsync(server.ConnectionString);
        var stat = await ZooKeeperWaits.WaitForNodeAsync(observer, TestApps.NodePath(servicePath, app));
        Assert.Equal(TestApps.Client(app).SessionId, stat.EphemeralOwner);
    }

    [Fact]
    public async Task KilledProcess_NodeDisappearsAfterSessionTimeout()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var servicePath = NewServicePath();
        await using var observer = await ObserverAsync(cs);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(TestApps).Assembly.Location);
        start.ArgumentList.Add("child");
        start.ArgumentList.Add(cs);
        start.ArgumentList.Add(servicePath);
        using var child = Process.Start(start)!;
        try
        {
            var line = await ReadRegisteredLineAsync(child).WaitAsync(TimeSpan.FromSeconds(60));
            var path = $"{servicePath}/127.0.0.1:{line}";
            var stat = await ZooKeeperWaits.WaitForNodeAsync(observer, path);
            Assert.Equal(child.Id, NodeProperties.Parse((await observer.GetDataAsync(path)).Data)["pid"]!.GetValue<int>());

            var deleted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Assert.NotNull(await observer.ExistsAsync(path, e => { if (e.Type == WatchEventType.NodeDeleted) { deleted.TrySetResult(); } }));
            var killedAt = Stopwatch.GetTimestamp();
            child.Kill(); // SIGKILL: no deregistration, the session just stops pinging.

            await deleted.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True(Stopwatch.GetElapsedTime(killedAt) >= TimeSpan.FromSeconds(1), "The node went before the session could time out.");
            Assert.Null(await observer.ExistsAsync(path));
            _ = stat;
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
        }
    }

    private static async Task<string> ReadRegisteredLineAsync(Process child)
    {
        var output = new StringBuilder();
        while (await child.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("REGISTERED ", StringComparison.Ordinal))
            {
                return line["REGISTERED ".Length..];
            }
            output.AppendLine(line);
        }
        throw new InvalidOperationException("The child app exited before registering: " + output + await child.StandardError.ReadToEndAsync());
    }
}
