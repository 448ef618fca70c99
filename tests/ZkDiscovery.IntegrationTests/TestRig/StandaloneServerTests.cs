using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.Testing;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.TestRig;

public sealed class StandaloneServerTests
{
    [Fact]
    public async Task SharedServer_Started_ServesInStandaloneModeOnLoopback()
    {
        ZooKeeperTestServer server = await SharedZooKeeper.GetAsync().WaitAsync(RigAssert.Bound);

        Assert.True(server.IsRunning);
        Assert.Equal($"127.0.0.1:{server.Port}", server.ConnectionString);
        Assert.Equal("standalone", await server.GetModeAsync());
        Assert.Equal("imok", await server.SendFourLetterWordAsync("ruok"));
        string conf = await server.SendFourLetterWordAsync("conf");
        Assert.Contains("tickTime=200", conf, StringComparison.Ordinal);
        Assert.Contains("maxSessionTimeout=30000", conf, StringComparison.Ordinal);
        Assert.Same(server, await SharedZooKeeper.GetAsync());
    }

    [Fact]
    public async Task KillThenRestart_SamePortAndDataKept_AndDisposeEndsProcess()
    {
        ZooKeeperTestServer server = await FreshZooKeeper.StartAsync().WaitAsync(RigAssert.Bound);
        int firstPid = server.ProcessId;
        int port = server.Port;
        string dataDirectory = server.DataDirectory;
        int restartedPid;
        await using (server)
        {
            int emptyCount = RigAssert.NodeCount(await server.SendFourLetterWordAsync("srvr"));
            await using (RawZooKeeperSession session = await RawZooKeeperSession.ConnectAsync(port, CancellationToken.None))
            {
                Assert.Equal(0, await session.CreateAsync("/rig-" + Guid.NewGuid().ToString("N"), "kept"u8.ToArray(), CancellationToken.None));
            }

            Assert.Equal(emptyCount + 1, RigAssert.NodeCount(await server.SendFourLetterWordAsync("srvr")));

            await server.KillAsync().WaitAsync(RigAssert.Bound);

            Assert.False(server.IsRunning);
            Assert.False(RigAssert.ProcessIsAlive(firstPid));
            Assert.Null(await server.GetModeAsync());

            await server.RestartAsync().WaitAsync(RigAssert.Bound);

            restartedPid = server.ProcessId;
            Assert.NotEqual(firstPid, restartedPid);
            Assert.Equal(port, server.Port);
            Assert.Equal("standalone", await server.GetModeAsync());
            Assert.Equal(emptyCount + 1, RigAssert.NodeCount(await server.SendFourLetterWordAsync("srvr")));
        }

        Assert.False(RigAssert.ProcessIsAlive(restartedPid));
        Assert.False(Directory.Exists(dataDirectory));
    }

    [Fact]
    public async Task StartAsync_ServerExitsAtStart_ThrowsPromptlyWithLogTail()
    {
        var options = ZooKeeperTestDefaults.CreateServerOptions();
        options.ExtraConfigLines.Add("syncLimit=not-a-number");

        var error = await Assert.ThrowsAsync<ZooKeeperTestServerException>(
            () => ZooKeeperTestServer.StartAsync(options).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("exited", error.Message, StringComparison.Ordinal);
        Assert.Contains("not-a-number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Locate_NothingInstalled_ThrowsWithInstallHint()
    {
        var error = Assert.Throws<ZooKeeperInstallationNotFoundException>(
            () => ZooKeeperInstallation.Locate(_ => null, _ => false));

        Assert.Contains("apt-get install zookeeper", error.Message, StringComparison.Ordinal);
        Assert.Contains("eng/test.sh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Locate_ClassPathVariableNamesMissingJar_ThrowsNamingIt()
    {
        var error = Assert.Throws<ZooKeeperInstallationNotFoundException>(
            () => ZooKeeperInstallation.Locate(
                name => name switch { "ZOOKEEPER_CLASSPATH" => "/nowhere/zookeeper.jar", "PATH" => "/usr/bin", _ => null },
                path => path == "/usr/bin/java"));

        Assert.Contains("/nowhere/zookeeper.jar", error.Message, StringComparison.Ordinal);
    }
}
