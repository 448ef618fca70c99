using ZkDiscovery.IntegrationTests.Client;
using ZkDiscovery.Recipes;
using ZkDiscovery.Testing;

namespace ZkDiscovery.IntegrationTests.Recipes;

public sealed class WaitTests : ClientTestBase
{
    [Fact]
    public async Task WaitForVersionAsync_WokenByTheWriteThatPassesTheVersion()
    {
        var path = Root + "/v";
        await Client.CreateAsync(path, Bytes("0"));
        var writer = await ConnectAsync();

        var waiting = ZooKeeperWaits.WaitForVersionAsync(Client, path, 1, Timeout);
        await writer.SetDataAsync(path, Bytes("1"));
        await writer.SetDataAsync(path, Bytes("2"));
        var result = await waiting.WaitAsync(Timeout);

        Assert.Equal(2, result.Stat.Version);
        Assert.Equal("2", Text(result.Data));
    }

    [Fact]
    public async Task WaitForVersionAsync_MissingNode_WaitsPastCreationForAWrite()
    {
        var path = Root + "/later";
        var writer = await ConnectAsync();

        var waiting = ZooKeeperWaits.WaitForVersionAsync(Client, path, 0, Timeout);
        await writer.CreateAsync(path, Bytes("created"));
        await writer.SetDataAsync(path, Bytes("written"));
        var result = await waiting.WaitAsync(Timeout);

        Assert.Equal(1, result.Stat.Version);
        Assert.Equal("written", Text(result.Data));
    }

    [Fact]
    public async Task WaitForVersionAsync_AlreadyPassed_ReturnsAtOnce()
    {
        var path = Root + "/done";
        await Client.CreateAsync(path, Bytes("x"));
        await Client.SetDataAsync(path, Bytes("y"));

        var result = await ZooKeeperWaits.WaitForVersionAsync(Client, path, 0, TimeSpan.Zero + TimeSpan.FromSeconds(5));

        Assert.Equal(1, result.Stat.Version);
    }

    [Fact]
    public async Task WaitForVersionAsync_NoWrite_TimesOutNamingThePath()
    {
        var path = Root + "/idle";
        await Client.CreateAsync(path);

        var e = await Assert.ThrowsAsync<TimeoutException>(() => ZooKeeperWaits.WaitForVersionAsync(Client, path, 0, TimeSpan.FromMilliseconds(200)));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, Client.WatchCount);
        await Client.SetDataAsync(path, Bytes("still usable"));
    }

    [Fact]
    public async Task WaitUntilAbsentAsync_WokenByDeletion()
    {
        var path = Root + "/gone";
        await Client.CreateAsync(path);
        var writer = await ConnectAsync();

        var waiting = ZooKeeperWaits.WaitUntilAbsentAsync(Client, path, Timeout);
        await writer.SetDataAsync(path, Bytes("not yet"));
        await writer.DeleteAsync(path);
        await waiting.WaitAsync(Timeout);

        Assert.Null(await Client.ExistsAsync(path));
        await ZooKeeperWaits.WaitUntilAbsentAsync(Client, path, TimeSpan.FromSeconds(5)); // already absent
    }

    [Fact]
    public async Task WaitUntilAbsentAsync_NodeStays_TimesOut()
    {
        var path = Root + "/stays";
        await Client.CreateAsync(path);

        await Assert.ThrowsAsync<TimeoutException>(() => ZooKeeperWaits.WaitUntilAbsentAsync(Client, path, TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task WaitForVersionAsync_SessionExpiresWhileWaiting_RechecksOnNewSession()
    {
        var path = Root + "/expiry";
        await Client.CreateAsync(path);
        var waiter = await ConnectAsync();
        var states = new StateSink(waiter);
        var writer = await ConnectAsync();

        var waiting = ZooKeeperWaits.WaitForVersionAsync(waiter, path, 0, Timeout);
        var credentials = waiter.SessionCredentials!;
        Assert.True(await ZooKeeperSessionKiller.ExpireAsync(ConnectionString, credentials.SessionId, credentials.Password));
        await states.WaitForAsync(ConnectionState.Expired);
        await states.WaitForAsync(ConnectionState.Connected);
        Assert.False(waiting.IsCompleted);
        await writer.SetDataAsync(path, Bytes("after expiry"));

        var result = await waiting.WaitAsync(Timeout);
        Assert.Equal("after expiry", Text(result.Data));
    }
}
