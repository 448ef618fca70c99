using ZkDiscovery.Connection;

namespace ZkDiscovery.Tests.Connection;

/// <summary>The process's watchdog tells a busy object that stands still, leaves one that moves on alone, and forgets idle ones.</summary>
public class StallWatchdogTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task BusyAndStandingStill_IsToldWithinAboutTheThreshold_AndAgainWhileItLasts()
    {
        var item = new FakeWatched(TimeSpan.FromMilliseconds(20)) { Busy = true };

        item.StartWatching();

        await item.WaitForStallsAsync(2).WaitAsync(s_timeout);
        item.Busy = false;
    }

    [Fact]
    public async Task BusyAndMovingOn_IsNeverTold()
    {
        // The threshold is long against any scheduling delay of the thread that moves it on, which runs meanwhile.
        var item = new FakeWatched(TimeSpan.FromMilliseconds(500)) { Busy = true };
        item.StartWatching();
        var standingStill = new FakeWatched(TimeSpan.FromMilliseconds(20)) { Busy = true };
        standingStill.StartWatching();
        using var stop = new CancellationTokenSource();
        var mover = Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                item.MoveOn();
                Thread.Sleep(1);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // As long as the other item needs to be told five times (about five of its thresholds, well under one of this one's).
        await standingStill.WaitForStallsAsync(5).WaitAsync(s_timeout);
        await stop.CancelAsync();
        await mover;

        Assert.Equal(0, item.Stalls);
        item.Busy = standingStill.Busy = false;
    }

    [Fact]
    public async Task Idle_IsForgotten_AndWatchedAgainWhenBusyAgain()
    {
        var item = new FakeWatched(TimeSpan.FromMilliseconds(20)) { Busy = true };
        item.StartWatching();
        await item.WaitForStallsAsync(1).WaitAsync(s_timeout);

        item.Busy = false;
        await item.WaitUntilForgottenAsync().WaitAsync(s_timeout);
        var stalls = item.Stalls;
        item.Busy = true;
        item.StartWatching();

        await item.WaitForStallsAsync(stalls + 1).WaitAsync(s_timeout);
        item.Busy = false;
    }

    private sealed class FakeWatched(TimeSpan threshold) : StallWatched
    {
        private readonly object _lock = new();
        private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
        private long _progress;
        private int _stalls;
        private volatile bool _busy;

        public bool Busy { get => _busy; set => _busy = value; }

        public int Stalls => Volatile.Read(ref _stalls);

        public override TimeSpan StallThreshold => threshold;

        public override long Progress => Interlocked.Read(ref _progress);

        public override bool IsIdle
        {
            get
            {
                var idle = !_busy;
                if (idle)
                {
                    Forgotten.TrySetResult();
                }
                return idle;
            }
        }

        private TaskCompletionSource Forgotten { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void StartWatching()
        {
            Forgotten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Watch();
        }

        public void MoveOn() => Interlocked.Increment(ref _progress);

        /// <summary>Completes once the watchdog has seen the item idle (it drops it then).</summary>
        public Task WaitUntilForgottenAsync() => Forgotten.Task;

        public Task WaitForStallsAsync(int count)
        {
            lock (_lock)
            {
                if (_stalls >= count)
                {
                    return Task.CompletedTask;
                }
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, done));
                return done.Task;
            }
        }

        public override void OnStalled()
        {
            lock (_lock)
            {
                _stalls++;
                foreach (var (count, done) in _waiters)
                {
                    if (_stalls >= count)
                    {
                        done.TrySetResult();
                    }
                }
            }
        }
    }
}
