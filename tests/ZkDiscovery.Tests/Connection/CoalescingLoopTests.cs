using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using ZkDiscovery.Connection;

namespace ZkDiscovery.Tests.Connection;

public sealed class CoalescingLoopTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private static readonly AsyncLocal<string?> s_callerValue = new();

    [Fact]
    public async Task Signal_ManyTimesWhileAStepRuns_RunsExactlyOneMorePass()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var passes = new Passes();
        await using var loop = new CoalescingLoop(async _ =>
        {
            var pass = passes.Begin();
            if (pass == 1)
            {
                await gate.Task;
            }
            passes.End();
        });
        loop.Signal();
        loop.Start();
        await passes.WaitForBeginAsync(1);

        for (var i = 0; i < 1000; i++)
        {
            loop.Signal();
        }
        gate.SetResult();
        await passes.WaitForEndAsync(2);

        // The thousand signals were one pass: the next signal runs pass 3, not pass 4.
        loop.Signal();
        await passes.WaitForEndAsync(3);
        Assert.Equal(3, passes.Started);
    }

    [Fact]
    public async Task Signal_BeforeStart_RunsTheFirstPassOnStart()
    {
        var passes = new Passes();
        await using var loop = new CoalescingLoop(_ =>
        {
            passes.Begin();
            passes.End();
            return Task.CompletedTask;
        });
        loop.Signal();
        loop.Signal();
        loop.Start();
        await passes.WaitForEndAsync(1);
        loop.Signal();
        await passes.WaitForEndAsync(2);
        Assert.Equal(2, passes.Started);
    }

    [Fact]
    public async Task SignalInline_LoopParked_RunsThePassOnTheSignallingThreadBeforeReturning()
    {
        var passes = new Passes();
        var ranOn = new ConcurrentQueue<int>();
        await using var loop = new CoalescingLoop(_ =>
        {
            ranOn.Enqueue(Environment.CurrentManagedThreadId);
            passes.Begin();
            passes.End();
            return Task.CompletedTask;
        });
        loop.Signal();
        loop.Start();
        await passes.WaitForEndAsync(1);
        Assert.True(SpinWait.SpinUntil(() => loop.IsParked, s_timeout));

        // From a thread of its own, as the connection's reader thread calls it from a watch callback.
        var (signaller, endedBeforeReturn) = OnThreadOfItsOwn(() =>
        {
            loop.SignalInline();
            return passes.Ended;
        });
        Assert.Equal(2, endedBeforeReturn);
        Assert.Equal(signaller, ranOn.Last());

        // A plain signal never runs the pass on the signaller's thread.
        Assert.True(SpinWait.SpinUntil(() => loop.IsParked, s_timeout));
        var (plainSignaller, _) = OnThreadOfItsOwn(() =>
        {
            loop.Signal();
            return 0;
        });
        await passes.WaitForEndAsync(3);
        Assert.NotEqual(plainSignaller, ranOn.Last());
    }

    [Fact]
    public async Task SignalInline_WhileAStepRuns_OnlyOwesOnePass_AndReturnsAtOnce()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var passes = new Passes();
        await using var loop = new CoalescingLoop(async _ =>
        {
            if (passes.Begin() == 1)
            {
                await gate.Task;
            }
            passes.End();
        });
        loop.Signal();
        loop.Start();
        await passes.WaitForBeginAsync(1);

        // The loop is busy, not parked: the signal only owes a pass, and returns at once.
        var (_, endedBeforeReturn) = OnThreadOfItsOwn(() =>
        {
            loop.SignalInline();
            return passes.Ended;
        });
        Assert.Equal(0, endedBeforeReturn);
        gate.SetResult();
        await passes.WaitForEndAsync(2);
        Assert.Equal(2, passes.Started);
    }

    /// <summary>Runs <paramref name="action"/> on a new thread (not the pool's); returns that thread's id and the result.</summary>
    private static (int ThreadId, int Result) OnThreadOfItsOwn(Func<int> action)
    {
        var threadId = 0;
        var result = 0;
        var thread = new Thread(() =>
        {
            threadId = Environment.CurrentManagedThreadId;
            result = action();
        });
        thread.Start();
        Assert.True(thread.Join(s_timeout));
        return (threadId, result);
    }

    [Fact]
    public async Task Start_Twice_Throws()
    {
        await using var loop = new CoalescingLoop(_ => Task.CompletedTask);
        loop.Start();
        Assert.Throws<InvalidOperationException>(loop.Start);
    }

    [Fact]
    public async Task Debounce_SignalsKeepComing_PassWaitsForAQuietPeriod()
    {
        var time = new ObservedTimeProvider();
        var passes = new Passes();
        await using var loop = new CoalescingLoop(
            _ =>
            {
                passes.Begin();
                passes.End();
                return Task.CompletedTask;
            },
            debounce: TimeSpan.FromMilliseconds(100),
            maxDebounce: TimeSpan.FromSeconds(1),
            time: time);
        loop.Start();

        loop.Signal();
        await time.WaitForTimerAsync(); // First quiet period armed.
        loop.Signal();                  // ... and broken.
        time.Advance(TimeSpan.FromMilliseconds(100));
        await time.WaitForTimerAsync(); // A second quiet period is armed instead of a pass.
        Assert.Equal(0, passes.Started);

        time.Advance(TimeSpan.FromMilliseconds(100));
        await passes.WaitForEndAsync(1);
        Assert.Equal(1, passes.Started);
    }

    [Fact]
    public async Task Debounce_SignalsNeverStop_PassRunsAfterTheMaximum()
    {
        var time = new ObservedTimeProvider();
        var passes = new Passes();
        await using var loop = new CoalescingLoop(
            _ =>
            {
                passes.Begin();
                passes.End();
                return Task.CompletedTask;
            },
            debounce: TimeSpan.FromMilliseconds(100),
            maxDebounce: TimeSpan.FromMilliseconds(500),
            time: time);
        loop.Start();
        loop.Signal();
        for (var period = 1; period <= 5; period++)
        {
            await time.WaitForTimerAsync();
            Assert.Equal(0, passes.Started);
            loop.Signal(); // Never quiet.
            time.Advance(TimeSpan.FromMilliseconds(100));
        }
        await passes.WaitForEndAsync(1);
        Assert.Equal(1, passes.Started);
    }

    [Fact]
    public async Task DisposeAsync_WhileAStepRuns_CancelsItWaitsForItAndRunsNoMore()
    {
        var passes = new Passes();
        var sawCancellation = false;
        var stoppedAfterLastStep = false;
        var loop = new CoalescingLoop(
            async cancellationToken =>
            {
                passes.Begin();
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    sawCancellation = true;
                    throw;
                }
                finally
                {
                    passes.End();
                }
            },
            stopped: () =>
            {
                stoppedAfterLastStep = passes.Ended == 1;
                return Task.CompletedTask;
            });
        loop.Signal();
        loop.Start();
        await passes.WaitForBeginAsync(1);
        loop.Signal(); // Owed, but the loop stops first.

        await loop.DisposeAsync().AsTask().WaitAsync(s_timeout);

        Assert.True(sawCancellation);
        Assert.True(stoppedAfterLastStep);
        Assert.True(loop.Completion.IsCompletedSuccessfully);
        Assert.True(loop.Stopping.IsCancellationRequested);
        loop.Signal(); // Harmless after the end.
        Assert.Equal(1, passes.Started);
    }

    [Fact]
    public async Task DisposeAsync_StepIgnoresCancellation_WaitsForTheStepToReturn()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var passes = new Passes();
        var loop = new CoalescingLoop(async _ =>
        {
            passes.Begin();
            await gate.Task;
            passes.End();
        });
        loop.Signal();
        loop.Start();
        await passes.WaitForBeginAsync(1);

        var disposing = loop.DisposeAsync().AsTask();
        Assert.False(disposing.IsCompleted);
        gate.SetResult();
        await disposing.WaitAsync(s_timeout);

        Assert.Equal(1, passes.Ended);
    }

    [Fact]
    public async Task Stop_FromInsideTheStep_EndsTheLoopAfterThatStep()
    {
        var passes = new Passes();
        CoalescingLoop? self = null;
        var loop = new CoalescingLoop(_ =>
        {
            passes.Begin();
            self!.Stop();
            self.Signal();
            passes.End();
            return Task.CompletedTask;
        });
        self = loop;
        loop.Signal();
        loop.Start();
        await loop.Completion.WaitAsync(s_timeout);
        Assert.Equal(1, passes.Started);
    }

    [Fact]
    public async Task Step_DoesNotSeeTheAsyncLocalsOfWhoStartedOrSignalledIt()
    {
        var observed = new ConcurrentQueue<string?>();
        var passes = new Passes();
        s_callerValue.Value = "starter";
        await using var loop = new CoalescingLoop(_ =>
        {
            observed.Enqueue(s_callerValue.Value);
            passes.Begin();
            passes.End();
            return Task.CompletedTask;
        });
        loop.Start();

        await Task.Run(() =>
        {
            s_callerValue.Value = "signaller";
            loop.Signal();
        });
        await passes.WaitForEndAsync(1);
        using (ExecutionContext.SuppressFlow())
        {
            loop.Signal();
        }
        await passes.WaitForEndAsync(2);

        Assert.Equal([null, null], observed);
        Assert.Equal("starter", s_callerValue.Value); // The caller's own context is untouched.
    }

    [Fact]
    public async Task Step_Throws_IsReportedAndRetriedWithADoublingBackOffThatResetsOnSuccess()
    {
        var time = new FakeTimeProvider();
        var failures = new ConcurrentQueue<(Exception Error, TimeSpan Delay)>();
        using var failed = new SemaphoreSlim(0);
        var passes = new Passes();
        var failuresToThrow = 2;
        await using var loop = new CoalescingLoop(
            _ =>
            {
                var pass = passes.Begin();
                passes.End();
                if (Interlocked.Decrement(ref failuresToThrow) >= 0)
                {
                    throw new InvalidOperationException($"pass {pass}");
                }
                return Task.CompletedTask;
            },
            (ex, delay) =>
            {
                failures.Enqueue((ex, delay));
                failed.Release();
            },
            time: time);
        loop.Signal();
        loop.Start();

        Assert.True(await failed.WaitAsync(s_timeout));
        loop.Signal(); // Folds into the retry: the back-off is not cut short.
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(1, passes.Started);
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(await failed.WaitAsync(s_timeout));
        time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Equal(2, passes.Started);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await passes.WaitForEndAsync(3); // The retry succeeds without any signal.

        failuresToThrow = 1;
        loop.Signal();
        Assert.True(await failed.WaitAsync(s_timeout));

        var reported = failures.ToArray();
        Assert.Equal(["pass 1", "pass 2", "pass 4"], reported.Select(f => f.Error.Message));
        Assert.Equal(
            [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(100)],
            reported.Select(f => f.Delay));
    }

    [Fact]
    public void RetryDelay_Doubles_UpToTheMaximum()
    {
        Assert.Equal(CoalescingLoop.FirstRetryDelay, CoalescingLoop.RetryDelay(1));
        Assert.Equal(CoalescingLoop.FirstRetryDelay * 8, CoalescingLoop.RetryDelay(4));
        Assert.Equal(CoalescingLoop.MaxRetryDelay, CoalescingLoop.RetryDelay(12));
        Assert.Equal(CoalescingLoop.MaxRetryDelay, CoalescingLoop.RetryDelay(int.MaxValue));
    }

    /// <summary>Counts passes begun and ended, and lets a test await a count.</summary>
    private sealed class Passes
    {
        private readonly object _lock = new();
        private readonly List<(int Count, bool End, TaskCompletionSource Done)> _waiters = [];
        private int _started;
        private int _ended;

        public int Started => Volatile.Read(ref _started);

        public int Ended => Volatile.Read(ref _ended);

        public int Begin()
        {
            var pass = Interlocked.Increment(ref _started);
            Release();
            return pass;
        }

        public void End()
        {
            Interlocked.Increment(ref _ended);
            Release();
        }

        public Task WaitForBeginAsync(int count) => WaitAsync(count, end: false);

        public Task WaitForEndAsync(int count) => WaitAsync(count, end: true);

        private Task WaitAsync(int count, bool end)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                _waiters.Add((count, end, done));
            }
            Release();
            return done.Task.WaitAsync(s_timeout);
        }

        private void Release()
        {
            lock (_lock)
            {
                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    var (count, end, done) = _waiters[i];
                    if ((end ? Ended : Started) >= count)
                    {
                        _waiters.RemoveAt(i);
                        done.TrySetResult();
                    }
                }
            }
        }
    }

    /// <summary>A fake clock that tells when a timer is armed, so a test advances it only once the loop waits on it.</summary>
    private sealed class ObservedTimeProvider : FakeTimeProvider
    {
        private readonly Channel<bool> _timers = Channel.CreateUnbounded<bool>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            _timers.Writer.TryWrite(true);
            return timer;
        }

        public async Task WaitForTimerAsync() => await _timers.Reader.ReadAsync().AsTask().WaitAsync(s_timeout);
    }
}
