using ZkDiscovery.Connection;

namespace ZkDiscovery.Tests.Client;

public class WatchManagerTests
{
    private static readonly Action<WatchedEvent> s_a = _ => { };
    private static readonly Action<WatchedEvent> s_b = _ => { };

    [Fact]
    public void NodeDeleted_FiresDataExistAndChildWatchersOnce_AndRemovesThem()
    {
        var watches = new WatchManager();
        watches.AddData("/p", s_a);
        watches.AddChild("/p", s_a);
        watches.AddChild("/p", s_b);
        var fired = new List<Action<WatchedEvent>>();

        watches.Materialize(WatchEventType.NodeDeleted, "/p", fired);

        Assert.Equal(2, fired.Count);
        Assert.Contains(s_a, fired);
        Assert.Contains(s_b, fired);
        Assert.Equal(0, watches.Count);
    }

    [Fact]
    public void DataChanged_LeavesChildWatches()
    {
        var watches = new WatchManager();
        watches.AddData("/p", s_a);
        watches.AddChild("/p", s_b);
        var fired = new List<Action<WatchedEvent>>();

        watches.Materialize(WatchEventType.NodeDataChanged, "/p", fired);

        Assert.Equal([s_a], fired);
        Assert.True(watches.Contains("/p", s_b, WatcherType.Children));
    }

    [Fact]
    public void PersistentRecursive_FiresForDescendants_ButNeverForChildrenChanged_AndStays()
    {
        var watches = new WatchManager();
        watches.AddPersistent("/app", s_a, AddWatchMode.PersistentRecursive);
        var fired = new List<Action<WatchedEvent>>();

        watches.Materialize(WatchEventType.NodeCreated, "/app/a/b/c", fired);
        Assert.Equal([s_a], fired);

        fired.Clear();
        watches.Materialize(WatchEventType.NodeChildrenChanged, "/app", fired);
        Assert.Empty(fired);
        Assert.Equal(1, watches.Count);
    }

    [Fact]
    public void Persistent_FiresForThePathOnly()
    {
        var watches = new WatchManager();
        watches.AddPersistent("/app", s_a, AddWatchMode.Persistent);
        var fired = new List<Action<WatchedEvent>>();

        watches.Materialize(WatchEventType.NodeChildrenChanged, "/app", fired);
        watches.Materialize(WatchEventType.NodeCreated, "/app/x", fired);

        Assert.Equal([s_a], fired);
    }

    [Fact]
    public void Clear_ReturnsEachPathWatcherPairOnce()
    {
        var watches = new WatchManager();
        watches.AddData("/p", s_a);
        watches.AddExist("/q", s_a);
        watches.AddChild("/p", s_a);

        var lost = watches.Clear();

        Assert.Equal(2, lost.Count);
        Assert.Equal(0, watches.Count);
    }

    [Fact]
    public void Remove_OneWatcher_LeavesTheOthers()
    {
        var watches = new WatchManager();
        watches.AddData("/p", s_a);
        watches.AddData("/p", s_b);
        var removed = new List<(Action<WatchedEvent>, WatchEventType)>();

        Assert.True(watches.ContainsOther("/p", s_a, WatcherType.Data));
        Assert.True(watches.Remove("/p", s_a, WatcherType.Data, removed));

        Assert.Equal([(s_a, WatchEventType.DataWatchRemoved)], removed);
        Assert.False(watches.ContainsOther("/p", s_b, WatcherType.Data));
        Assert.True(watches.Contains("/p", s_b, WatcherType.Data));
    }
}
