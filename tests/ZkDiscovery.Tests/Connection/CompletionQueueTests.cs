using Microsoft.Extensions.Logging.Abstractions;
using ZkDiscovery.Connection;
using ZkDiscovery.Protocol;

namespace ZkDiscovery.Tests.Connection;

/// <summary>
/// The completion queue publishes request outcomes off the caller's thread, in order, and does not let one blocked
/// continuation hold up the others (the case <c>await a; b.Wait();</c> with both replies read at once).
/// </summary>
public class CompletionQueueTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task PublishesInTheOrderAdded_WhenContinuationsReturnQuickly()
    {
        // Watchdog off: ordering only holds while no continuation stalls, and a loaded test machine may pause a thread.
        var queue = new CompletionQueue(Timeout.InfiniteTimeSpan);
        var requests = Enumerable.Range(0, 1000).Select(i => new TestRequest(i)).ToArray();
        var order = new List<int>();
        var continuations = requests.Select(r => r.Task.ContinueWith(t => order.Add(t.Result), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)).ToArray();

        foreach (var request in requests)
        {
            request.SetOutcome(queue);
        }
        queue.Flush();
        await Task.WhenAll(continuations).WaitAsync(s_timeout);

        Assert.Equal(Enumerable.Range(0, 1000), order);
    }

    [Fact]
    public async Task Post_ReturnsBeforeTheContinuationRuns()
    {
        var queue = new CompletionQueue();
        using var posted = new ManualResetEventSlim();
        var request = new TestRequest(1) { Completions = queue };
        var continuation = request.Task.ContinueWith(_ => posted.Wait(s_timeout), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        request.Fail(new InvalidOperationException("boom"));
        posted.Set();

        Assert.True(await continuation.WaitAsync(s_timeout), "The continuation ran on the thread that failed the request.");
        Assert.Equal("boom", (await Assert.ThrowsAsync<InvalidOperationException>(() => request.Task)).Message);
    }

    [Fact]
    public async Task ContinuationBlockedOnALaterRequestOfTheSameBatch_DoesNotDeadlock()
    {
        var queue = new CompletionQueue(TimeSpan.FromMilliseconds(5));
        var first = new TestRequest(1);
        var later = Enumerable.Range(2, 50).Select(i => new TestRequest(i)).ToArray();
        // a.ContinueWith(_ => b.Wait()): b is published after a, by the same publisher unless the watchdog steps in.
        var blocked = first.Task.ContinueWith(_ => later[^1].Task.Wait(s_timeout), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        first.SetOutcome(queue);
        foreach (var request in later)
        {
            request.SetOutcome(queue);
        }
        queue.Flush();

        Assert.True(await blocked.WaitAsync(s_timeout), "The later request was never published while the first one's continuation waited for it.");
        Assert.All(later, r => Assert.True(r.Task.IsCompletedSuccessfully));
    }

    [Fact]
    public async Task RequestsAddedWhileAContinuationBlocks_ArePublishedToo()
    {
        var queue = new CompletionQueue(TimeSpan.FromMilliseconds(5));
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var slow = new TestRequest(0);
        var slowDone = slow.Task.ContinueWith(_ =>
        {
            entered.Set();
            return release.Wait(s_timeout);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        slow.SetOutcome(queue);
        queue.Flush();
        Assert.True(entered.Wait(s_timeout));

        // The publisher is stuck in the slow continuation; these arrive afterwards, one flush each.
        var later = Enumerable.Range(1, 20).Select(i => new TestRequest(i)).ToArray();
        foreach (var request in later)
        {
            request.SetOutcome(queue);
            queue.Flush();
        }

        await Task.WhenAll(later.Select(r => r.Task)).WaitAsync(s_timeout);
        release.Set();
        Assert.True(await slowDone.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task WatchdogPublishing_DoesNotCarryTheAsyncLocalsOfTheCodeThatCreatedTheQueue()
    {
        // The client is created under the app's ambient state (a log scope, Activity.Current); its loops are not.
        var ambient = new AsyncLocal<string?> { Value = "creator" };
        var queue = new CompletionQueue(TimeSpan.FromMilliseconds(5));
        ambient.Value = null;
        using var release = new ManualResetEventSlim();
        var slow = new TestRequest(0);
        var slowDone = slow.Task.ContinueWith(_ => release.Wait(s_timeout), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var later = new TestRequest(1);
        Task<string?> seen;
        using (ExecutionContext.SuppressFlow())
        {
            // As a loop started without an ExecutionContext awaits: its continuation runs in whatever context publishes it.
            seen = later.Task.ContinueWith(_ => ambient.Value, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        slow.SetOutcome(queue);
        later.SetOutcome(queue);
        queue.Flush();

        // The publisher is stuck in the slow continuation: the watchdog publishes the later request.
        Assert.Null(await seen.WaitAsync(s_timeout));
        release.Set();
        Assert.True(await slowDone.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task ConcurrentPosts_EveryRequestIsPublishedOnce()
    {
        var queue = new CompletionQueue();
        const int Threads = 8;
        const int PerThread = 5000;
        var published = 0;
        var requests = Enumerable.Range(0, Threads * PerThread).Select(i => new TestRequest(i) { Completions = queue }).ToArray();
        var continuations = requests.Select(r => r.Task.ContinueWith(_ => Interlocked.Increment(ref published), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)).ToArray();

        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            for (var i = t * PerThread; i < (t + 1) * PerThread; i++)
            {
                requests[i].Fail(new InvalidOperationException("x"));
            }
        })));
        await Task.WhenAll(continuations).WaitAsync(s_timeout);

        Assert.Equal(Threads * PerThread, Volatile.Read(ref published));
        Assert.All(requests, r => Assert.True(r.Task.IsFaulted));
    }

    [Fact]
    public async Task SecondOutcome_IsIgnored()
    {
        var queue = new CompletionQueue();
        var request = new TestRequest(7) { Completions = queue };
        request.SetOutcome(queue);
        queue.Flush();

        request.Fail(new InvalidOperationException("late"));

        Assert.Equal(7, await request.Task.WaitAsync(s_timeout));
        Assert.True(request.IsCompleted);
    }

    [Fact]
    public void PublishInline_RunsTheContinuationsOnTheCallingThread_InOrder()
    {
        var queue = new CompletionQueue(Timeout.InfiniteTimeSpan);
        var requests = Enumerable.Range(0, 100).Select(i => new TestRequest(i)).ToArray();
        var caller = Environment.CurrentManagedThreadId;
        var seen = new List<(int Value, int Thread)>();
        foreach (var request in requests)
        {
            request.Task.ContinueWith(t => seen.Add((t.Result, Environment.CurrentManagedThreadId)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            request.SetOutcome(queue);
        }

        queue.PublishInline(null);

        Assert.Equal(Enumerable.Range(0, 100), seen.Select(s => s.Value));
        Assert.All(seen, s => Assert.Equal(caller, s.Thread));
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public async Task PublishInline_ContinuationThatStalls_TellsTheOwner_WhichCanFetchTheReplyItWaitsFor()
    {
        var queue = new CompletionQueue(TimeSpan.FromMilliseconds(5));
        var first = new TestRequest(1);
        var second = new TestRequest(2);
        var owner = new Owner(() =>
        {
            // As the reader thread's hand-over: another loop reads the reply the stalled continuation waits for.
            second.SetOutcome(queue);
            queue.Flush();
        });
        var blocked = first.Task.ContinueWith(_ => second.Task.Wait(s_timeout), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        first.SetOutcome(queue);

        var publishing = Task.Factory.StartNew(() => queue.PublishInline(owner), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        Assert.True(await blocked.WaitAsync(s_timeout), "The owner was not told that publishing stalled.");
        await publishing.WaitAsync(s_timeout);
        Assert.Equal(1, owner.Stalls);
    }

    [Fact]
    public void PublishInline_QuickContinuations_NeverTellTheOwner()
    {
        var queue = new CompletionQueue(TimeSpan.FromMilliseconds(5));
        var owner = new Owner(() => { });
        for (var round = 0; round < 50; round++)
        {
            var request = new TestRequest(round);
            request.SetOutcome(queue);
            queue.PublishInline(owner);
            Assert.True(request.Task.IsCompletedSuccessfully);
        }
        Assert.Equal(0, owner.Stalls);
    }

    [Fact]
    public void TryDeferWake_OnlyInsideThePublisher_AndTheWakeComesAfterTheBatch()
    {
        var queue = new CompletionQueue(Timeout.InfiniteTimeSpan);
        var signal = new WriterSignal();
        Assert.False(queue.TryDeferWake(signal));

        signal.Arm();
        var wait = signal.WaitAsync();
        var order = new List<string>();
        var woken = wait.AsTask().ContinueWith(_ => order.Add("writer"), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var a = new TestRequest(1);
        var b = new TestRequest(2);
        a.Task.ContinueWith(_ =>
        {
            Assert.True(queue.TryDeferWake(signal));
            order.Add("a");
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        b.Task.ContinueWith(_ => order.Add("b"), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        a.SetOutcome(queue);
        b.SetOutcome(queue);

        queue.PublishInline(null);

        Assert.Equal(["a", "b", "writer"], order);
        Assert.True(woken.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task AReply_WaitsForTheEventsReadBeforeIt_WhileTheyRunOnAnotherThread()
    {
        // The asynchronous reader's race: a pool dispatcher is in a callback while the reader reads an event and then a
        // reply, and publishes. Watchdog off: a loaded machine may pause the callback for longer than the threshold.
        var events = new EventDispatcher(NullLogger.Instance, Timeout.InfiniteTimeSpan);
        var queue = new CompletionQueue(Timeout.InfiniteTimeSpan, events);
        var order = new List<string>();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        events.Enqueue(_ =>
        {
            entered.Set();
            release.Wait(s_timeout);
            lock (order)
            {
                order.Add("first event");
            }
        }, Event("/a"));
        Assert.True(entered.Wait(s_timeout));

        events.Enqueue(_ =>
        {
            lock (order)
            {
                order.Add("second event");
            }
        }, Event("/b"), schedule: false);
        var reply = new TestRequest(1);
        var replied = reply.Task.ContinueWith(_ =>
        {
            lock (order)
            {
                order.Add("reply");
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        reply.SetOutcome(queue);
        events.DispatchInline(new Owner(() => { }));
        queue.PublishInline(null);

        Assert.False(reply.Task.IsCompleted, "The reply was published before the events read ahead of it ran.");
        release.Set();
        await replied.WaitAsync(s_timeout);
        Assert.Equal(["first event", "second event", "reply"], order);
        await events.CompleteAsync(s_timeout);
    }

    [Fact]
    public async Task AFailure_WaitsForNoEvent()
    {
        var events = new EventDispatcher(NullLogger.Instance, Timeout.InfiniteTimeSpan);
        var queue = new CompletionQueue(Timeout.InfiniteTimeSpan, events);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        events.Enqueue(_ =>
        {
            entered.Set();
            release.Wait(s_timeout);
        }, Event("/a"));
        Assert.True(entered.Wait(s_timeout));
        var request = new TestRequest(1) { Completions = queue };

        request.Fail(new InvalidOperationException("cancelled"));

        Assert.Equal("cancelled", (await Assert.ThrowsAsync<InvalidOperationException>(() => request.Task.WaitAsync(s_timeout))).Message);
        release.Set();
        await events.CompleteAsync(s_timeout);
    }

    [Fact]
    public async Task AWatcherThatWaitsForAReplyReadAfterIt_GetsIt_OnceItHeldDispatchingUp()
    {
        var events = new EventDispatcher(NullLogger.Instance, TimeSpan.FromMilliseconds(5));
        var queue = new CompletionQueue(TimeSpan.FromMilliseconds(5), events);
        var reply = new TestRequest(42);
        var waited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        events.Enqueue(_ => waited.SetResult(reply.Task.Wait(s_timeout) ? reply.Task.Result : -1), Event("/a"), schedule: false);
        reply.SetOutcome(queue);

        // As the reader thread does: the events, then the replies.
        var reading = Task.Factory.StartNew(() =>
        {
            events.DispatchInline(new Owner(queue.Flush));
            queue.PublishInline(null);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        Assert.Equal(42, await waited.Task.WaitAsync(s_timeout));
        await reading.WaitAsync(s_timeout);
        await events.CompleteAsync(s_timeout);
    }

    [Fact]
    public async Task RepliesAndEvents_FromManyReads_AreSeenInTheOrderRead()
    {
        // Reads on one thread, events dispatched and replies published wherever the flushes land: every reply's
        // continuation must find every event read before it dispatched.
        var events = new EventDispatcher(NullLogger.Instance, Timeout.InfiniteTimeSpan);
        var queue = new CompletionQueue(Timeout.InfiniteTimeSpan, events);
        var dispatched = 0;
        var violations = 0;
        var replies = new List<Task>();
        var owner = new Owner(() => { });
        for (var i = 1; i <= 2000; i++)
        {
            events.Enqueue(_ => Interlocked.Increment(ref dispatched), Event("/n"), schedule: i % 3 == 0);
            var expected = i;
            var reply = new TestRequest(i);
            replies.Add(reply.Task.ContinueWith(_ =>
            {
                if (Volatile.Read(ref dispatched) < expected)
                {
                    Interlocked.Increment(ref violations);
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
            reply.SetOutcome(queue);
            if (i % 2 == 0)
            {
                _ = Task.Run(() =>
                {
                    events.DispatchInline(owner);
                    queue.PublishInline(null);
                });
            }
            else
            {
                queue.Flush();
            }
        }
        events.Flush();

        await Task.WhenAll(replies).WaitAsync(s_timeout);
        Assert.Equal(0, Volatile.Read(ref violations));
        await events.CompleteAsync(s_timeout);
    }

    private static WatchedEvent Event(string path) => new(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, path);

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

    /// <summary>A request whose "reply" is its number; the outcome is set as the read loop would set it.</summary>
    private sealed class TestRequest(int value) : Request<int>(OpCode.Exists, "/test")
    {
        public void SetOutcome(CompletionQueue queue)
        {
            Resolve(value);
            queue.Add(this);
        }

        public override void WriteBody(JuteWriter writer, RequestContext context)
        {
        }

        protected override int ReadResult(ref JuteReader body, RequestContext context) => value;
    }
}
