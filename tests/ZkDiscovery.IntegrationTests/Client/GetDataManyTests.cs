using ZkDiscovery.IntegrationTests.Chaos;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.Protocol;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Client;

/// <summary>
/// <see cref="ZooKeeperClient.GetDataManyAsync"/> against the real server: one multiRead, results in order with their
/// own errors, and the optional one-shot data watches the client arms afterwards with a setWatches relative to the
/// read's zxid.
/// </summary>
/// <remarks>
/// "No further event" is checked with a barrier rather than a wait: the test watches one more node with the same
/// watcher and changes it; the server sends a connection's events in zxid order and the client dispatches them in
/// order, so the next event must be the barrier's unless an unwanted one came first.
/// </remarks>
public sealed class GetDataManyTests : ClientTestBase
{
    [Fact]
    public async Task GetDataManyAsync_ReturnsOneResultPerPathInOrder_EqualToGetData()
    {
        var large = new byte[10_000];
        Random.Shared.NextBytes(large);
        await Client.CreateAsync(Root + "/a", Bytes("alpha"));
        await Client.CreateAsync(Root + "/empty");
        await Client.CreateAsync(Root + "/large", large);
        await Client.CreateAsync(Root + "/large/child", Bytes("delta"));
        await Client.SetDataAsync(Root + "/a", Bytes("alpha 2")); // version 1, mzxid != czxid
        string[] paths = [Root + "/large", Root + "/a", Root, Root + "/empty", Root + "/large/child", Root + "/a"];

        var results = await Client.GetDataManyAsync(paths);

        Assert.Equal(paths, results.Select(r => r.Path));
        for (var i = 0; i < paths.Length; i++)
        {
            var single = await Client.GetDataAsync(paths[i]);
            Assert.True(results[i].IsOk);
            Assert.Equal(ZooKeeperErrorCode.Ok, results[i].Error);
            Assert.Equal(single.Data, results[i].Data);
            Assert.Equal(single.Stat, results[i].Stat);
        }
        Assert.Equal(large, results[0].Data);
        Assert.Equal("alpha 2", Text(results[1].Data));
        Assert.Equal(1, results[1].Stat!.Version);
        Assert.Equal(1, results[0].Stat!.NumChildren);
        Assert.Empty(results[3].Data);
        Assert.Equal(0, Client.WatchCount); // no watcher, no watch
    }

