using Microsoft.Extensions.Logging.Abstractions;
using ZkDiscovery.Connection;

namespace ZkDiscovery.Tests.Connection;

/// <summary>
/// Watch callbacks run one at a time in order, on the pool or on the reader thread that read them; a callback that
/// holds the reader thread up makes the dispatcher tell the thread's owner, which hands its reading over.
/// </summary>
public class EventDispatcherTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    private static EventDispatcher NewDispatcher() => new(NullLogger.Instance);

    private static WatchedEvent Event(int i) => new(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, "/n" + i);

    [Fact]
    public async Task ScheduledEvents_RunInOrder_OffTheCallersThread()
    {
        var dispatcher = NewDispatcher();
        var caller = Environment.CurrentManagedThreadId;
        var seen = new List<string>();
        var done = new TaskCompletionSource();
        var onCaller = false;
        for (var i = 0; i < 200; i++)
        {
            var last = i == 199;
            dispatcher.Enqueue(e =>
            {
                seen.Add(e.Path!);
                onCaller |= Environment.CurrentManagedThreadId == caller;
                if (last)
                {
                    done.SetResult();
                }
            }, Event(i));
        }

        await done.Task.WaitAsync(s_timeout);

        Assert.Equal(Enumerable.Range(0, 200).Select(i => "/n" + i), seen);
        Assert.False(onCaller);
        await dispatcher.CompleteAsync(s_timeout);
    }

    [Fact]
    public async Task DispatchInline_RunsTheEventsQueuedForIt_OnTheCallingThread()
    {
        var dispatcher = NewDispatcher();
        var caller = Environment.CurrentManagedThreadId;
        var threads = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            dispatcher.Enqueue(_ => threads.Add(Environment.CurrentManagedThreadId), Event(i), schedule: false);
        }

        dispatcher.DispatchInline(new Owner(() => { }));

        Assert.Equal(Enumerable.Repeat(caller, 10), threads);
        Assert.True(dispatcher.IsEmpty);
        await dispatcher.CompleteAsync(s_timeout);
    }

    [Fact]
    public async Task DispatchInline_WatcherThatBlocks_TellsTheOwner()
    {
        var dispatcher = NewDispatcher();
        using var release = new ManualResetEventSlim();
        var owner = new Owner(release.Set);
        dispatcher.Enqueue(_ => release.Wait(s_timeout), Event(0), schedule: false);

        var dispatching = Task.Factory.StartNew(() => dispatcher.DispatchInline(owner), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        await dispatching.WaitAsync(s_timeout);
        Assert.Equal(1, owner.Stalls);
        await dispatcher.CompleteAsync(s_timeout);
    }

    [Fact]
    public async Task CompleteAsync_WaitsForTheQueuedEvents_AndLaterOnesAreDropped()
    {
        var dispatcher = NewDispatcher();
        var ran = 0;
        for (var i = 0; i < 50; i++)
        {
            dispatcher.Enqueue(_ => Interlocked.Increment(ref ran), Event(i));
        }

        await dispatcher.CompleteAsync(s_timeout);
        dispatcher.Enqueue(_ => Interlocked.Increment(ref ran), Event(99));

        Assert.Equal(50, Volatile.Read(ref ran));
        Assert.True(dispatcher.IsEmpty);
    }

    [Fact]
    public async Task AThrowingWatcher_DoesNotStopTheOnesAfterIt()
    {
        var dispatcher = NewDispatcher();
        var after = new TaskCompletionSource();
        dispatcher.Enqueue(_ => throw new InvalidOperationException("boom"), Event(0));
        dispatcher.Enqueue(_ => after.SetResult(), Event(1));

        await after.Task.WaitAsync(s_timeout);
        await dispatcher.CompleteAsync(s_timeout);
    }

    private sealed class Owner(Action onStalled) : ICompletionPublisherOwner
    {
        private int _stalls;

        public int Stalls => Volatile.Read(ref _stalls);

        public void OnPublisherStalled()
        {
            Interlocked.Increment(ref _stalls);
            onStalled();
        }
    }
}
