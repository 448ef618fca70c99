using ZkDiscovery.IntegrationTests.Client;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.IntegrationTests.Nodes;

public sealed class LiveChildrenTests : ClientTestBase
{
    private static string Show(LiveChildren view) => (view.IsDeleted ? "deleted " : "") + view.RealPath + " [" + string.Join(",", view.Children) + "]";

    private async Task<string> CreateWithChildrenAsync(string name, params string[] children)
    {
        var path = Root + "/" + name;
        await Client.CreateAsync(path);
        foreach (var child in children)
        {
            await Client.CreateAsync(path + "/" + child);
        }
        return path;
    }

    private async Task<string> TruthAsync(string realPath)
    {
        var children = (await Client.GetChildrenAsync(realPath)).Children.Order(StringComparer.Ordinal);
        return realPath + " [" + string.Join(",", children) + "]";
    }

    [Fact]
    public async Task StartAsync_ExistingNode_HoldsSortedChildren_AndFirstCallbackHasThem()
    {
        var path = await CreateWithChildrenAsync("s", "c", "a", "b");
        var recorder = new ViewRecorder<string>();

        await using var view = await LiveChildren.StartAsync(Client, path + "/./");
        using var subscription = view.Subscribe(recorder.Callback<LiveChildren>(Show));

        Assert.Equal(["a", "b", "c"], view.Children);
        Assert.Equal(path, view.Path);
        Assert.Equal(path, view.RealPath);
        Assert.False(view.IsDeleted);
        Assert.Equal(path + " [a,b,c]", await recorder.NextAsync());
    }

    [Fact]
    public async Task StartAsync_MissingPath_ThrowsNoNode()
    {
        await Assert.ThrowsAsync<NoNodeException>(() => LiveChildren.StartAsync(Client, Root + "/missing"));
        Assert.Equal(0, Client.WatchCount);
    }

    [Fact]
    public async Task AddsAndRemoves_AreSeenInOrder_OneCallAtATime_NotOnTheDispatcher()
    {
        var path = await CreateWithChildrenAsync("s", "a");
        await using var view = await LiveChildren.StartAsync(Client, path);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveChildren>(Show));
        Assert.Equal(path + " [a]", await recorder.NextAsync());

        await Client.CreateAsync(path + "/b");
        Assert.Equal(path + " [a,b]", await recorder.NextAsync());
        await Client.CreateAsync(path + "/0");
        Assert.Equal(path + " [0,a,b]", await recorder.NextAsync());
        await Client.DeleteAsync(path + "/a");
        Assert.Equal(path + " [0,b]", await recorder.NextAsync());

        // A burst of changes: every notification is a distinct state, in order, ending at the server's truth.
        for (var i = 0; i < 10; i++)
        {
            await Client.CreateAsync($"{path}/n{i}");
        }
        var truth = await TruthAsync(path);
        await recorder.WaitForAsync(v => v == truth);