    [Fact]
    public async Task GetDataManyAsync_MissingNode_GetsNoNode_OthersAreRead_AndNoWatchIsLeftForIt()
    {
        await Client.CreateAsync(Root + "/a", Bytes("A"));
        await Client.CreateAsync(Root + "/b", Bytes("B"));
        var events = new EventSink();

        var results = await Client.GetDataManyAsync([Root + "/a", Root + "/missing", Root + "/b"], events.Watcher);

        Assert.Equal([ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.NoNode, ZooKeeperErrorCode.Ok], results.Select(r => r.Error));
        Assert.Equal(Root + "/missing", results[1].Path);
        Assert.Empty(results[1].Data);
        Assert.Null(results[1].Stat);
        Assert.Equal(["A", "B"], [Text(results[0].Data), Text(results[2].Data)]);
        Assert.Equal(2, Client.WatchCount);

        // A watch on the missing node would fire NodeCreated before the change of /a.
        var writer = await ConnectAsync();
        await writer.CreateAsync(Root + "/missing");
        await writer.SetDataAsync(Root + "/a", Bytes("A2"));
        Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, Root + "/a"), await events.NextAsync());
    }

    [Fact]
    public async Task GetDataManyAsync_CreatorOnlyAcl_UnauthenticatedClientGetsNoAuthForThatNodeOnly()
    {
        var owner = await ConnectAsync(o => o.DigestCredentials = "alice:s3cret");
        await owner.CreateAsync(Root + "/secret", Bytes("hidden"), acl: ZooKeeperAcl.CreatorAll);
        await owner.CreateAsync(Root + "/open", Bytes("visible"));
        var events = new EventSink();

        var stranger = await Client.GetDataManyAsync([Root + "/secret", Root + "/open"], events.Watcher);
        var own = await owner.GetDataManyAsync([Root + "/secret", Root + "/open"]);

        Assert.Equal([ZooKeeperErrorCode.NoAuth, ZooKeeperErrorCode.Ok], stranger.Select(r => r.Error));
        Assert.False(stranger[0].IsOk);
        Assert.Empty(stranger[0].Data);
        Assert.Null(stranger[0].Stat);
        Assert.Equal("visible", Text(stranger[1].Data));
        Assert.Equal(1, Client.WatchCount); // the refused node is not watched
        Assert.Equal(["hidden", "visible"], own.Select(r => Text(r.Data)));
        Assert.All(own, r => Assert.True(r.IsOk));
    }

    [Fact]
    public async Task GetDataManyAsync_WithWatcher_SetDataFiresOneNodeDataChangedForThatPathOnly()
    {
        string[] paths = [Root + "/a", Root + "/b", Root + "/c"];
        foreach (var path in paths)
        {
            await Client.CreateAsync(path, Bytes("v0"));
        }
        var events = new EventSink();
        await Client.GetDataManyAsync(paths, events.Watcher);
        var writer = await ConnectAsync();

        await writer.SetDataAsync(Root + "/b", Bytes("v1"));

        Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, Root + "/b"), await events.NextAsync());
        await AssertNextEventIsBarrierAsync(Client, Root, events);
        Assert.Equal(2, Client.WatchCount); // /a and /c still armed; /b and the barrier fired
    }

    [Fact]
    public async Task GetDataManyAsync_WithWatcher_DeleteFiresNodeDeleted()
    {
        await Client.CreateAsync(Root + "/a");
        await Client.CreateAsync(Root + "/b");
        var events = new EventSink();
        await Client.GetDataManyAsync([Root + "/a", Root + "/b"], events.Watcher);
        var writer = await ConnectAsync();

        await writer.DeleteAsync(Root + "/b");

        Assert.Equal(new WatchedEvent(WatchEventType.NodeDeleted, KeeperState.SyncConnected, Root + "/b"), await events.NextAsync());
        await AssertNextEventIsBarrierAsync(Client, Root, events);
    }

    [Fact]
    public async Task GetDataManyAsync_Watch_IsOneShot_UntilTheNodeIsReadAgain()
    {
        await Client.CreateAsync(Root + "/a", Bytes("0"));
        var events = new EventSink();
        await Client.GetDataManyAsync([Root + "/a"], events.Watcher);
        var writer = await ConnectAsync();
        var changed = new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, Root + "/a");

        await writer.SetDataAsync(Root + "/a", Bytes("1"));
        Assert.Equal(changed, await events.NextAsync());
        await writer.SetDataAsync(Root + "/a", Bytes("2"));
        await AssertNextEventIsBarrierAsync(Client, Root, events); // the second change fired nothing

        var again = await Client.GetDataManyAsync([Root + "/a"], events.Watcher);
        await writer.SetDataAsync(Root + "/a", Bytes("3"));

        Assert.Equal("2", Text(again[0].Data));
        Assert.Equal(changed, await events.NextAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetDataManyAsync_NodeChangedBetweenReadAndArming_FiresAtOnce(bool delete)
    {
        // The change is pipelined behind the multiRead on the same session, so the server applies it after the read and
        // before the setWatches, which the client only sends once the read's reply is in: the window the relative zxid
        // covers, hit every time.
        await Client.CreateAsync(Root + "/a", Bytes("before"));
        await Client.CreateAsync(Root + "/b", Bytes("b"));
        var events = new EventSink();

        var reading = Client.GetDataManyAsync([Root + "/a", Root + "/b"], events.Watcher);
        var changing = delete ? Client.DeleteAsync(Root + "/a") : Client.SetDataAsync(Root + "/a", Bytes("after"));
        var results = await reading;
        await changing;

        Assert.Equal("before", Text(results[0].Data)); // read before the change...
        var expected = delete ? WatchEventType.NodeDeleted : WatchEventType.NodeDataChanged;
        Assert.Equal(new WatchedEvent(expected, KeeperState.SyncConnected, Root + "/a"), await events.NextAsync()); // ...which fires
        await AssertNextEventIsBarrierAsync(Client, Root, events); // once, and nothing for /b
    }

    [Fact]
    public async Task GetDataManyAsync_UnderChroot_PathsAndEventsAreChrootRelative()
    {
        await Client.CreateAsync(Root + "/app", Bytes("chroot"));
        await Client.CreateAsync(Root + "/app/x", Bytes("X"));
        await Client.CreateAsync(Root + "/app/y", Bytes("Y"));
        var chrooted = await ConnectAsync(connectionString: ConnectionString + Root + "/app");
        var events = new EventSink();

        var results = await chrooted.GetDataManyAsync(["/x", "/", "/missing", "/y"], events.Watcher);
        var chrootStat = (await Client.GetDataAsync(Root + "/app")).Stat;
        await Client.SetDataAsync(Root + "/app/x", Bytes("X2"));
        var changed = await events.NextAsync();
        await Client.DeleteAsync(Root + "/app/y");
        var deleted = await events.NextAsync();

        Assert.Equal(["/x", "/", "/missing", "/y"], results.Select(r => r.Path));
        Assert.Equal([ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.NoNode, ZooKeeperErrorCode.Ok], results.Select(r => r.Error));
        Assert.Equal(["X", "chroot", "", "Y"], results.Select(r => Text(r.Data)));
        Assert.Equal(chrootStat, results[1].Stat);
        Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, "/x"), changed);
        Assert.Equal(new WatchedEvent(WatchEventType.NodeDeleted, KeeperState.SyncConnected, "/y"), deleted);
        await AssertNextEventIsBarrierAsync(chrooted, "/", events);
    }

    [Fact]
    public void GetDataManyAsync_EmptyOrNullList_ThrowsBeforeSending()
    {
        Assert.IsType<ArgumentException>(Record.Exception(() => { _ = Client.GetDataManyAsync([]); }));
        Assert.IsType<ArgumentNullException>(Record.Exception(() => { _ = Client.GetDataManyAsync(null!); }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("noslash")]
    [InlineData("/a/")]
    [InlineData("/a//b")]
    [InlineData("/a/./b")]
    [InlineData("/a/../b")]
    [InlineData("/a\u0001b")]
    public void GetDataManyAsync_InvalidPathAmongValidOnes_ThrowsArgumentException(string invalid)
    {
        var error = Record.Exception(() => { _ = Client.GetDataManyAsync([Root, invalid, Root]); });

        Assert.IsAssignableFrom<ArgumentException>(error);
    }

    [Fact]
    public async Task GetDataManyAsync_ThousandPaths_InOneCall_AllReadAndWatched()
    {
        // Each result is 9 bytes of header, 4 + ~9 of data and a 68-byte stat: about 90 KB for the lot, far below
        // jute.maxbuffer (1 MB); the request (~60 KB) and the one setWatches (~50 KB of paths, one batch) too.
        const int Count = 1000;
        await Client.CreateAsync(Root + "/many");
        var paths = Enumerable.Range(0, Count).Select(i => $"{Root}/many/n{i:D4}").ToArray();
        await Task.WhenAll(paths.Select((path, i) => Client.CreateAsync(path, Bytes("value-" + i))));
        var events = new EventSink();

        var results = await Client.GetDataManyAsync(paths, events.Watcher);

        Assert.Equal(Count, results.Count);
        Assert.Equal(paths, results.Select(r => r.Path));
        Assert.All(results, (r, i) => Assert.Equal("value-" + i, Text(r.Data)));
        Assert.All(results, r => Assert.Equal(0, r.Stat!.Version));
        Assert.Equal(Count, Client.WatchCount);

        var writer = await ConnectAsync();
        await writer.SetDataAsync(paths[777], Bytes("changed"));

        Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, paths[777]), await events.NextAsync());
        await AssertNextEventIsBarrierAsync(Client, Root, events);
    }

    [Fact]
    public async Task GetDataManyAsync_SetWatchesLost_FailsWithConnectionLoss_AndReadingAgainSeesTheChange()
    {
        // The multiRead is answered; the setWatches that would arm the watches never reaches the server and the client
        // is cut off while /a changes. Whether that change is then reported is not guaranteed: after the reconnect the
        // client re-arms the watch it registered relative to the last zxid it has seen, which is the read's here (so it
        // would fire), but a reply to any other request that came after the change would hide it. Hence the contract:
        // the call fails, and the caller reads again.
        await Client.CreateAsync(Root + "/a", Bytes("before"));
        await Client.CreateAsync(Root + "/b", Bytes("b"));
        await using var proxy = PartitionProxy.Start([(await SharedZooKeeper.GetAsync()).Port]);
        var client = await ConnectAsync(connectionString: proxy.ConnectionString);
        var session = client.SessionId;
        var states = new StateSink(client);
        var cut = proxy.CutOn(r => r.OpCode == (int)OpCode.SetWatches, RequestCut.DropRequest, thenPartition: true);
        var first = new EventSink();

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.GetDataManyAsync([Root + "/a", Root + "/b"], first.Watcher).WaitAsync(Timeout));
        Assert.Single(await cut.Done.WaitAsync(Timeout));
        await states.WaitForAsync(ConnectionState.Suspended);
        await Client.SetDataAsync(Root + "/a", Bytes("changed while cut off"));
        proxy.Heal();
        var reconnected = await states.WaitForAsync(ConnectionState.Connected);

        Assert.False(reconnected.IsNewSession);
        Assert.Equal(session, client.SessionId);
        Assert.True(error.IsTransient);

        var second = new EventSink();
        var again = await client.GetDataManyAsync([Root + "/a", Root + "/b"], second.Watcher);
        await Client.SetDataAsync(Root + "/b", Bytes("b2"));

        Assert.Equal(["changed while cut off", "b"], again.Select(r => Text(r.Data)));
        Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, Root + "/b"), await second.NextAsync());
    }

    /// <summary>Watches a fresh node under <paramref name="parent"/> with the sink's watcher, changes it, and expects its event next.</summary>
    private static async Task AssertNextEventIsBarrierAsync(ZooKeeperClient client, string parent, EventSink events)
    {
        var barrier = (parent == "/" ? string.Empty : parent) + "/barrier-" + Guid.NewGuid().ToString("N")[..8];
        await client.CreateAsync(barrier);
        await client.GetDataAsync(barrier, events.Watcher);
        await client.SetDataAsync(barrier, Bytes("x"));

        Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, barrier), await events.NextAsync());
    }
}
