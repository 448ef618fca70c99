namespace ZkDiscovery.IntegrationTests.Client;

public class WatchTests : ClientTestBase
{
    [Fact]
    public async Task DataWatch_FiresOnceOnChange()
    {
        await Client.CreateAsync(Root + "/a");
        var events = new EventSink();
        await Client.GetDataAsync(Root + "/a", events.Watcher);

        await Client.SetDataAsync(Root + "/a", Bytes("1"));
        var first = await events.NextAsync();
        await Client.SetDataAsync(Root + "/a", Bytes("2"));
        await Client.SyncAsync(Root + "/a");
        await Client.GetDataAsync(Root + "/a");

        Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, Root + "/a"), first);
        Assert.False(events.TryTake(out _));
    }

    [Fact]
    public async Task Watcher_DoesNotSeeTheAsyncLocalsOfTheCodeThatCreatedTheClient()
    {
        var ambient = new AsyncLocal<string?> { Value = "creator" };
        var client = await ConnectAsync();
        ambient.Value = null;
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);

        Assert.Null(await client.ExistsAsync(Root + "/x", _ => seen.TrySetResult(ambient.Value)));
        await Client.CreateAsync(Root + "/x");

        Assert.Null(await seen.Task.WaitAsync(Timeout));
    }

    [Fact]
    public async Task ExistsWatch_OnMissingNode_FiresOnCreate()
    {
        var events = new EventSink();

        Assert.Null(await Client.ExistsAsync(Root + "/later", events.Watcher));
        await Client.CreateAsync(Root + "/later");

        Assert.Equal(WatchEventType.NodeCreated, (await events.NextAsync()).Type);
    }

    [Fact]
    public async Task ChildWatch_FiresOnChildAdded_AndDeleteFansOutToDataAndChildWatchers()
    {
        await Client.CreateAsync(Root + "/p");
        var children = new EventSink();
        var data = new EventSink();
        await Client.GetChildrenAsync(Root + "/p", children.Watcher);

        await Client.CreateAsync(Root + "/p/c");
        var added = await children.NextAsync();
        await Client.GetChildrenAsync(Root + "/p", children.Watcher);
        await Client.GetDataAsync(Root + "/p", data.Watcher);
        await Client.DeleteAsync(Root + "/p/c");
        var removed = await children.NextAsync();
        await Client.GetChildrenAsync(Root + "/p", children.Watcher);
        await Client.DeleteAsync(Root + "/p");

        Assert.Equal(new WatchedEvent(WatchEventType.NodeChildrenChanged, KeeperState.SyncConnected, Root + "/p"), added);
        Assert.Equal(WatchEventType.NodeChildrenChanged, removed.Type);
        Assert.Equal(WatchEventType.NodeDeleted, (await children.NextAsync()).Type);
        Assert.Equal(WatchEventType.NodeDeleted, (await data.NextAsync()).Type);
    }

    [Fact]
    public async Task PersistentRecursiveWatch_SeesCreateThreeLevelsDown_AndStays()
    {
        var events = new EventSink();
        await Client.AddWatchAsync(Root, events.Watcher, AddWatchMode.PersistentRecursive);

        await Client.CreateAsync(Root + "/a");
        await Client.CreateAsync(Root + "/a/b");
        await Client.CreateAsync(Root + "/a/b/c");
        await Client.SetDataAsync(Root + "/a/b/c", Bytes("x"));

        Assert.Equal(Root + "/a", (await events.NextAsync()).Path);
        Assert.Equal(Root + "/a/b", (await events.NextAsync()).Path);
        Assert.Equal(new WatchedEvent(WatchEventType.NodeCreated, KeeperState.SyncConnected, Root + "/a/b/c"), await events.NextAsync());
        Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, Root + "/a/b/c"), await events.NextAsync());
    }

    [Fact]
    public async Task PersistentWatch_SeesChildrenChangesOfThePathOnly()
    {
        var events = new EventSink();
        await Client.AddWatchAsync(Root, events.Watcher, AddWatchMode.Persistent);

        await Client.CreateAsync(Root + "/a");
        await Client.CreateAsync(Root + "/a/b");
        await Client.SetDataAsync(Root, Bytes("x"));

        Assert.Equal(new WatchedEvent(WatchEventType.NodeChildrenChanged, KeeperState.SyncConnected, Root), await events.NextAsync());
        Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, Root), await events.NextAsync());
    }

    [Fact]
    public async Task RemoveWatches_StopsEvents_AndTellsTheWatcher()
    {
        var events = new EventSink();
        await Client.AddWatchAsync(Root, events.Watcher, AddWatchMode.PersistentRecursive);

        await Client.RemoveWatchesAsync(Root, events.Watcher, WatcherType.Any);
        var removed = await events.NextAsync();
        await Client.CreateAsync(Root + "/after");
        await Client.SyncAsync(Root);
        await Client.GetDataAsync(Root);

        Assert.Equal(WatchEventType.PersistentWatchRemoved, removed.Type);
        Assert.False(events.TryTake(out _));
        await Assert.ThrowsAsync<NoWatcherException>(() => Client.RemoveWatchesAsync(Root, events.Watcher, WatcherType.Any));
    }

    [Fact]
    public async Task RemovingTheOnlyWatcher_WhileAnotherArmsTheSamePath_LeavesTheOtherOneWatching()
    {
        await Client.CreateAsync(Root + "/a");
        var leaving = new EventSink();
        var arriving = new EventSink();
        await Client.GetDataAsync(Root + "/a", leaving.Watcher);

        // The new watcher's getData goes out first; the removal, decided while it was not registered yet, right behind
        // it: the server removes the one data watch it holds for the path, the one both watchers share.
        var arming = Client.GetDataAsync(Root + "/a", arriving.Watcher);
        var removing = Client.RemoveWatchesAsync(Root + "/a", leaving.Watcher, WatcherType.Data);
        await arming;
        await removing;
        await Client.SetDataAsync(Root + "/a", Bytes("1"));

        Assert.Equal(WatchEventType.DataWatchRemoved, (await leaving.NextAsync()).Type);
        Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, Root + "/a"), await arriving.NextAsync());
        Assert.False(leaving.TryTake(out _));
    }

    [Fact]
    public async Task RemovingTheOnlyPersistentWatcher_WhileAnotherIsAdded_LeavesTheOtherOneWatching()
    {
        var leaving = new EventSink();
        var arriving = new EventSink();
        await Client.AddWatchAsync(Root, leaving.Watcher, AddWatchMode.PersistentRecursive);

        var adding = Client.AddWatchAsync(Root, arriving.Watcher, AddWatchMode.PersistentRecursive);
        var removing = Client.RemoveWatchesAsync(Root, leaving.Watcher, WatcherType.Any);
        await adding;
        await removing;
        await Client.CreateAsync(Root + "/b");
        await Client.SetDataAsync(Root + "/b", Bytes("1"));

        Assert.Equal(WatchEventType.PersistentWatchRemoved, (await leaving.NextAsync()).Type);
        Assert.Equal(new WatchedEvent(WatchEventType.NodeCreated, KeeperState.SyncConnected, Root + "/b"), await arriving.NextAsync());
        Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, Root + "/b"), await arriving.NextAsync());
    }

    [Fact]
    public async Task RemovingTheOnlyChildWatcher_WhileAnotherArmsTheSamePath_TheOtherOneHearsOfAChangeMadeAfterTheRemoval()
    {
        var leaving = new EventSink();
        var arriving = new EventSink();
        await Client.GetChildrenAsync(Root, leaving.Watcher);

        var arming = Client.GetChildrenAsync(Root, arriving.Watcher);
        var removing = Client.RemoveWatchesAsync(Root, leaving.Watcher, WatcherType.Children);
        // A change that the server applies after the removal, before the client can arm the watch again: the new
        // watcher listed the children before it, so it must still hear of it.
        var created = Client.CreateAsync(Root + "/c");
        Assert.Empty((await arming).Children);
        await removing;
        await created;

        Assert.Equal(WatchEventType.ChildWatchRemoved, (await leaving.NextAsync()).Type);
        Assert.Equal(new WatchedEvent(WatchEventType.NodeChildrenChanged, KeeperState.SyncConnected, Root), await arriving.NextAsync());
    }

    [Fact]
    public async Task WatcherThatThrows_DoesNotStopLaterEvents()
    {
        await Client.CreateAsync(Root + "/a");
        var events = new EventSink();
        await Client.GetDataAsync(Root + "/a", _ => throw new InvalidOperationException("boom"));
        await Client.GetDataAsync(Root + "/a", events.Watcher);

        await Client.SetDataAsync(Root + "/a", Bytes("1"));

        Assert.Equal(WatchEventType.NodeDataChanged, (await events.NextAsync()).Type);
    }

    [Fact]
    public async Task Watches_AreRearmedAfterReconnect()
    {
        await Client.CreateAsync(Root + "/a");
        var data = new EventSink();
        var recursive = new EventSink();
        await Client.GetDataAsync(Root + "/a", data.Watcher);
        await Client.AddWatchAsync(Root, recursive.Watcher, AddWatchMode.PersistentRecursive);
        var states = new StateSink(Client);
        var session = Client.SessionId;

        Client.DropConnection();
        await states.WaitForAsync(ConnectionState.Suspended);
        var reconnected = await states.WaitForAsync(ConnectionState.Connected);
        var writer = await ConnectAsync();
        await writer.SetDataAsync(Root + "/a", Bytes("changed"));

        Assert.False(reconnected.IsNewSession);
        Assert.Equal(session, Client.SessionId);
        Assert.Equal(WatchEventType.NodeDataChanged, (await data.NextAsync()).Type);
        Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, Root + "/a"), await recursive.NextAsync());
    }

    [Fact]
    public async Task ChangeWhileDisconnected_IsDeliveredOnReconnect()
    {
        await Client.CreateAsync(Root + "/a");
        var data = new EventSink();
        await Client.GetDataAsync(Root + "/a", data.Watcher);
        var writer = await ConnectAsync();
        var states = new StateSink(Client);

        Client.DropConnection();
        await states.WaitForAsync(ConnectionState.Suspended);
        await writer.SetDataAsync(Root + "/a", Bytes("changed while away"));

        // setWatches carries the last zxid seen: the server reports the missed change at once.
        Assert.Equal(WatchEventType.NodeDataChanged, (await data.NextAsync()).Type);
    }
}