        Assert.Equal(0, recorder.ConcurrentCalls);
        var all = recorder.All.ToList();
        for (var i = 1; i < all.Count; i++)
        {
            Assert.NotEqual(all[i - 1], all[i]);
        }
    }

    [Fact]
    public async Task Callback_ThatBlocks_DoesNotBlockTheClient()
    {
        var path = await CreateWithChildrenAsync("s");
        await using var view = await LiveChildren.StartAsync(Client, path);
        var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = view.Subscribe(_ =>
        {
            entered.TrySetResult();
            release.Wait(TimeSpan.FromSeconds(20));
        });
        await entered.Task.WaitAsync(Timeout);

        // While the subscriber blocks, the client still serves requests and dispatches watches.
        var events = new EventSink();
        await Client.ExistsAsync(path + "/x", events.Watcher);
        await Client.CreateAsync(path + "/x");
        Assert.Equal(WatchEventType.NodeCreated, (await events.NextAsync()).Type);
        release.Set();
    }

    [Fact]
    public async Task Deleted_WithoutLink_IsMarkedDeleted_ClearedAndSubscribersTold()
    {
        var path = await CreateWithChildrenAsync("s", "a");
        await using var view = await LiveChildren.StartAsync(Client, path);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveChildren>(Show));
        await recorder.NextAsync();

        await Client.DeleteAsync(path + "/a");
        Assert.Equal(path + " []", await recorder.NextAsync());
        await Client.DeleteAsync(path);

        Assert.Equal("deleted " + path + " []", await recorder.NextAsync());
        Assert.True(view.IsDeleted);
        Assert.Empty(view.Children);
    }

    [Fact]
    public async Task MovedNode_WithLinkAtOldPlace_IsFollowed()
    {
        var old = await CreateWithChildrenAsync("old", "a", "b");
        await using var view = await LiveChildren.StartAsync(Client, old);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveChildren>(Show));
        await recorder.NextAsync();

        // Move: create the new node with the children, delete the old one, leave "old -> new" on the parent.
        var moved = Root + "/new";
        await Client.MultiAsync(
        [
            MultiOperation.Create(moved),
            MultiOperation.Create(moved + "/a"),
            MultiOperation.Create(moved + "/b"),
            MultiOperation.Delete(old + "/a"),
            MultiOperation.Delete(old + "/b"),
            MultiOperation.Delete(old),
            MultiOperation.SetData(Root, Bytes("{\"old ->\":\"new\"}")),
        ]);

        Assert.Equal(moved + " [a,b]", await recorder.NextAsync());
        Assert.Equal(old, view.Path);
        Assert.Equal(moved, view.RealPath);

        // It now watches the new node.
        await Client.CreateAsync(moved + "/c");
        Assert.Equal(moved + " [a,b,c]", await recorder.NextAsync());
    }

    [Fact]
    public async Task PathThroughLink_ResolvesToTarget()
    {
        var target = await CreateWithChildrenAsync("cms", "p1");
        await Client.CreateAsync(Root + "/lb", Bytes("{\"providers ->\":\"" + target + "\"}"));

        await using var view = await LiveChildren.StartAsync(Client, Root + "/lb/providers");

        Assert.Equal(target, view.RealPath);
        Assert.Equal(["p1"], view.Children);
    }

    [Fact]
    public async Task AfterReconnect_WithChangesMeanwhile_EqualsServer_AndNoDuplicateNotifications()
    {
        var path = await CreateWithChildrenAsync("s", "a", "b");
        var watcher = await ConnectAsync();
        var states = new StateSink(watcher);
        await using var view = await LiveChildren.StartAsync(watcher, path);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveChildren>(Show));
        await recorder.NextAsync();

        // A drop with no change: nothing to tell.
        watcher.DropConnection();
        await states.WaitForAsync(ConnectionState.Suspended);
        await states.WaitForAsync(ConnectionState.Connected);
        await Client.CreateAsync(path + "/sentinel");
        Assert.Equal(path + " [a,b,sentinel]", await recorder.NextAsync());

        // A drop with changes made while the client reconnects.
        watcher.DropConnection();
        await Client.DeleteAsync(path + "/a");
        await Client.CreateAsync(path + "/c");
        await states.WaitForAsync(ConnectionState.Connected);
        var truth = await TruthAsync(path);
        await recorder.WaitForAsync(v => v == truth);

        Assert.Equal(truth, Show(view));
        Assert.Equal(recorder.All.Count, recorder.All.Distinct().Count());
    }

    [Fact]
    public async Task AfterSessionExpiry_WithChangesMeanwhile_EqualsServer_AndReWatches()
    {
        var path = await CreateWithChildrenAsync("s", "a", "b");
        var watcher = await ConnectAsync();
        var states = new StateSink(watcher);
        await using var view = await LiveChildren.StartAsync(watcher, path);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveChildren>(Show));
        await recorder.NextAsync();

        await Expiry.ForceAsync(ConnectionString, watcher);
        await Client.DeleteAsync(path + "/b");
        await Client.CreateAsync(path + "/d");
        await Expiry.WaitForNewSessionAsync(watcher, s => states.WaitForAsync(s));
        var truth = await TruthAsync(path);
        await recorder.WaitForAsync(v => v == truth);

        // Watches are armed again on the new session.
        await Client.CreateAsync(path + "/e");
        var next = await recorder.NextAsync();
        Assert.Equal(await TruthAsync(path), next);
        Assert.Equal(recorder.All.Count, recorder.All.Distinct().Count());
    }

    [Fact]
    public async Task AfterSessionExpiry_WithoutChanges_NotifiesNothing()
    {
        var path = await CreateWithChildrenAsync("s", "a");
        var watcher = await ConnectAsync();
        var states = new StateSink(watcher);
        await using var view = await LiveChildren.StartAsync(watcher, path);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveChildren>(Show));
        await recorder.NextAsync();

        await Expiry.ForceAsync(ConnectionString, watcher);
        await Expiry.WaitForNewSessionAsync(watcher, s => states.WaitForAsync(s));
        // The view re-reads on the new session; the next notification must be the sentinel's change.
        await Client.CreateAsync(path + "/sentinel");

        Assert.Equal(path + " [a,sentinel]", await recorder.NextAsync());
    }

    [Fact]
    public async Task DisposeAsync_RemovesWatches_AndSubscribersGetNothingMore()
    {
        var path = await CreateWithChildrenAsync("s");
        var watcher = await ConnectAsync();
        var view = await LiveChildren.StartAsync(watcher, path);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveChildren>(Show));
        await recorder.NextAsync();
        Assert.True(watcher.WatchCount > 0);

        await view.DisposeAsync();
        await using var sentinel = await LiveChildren.StartAsync(Client, path);
        var sentinelRecorder = new ViewRecorder<string>();
        using var sentinelSubscription = sentinel.Subscribe(sentinelRecorder.Callback<LiveChildren>(Show));
        await sentinelRecorder.NextAsync();
        await Client.CreateAsync(path + "/x");
        await sentinelRecorder.NextAsync();

        Assert.Equal(0, watcher.WatchCount);
        Assert.False(recorder.TryTake(out _));
        Assert.Throws<ObjectDisposedException>(() => view.Subscribe(_ => { }));
        await view.DisposeAsync();
    }
}
