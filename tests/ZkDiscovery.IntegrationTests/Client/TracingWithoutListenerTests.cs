using System.Collections.Concurrent;
using System.Diagnostics;
using ZkDiscovery.Diagnostics;

namespace ZkDiscovery.IntegrationTests.Client;

/// <summary>Run alone: the other tests attach OpenTelemetry listeners to the ZkDiscovery sources.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingWithoutListenerGroup
{
    public const string Name = "Tracing without listeners";
}

/// <summary>No span, and no Activity of any kind, when nobody listens to the ZkDiscovery sources or samples them out.</summary>
[Collection(TracingWithoutListenerGroup.Name)]
public sealed class TracingWithoutListenerTests : ClientTestBase
{
    private async Task RunRequestsAsync(EventSink events)
    {
        await Client.CreateAsync(Root + "/a", Bytes("x"));
        await Client.GetDataAsync(Root + "/a", events.Watcher);
        await Assert.ThrowsAsync<NoNodeException>(() => Client.GetDataAsync(Root + "/missing"));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Client.ExistsAsync(Root + "/a")));
        await Client.SetDataAsync(Root + "/a", Bytes("y"));
        await events.NextAsync();
    }

    [Fact]
    public async Task Requests_WhenNobodyListensToZkDiscovery_CreateNoActivity()
    {
        // A listener to every other source, the one of Activities started without a source included: any Activity
        // the client created by some other means would show up here.
        var started = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => !ZooKeeperTelemetry.ActivitySourceNames.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = started.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var caller = new Activity("caller").Start();

        Assert.False(ZooKeeperActivitySource.Source.HasListeners());
        await RunRequestsAsync(new EventSink());

        Assert.Same(caller, Assert.Single(started));
        Assert.Same(caller, Activity.Current);
    }

    [Fact]
    public async Task Requests_WhenTheListenerSamplesThemOut_CreateNoActivity()
    {
        var started = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ZooKeeperTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.None,
            ActivityStarted = _ => Interlocked.Increment(ref started),
        };
        ActivitySource.AddActivityListener(listener);

        Assert.True(ZooKeeperActivitySource.Source.HasListeners());
        await RunRequestsAsync(new EventSink());

        Assert.Equal(0, Volatile.Read(ref started));
        Assert.Null(Activity.Current);
    }
}
