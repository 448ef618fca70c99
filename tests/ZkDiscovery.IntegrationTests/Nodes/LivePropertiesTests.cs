using Microsoft.Extensions.Logging;
using ZkDiscovery.IntegrationTests.Chaos;
using ZkDiscovery.IntegrationTests.Client;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.Nodes;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Nodes;

public sealed class LivePropertiesTests : ClientTestBase
{
    private static string Show(LiveProperties view) =>
        (view.IsDeleted ? "deleted " : "") + view.RealPath + " " + System.Text.Encoding.UTF8.GetString(view.Properties.ToBytes());

    private async Task<string> TruthAsync(string path)
    {
        var resolved = await NodeLinks.ResolvePropertiesAsync(path, async (p, ct) =>
        {
            try
            {
                return NodeProperties.Parse((await Client.GetDataAsync(p, null, ct)).Data);
            }
            catch (NoNodeException)
            {
                return null;
            }
        });
        return resolved.RealPath + " " + System.Text.Encoding.UTF8.GetString(resolved.Properties.ToBytes());
    }

    [Fact]
    public async Task SetData_IsSeen_AfterFirstCallbackWithCurrentValue()
    {
        var path = Root + "/p";
        await Client.CreateAsync(path, Bytes("{\"a\":1,\"type\":\"x\"}"));
        await using var view = await LiveProperties.StartAsync(Client, path);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveProperties>(Show));

        Assert.Equal(path + " {\"a\":1,\"type\":\"x\"}", await recorder.NextAsync());
        Assert.Equal("x", view.Properties.Type);

        await Client.SetDataAsync(path, Bytes("{\"a\":2}"));
        Assert.Equal(path + " {\"a\":2}", await recorder.NextAsync());

        // Same properties written again: a watch fires but nothing changed, so nothing is told.
        await Client.SetDataAsync(path, Bytes("{ \"a\" : 2 }"));
        await Client.SetDataAsync(path, Bytes("{\"a\":3}"));
        Assert.Equal(path + " {\"a\":3}", await recorder.NextAsync());
        Assert.Equal(0, recorder.ConcurrentCalls);
    }

    [Fact]
    public async Task PropertyLink_TargetChanges_UpdateTheView()
    {
        await Client.CreateAsync(Root + "/x", Bytes("{\"threads\":3}"));
        await Client.CreateAsync(Root + "/cms", Bytes("{\"threads =>\":\"" + Root + "/x threads\",\"name\":\"cms\"}"));
        await using var view = await LiveProperties.StartAsync(Client, Root + "/cms");
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveProperties>(Show));

        Assert.Equal(3, view.Properties["threads"]!.GetValue<int>());
        Assert.False(view.Properties.ContainsKey("threads =>"));
        await recorder.NextAsync();

        await Client.SetDataAsync(Root + "/x", Bytes("{\"threads\":4}"));
        await recorder.NextAsync();
        Assert.Equal(4, view.Properties["threads"]!.GetValue<int>());
    }

    [Fact]
    public async Task PropertyLink_TargetNodeCreatedLater_IsShown_AndStaleWatchesRemoved()
    {
        var path = Root + "/cms";
        await Client.CreateAsync(path, Bytes("{\"threads =>\":\"" + Root + "/x threads\",\"a\":1}"));
        var watcher = await ConnectAsync();
        await using var view = await LiveProperties.StartAsync(watcher, path);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveProperties>(Show));

        Assert.Equal(path + " {\"a\":1}", await recorder.NextAsync());
        // The node, an exists watch on the missing target, and the target's parent (read for a symbolic link "x ->").
        Assert.Equal(3, watcher.WatchCount);

        await Client.CreateAsync(Root + "/x", Bytes("{\"threads\":3}"));

        Assert.Equal(path + " {\"a\":1,\"threads\":3}", await recorder.NextAsync());
        Assert.Equal(3, view.Properties["threads"]!.GetValue<int>());
        // The parent is no longer read: its watch is gone; the node and the target keep theirs.
        Assert.Equal(2, watcher.WatchCount);

        await Client.SetDataAsync(Root + "/x", Bytes("{\"threads\":4}"));
        Assert.Equal(path + " {\"a\":1,\"threads\":4}", await recorder.NextAsync());

        // Missing again, then back.
        await Client.DeleteAsync(Root + "/x");
        Assert.Equal(path + " {\"a\":1}", await recorder.NextAsync());
        await Client.CreateAsync(Root + "/x", Bytes("{\"threads\":5}"));
        Assert.Equal(path + " {\"a\":1,\"threads\":5}", await recorder.NextAsync());

        await view.DisposeAsync();
        Assert.Equal(0, watcher.WatchCount);
    }

    [Fact]
    public async Task PropertyLink_TargetNodeCreatedWhilePartitioned_IsShownAfterReconnect()
    {
        var path = Root + "/cms";
        await Client.CreateAsync(path, Bytes("{\"threads =>\":\"" + Root + "/x threads\",\"a\":1}"));
        var server = await SharedZooKeeper.GetAsync();
        await using var proxy = PartitionProxy.Start([server.Port]);
        var watcher = await ConnectAsync(connectionString: proxy.ConnectionString);
        var states = new StateSink(watcher);
        await using var view = await LiveProperties.StartAsync(watcher, path);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveProperties>(Show));
        Assert.Equal(path + " {\"a\":1}", await recorder.NextAsync());

        // The creation event is lost in the partition. The client comes back on the same session, so the view does not
        // read again on its own: only the exists watch, re-armed on the new connection, can tell it.
        proxy.Partition();
        await Client.CreateAsync(Root + "/x", Bytes("{\"threads\":3}"));
        proxy.Heal();
        await states.WaitForAsync(ConnectionState.Suspended);
        var connected = await states.WaitForAsync(ConnectionState.Connected);

        Assert.False(connected.IsNewSession);
        Assert.Equal(path + " {\"a\":1,\"threads\":3}", await recorder.NextAsync());
    }

    [Fact]
    public async Task PropertyLink_TargetPropertyAddedLater_IsShown()
    {
        var path = Root + "/cms";
        await Client.CreateAsync(Root + "/x", Bytes("{\"other\":1}"));
        await Client.CreateAsync(path, Bytes("{\"threads =>\":\"" + Root + "/x threads\",\"a\":1}"));
        var watcher = await ConnectAsync();
        await using var view = await LiveProperties.StartAsync(watcher, path);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveProperties>(Show));

        Assert.Equal(path + " {\"a\":1}", await recorder.NextAsync());
        Assert.Equal(2, watcher.WatchCount);

        await Client.SetDataAsync(Root + "/x", Bytes("{\"other\":1,\"threads\":5}"));

        Assert.Equal(path + " {\"a\":1,\"threads\":5}", await recorder.NextAsync());
        Assert.Equal(2, watcher.WatchCount);

        // Taken away again: the property goes, and comes back when re-added.
        await Client.SetDataAsync(Root + "/x", Bytes("{\"other\":2}"));
        Assert.Equal(path + " {\"a\":1}", await recorder.NextAsync());
        await Client.SetDataAsync(Root + "/x", Bytes("{\"threads\":6}"));
        Assert.Equal(path + " {\"a\":1,\"threads\":6}", await recorder.NextAsync());

        await view.DisposeAsync();
        Assert.Equal(0, watcher.WatchCount);
    }

    [Fact]
    public async Task PropertyLink_ThroughSymbolicLink_WhoseTargetAppearsLater_IsShown()
    {
        // ROOT/svc -> ROOT/pool/svc, and neither ROOT/pool nor ROOT/pool/svc exists yet. The second link ("size")
        // makes the creation of ROOT/pool visible, so the test knows the view read again in between.
        await Client.SetDataAsync(Root, Bytes("{\"svc ->\":\"" + Root + "/pool/svc\"}"));
        var path = Root + "/cms";
        await Client.CreateAsync(path, Bytes("{\"a\":1,\"size =>\":\"" + Root + "/pool\",\"threads =>\":\"" + Root + "/svc threads\"}"));
        var watcher = await ConnectAsync();
        await using var view = await LiveProperties.StartAsync(watcher, path);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveProperties>(Show));

        Assert.Equal(path + " {\"a\":1}", await recorder.NextAsync());

        await Client.CreateAsync(Root + "/pool", Bytes("{\"size\":2}"));
        Assert.Equal(path + " {\"a\":1,\"size\":2}", await recorder.NextAsync());

        await Client.CreateAsync(Root + "/pool/svc", Bytes("{\"threads\":7}"));
        Assert.Equal(path + " {\"a\":1,\"size\":2,\"threads\":7}", await recorder.NextAsync());
        Assert.Equal(await TruthAsync(path), Show(view));
        // The node, ROOT/svc (missing: exists watch), ROOT (holds "svc ->"), ROOT/pool/svc and ROOT/pool.
        Assert.Equal(5, watcher.WatchCount);

        await Client.SetDataAsync(Root + "/pool/svc", Bytes("{\"threads\":8}"));
        Assert.Equal(path + " {\"a\":1,\"size\":2,\"threads\":8}", await recorder.NextAsync());

        await view.DisposeAsync();
        Assert.Equal(0, watcher.WatchCount);
    }

    [Fact]
    public async Task BadData_AndBadLinks_AreWarnedAbout_AndNeverStopTheView()
    {
        var (factory, logs) = ListLoggerProvider.Create();
        using var _ = factory;
        var path = Root + "/p";
        await Client.CreateAsync(path, Bytes("not json"));
        await using var view = await LiveProperties.StartAsync(Client, path, factory);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveProperties>(Show));
        await recorder.NextAsync();

        Assert.Equal("not json", view.Properties[NodePropertyNames.StringValue]!.GetValue<string>());
        Assert.Contains(logs.Entries, e => e.EventId == 7150 && e.Level == LogLevel.Warning && e.Message.Contains(path, StringComparison.Ordinal));

        await Client.SetDataAsync(path, Bytes("{\"ok\":1,\"threads =>\":\"" + Root + "/missing threads\"}"));
        await recorder.NextAsync();
        Assert.Equal(["ok"], view.Properties.Keys);
        Assert.Contains(logs.Entries, e => e.EventId == 7151 && e.Level == LogLevel.Warning && e.Message.Contains("threads =>", StringComparison.Ordinal));

        await Client.SetDataAsync(path, Bytes("{\"ok\":2}"));
        await recorder.NextAsync();
        Assert.Equal(2, view.Properties["ok"]!.GetValue<int>());
    }

    [Fact]
    public async Task MovedNode_WithLinkAtOldPlace_IsFollowed_AndValueUpdated()
    {
        var old = Root + "/old";
        await Client.CreateAsync(old, Bytes("{\"a\":1}"));
        await using var view = await LiveProperties.StartAsync(Client, old);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveProperties>(Show));
        await recorder.NextAsync();

        var moved = Root + "/elsewhere/new";
        await Client.CreateAsync(Root + "/elsewhere");
        await Client.MultiAsync(
        [
            MultiOperation.Create(moved, Bytes("{\"a\":1,\"b\":2}")),
            MultiOperation.Delete(old),
            MultiOperation.SetData(Root, Bytes("{\"old ->\":\"" + moved + "\"}")),
        ]);

        Assert.Equal(moved + " {\"a\":1,\"b\":2}", await recorder.NextAsync());
        Assert.Equal(old, view.Path);
        Assert.Equal(moved, view.RealPath);

        await Client.SetDataAsync(moved, Bytes("{\"a\":5}"));
        Assert.Equal(moved + " {\"a\":5}", await recorder.NextAsync());
    }

    [Fact]
    public async Task Deleted_WithoutLink_IsMarkedDeleted_ClearedAndSubscribersTold()
    {
        var path = Root + "/p";
        await Client.CreateAsync(path, Bytes("{\"a\":1}"));
        await using var view = await LiveProperties.StartAsync(Client, path);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveProperties>(Show));
        await recorder.NextAsync();

        await Client.DeleteAsync(path);

        Assert.Equal("deleted " + path + " {}", await recorder.NextAsync());
        Assert.True(view.IsDeleted);
        Assert.Empty(view.Properties);
        Assert.Equal(0, Client.WatchCount);
    }

    [Fact]
    public async Task AfterReconnect_WithChangesMeanwhile_EqualsServer()
    {
        await Client.CreateAsync(Root + "/x", Bytes("{\"threads\":3}"));
        var path = Root + "/cms";
        await Client.CreateAsync(path, Bytes("{\"threads =>\":\"" + Root + "/x\",\"a\":1}"));
        var watcher = await ConnectAsync();
        var states = new StateSink(watcher);
        await using var view = await LiveProperties.StartAsync(watcher, path);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveProperties>(Show));
        await recorder.NextAsync();

        watcher.DropConnection();
        await Client.SetDataAsync(path, Bytes("{\"threads =>\":\"" + Root + "/x\",\"a\":2}"));
        await Client.SetDataAsync(Root + "/x", Bytes("{\"threads\":7}"));
        await states.WaitForAsync(ConnectionState.Connected);
        var truth = await TruthAsync(path);
        await recorder.WaitForAsync(v => v == truth);

        Assert.Equal(truth, Show(view));
        Assert.Equal(recorder.All.Count, recorder.All.Distinct().Count());
    }

    [Fact]
    public async Task AfterSessionExpiry_WithChangesMeanwhile_EqualsServer_AndLinkTargetsAreWatchedAgain()
    {
        await Client.CreateAsync(Root + "/x", Bytes("{\"threads\":3}"));
        var path = Root + "/cms";
        await Client.CreateAsync(path, Bytes("{\"threads =>\":\"" + Root + "/x\",\"a\":1}"));
        var watcher = await ConnectAsync();
        var states = new StateSink(watcher);
        await using var view = await LiveProperties.StartAsync(watcher, path);
        var recorder = new ViewRecorder<string>();
        using var subscription = view.Subscribe(recorder.Callback<LiveProperties>(Show));
        await recorder.NextAsync();

        await Expiry.ForceAsync(ConnectionString, watcher);
        await Client.SetDataAsync(path, Bytes("{\"threads =>\":\"" + Root + "/x\",\"a\":2}"));
        await Client.SetDataAsync(Root + "/x", Bytes("{\"threads\":8}"));
        await Expiry.WaitForNewSessionAsync(watcher, s => states.WaitForAsync(s));
        var truth = await TruthAsync(path);
        await recorder.WaitForAsync(v => v == truth);

        await Client.SetDataAsync(Root + "/x", Bytes("{\"threads\":9}"));
        Assert.Equal(await TruthAsync(path), await recorder.NextAsync());
        Assert.Equal(9, view.Properties["threads"]!.GetValue<int>());
        Assert.Equal(recorder.All.Count, recorder.All.Distinct().Count());
    }

    [Fact]
    public async Task DisposeAsync_FromInsideACallback_StopsTheView()
    {
        var path = Root + "/p";
        await Client.CreateAsync(path, Bytes("{\"a\":1}"));
        var watcher = await ConnectAsync();
        var view = await LiveProperties.StartAsync(watcher, path);
        var calls = 0;
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = view.Subscribe(v =>
        {
            calls++;
            _ = v.DisposeAsync().AsTask().ContinueWith(_ => disposed.TrySetResult(), TaskScheduler.Default);
        });

        await disposed.Task.WaitAsync(Timeout);
        await view.DisposeAsync();

        Assert.Equal(1, calls);
        Assert.Equal(0, watcher.WatchCount);
    }
}
