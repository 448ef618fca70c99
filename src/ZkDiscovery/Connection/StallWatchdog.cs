using System.Diagnostics;

namespace ZkDiscovery.Connection;

/// <summary>
/// Something whose progress the <see cref="StallWatchdog"/> watches while it is busy: a completion queue's publisher,
/// or the dispatcher while it runs callbacks.
/// </summary>
internal abstract class StallWatched
{
    private int _watched;

    /// <summary>How long <see cref="Progress"/> may stand still while busy before <see cref="OnStalled"/> is called.</summary>
    public abstract TimeSpan StallThreshold { get; }

    /// <summary>A count that moves whenever the work moves on.</summary>
    public abstract long Progress { get; }

    /// <summary>True when nothing is in progress: nothing to guard.</summary>
    public abstract bool IsIdle { get; }

    /// <summary>
    /// Called on the watchdog's thread when <see cref="Progress"/> stood still for <see cref="StallThreshold"/> while
    /// busy, and again after every further threshold while it stays so. Must not block or run user code inline.
    /// </summary>
    public abstract void OnStalled();

    /// <summary>Has the watchdog guard this from now until it is idle (cheap when it already does).</summary>
    protected void Watch()
    {
        if (Volatile.Read(ref _watched) == 0)
        {
            StallWatchdog.Watch(this);
        }
    }

    internal bool TryMarkWatched() => Interlocked.Exchange(ref _watched, 1) == 0;

    internal void ClearWatched() => Volatile.Write(ref _watched, 0);
}

/// <summary>
/// One thread per process that checks, every <see cref="Tick"/>, that the busy <see cref="StallWatched"/> objects move
/// on. It replaces a timer per object: a timer's callback wakes a thread-pool worker, which spins before it sleeps,
/// and with events a few milliseconds apart the timers never rested (in W7 they were a third of the CPU per change).
/// The thread parks when nothing has been busy for a while and is woken by the next object that gets busy.
/// </summary>
internal static class StallWatchdog
{
    /// <summary>How often the busy objects are checked.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);

    // How long the thread keeps ticking with nothing to watch before it parks (a park costs a wake-up on the next event).
    private static readonly long s_lingerTicks = Stopwatch.Frequency / 10;

    // A tick this much later than due means the watchdog itself was held up (a garbage collection suspends every managed
    // thread; a starved CPU delays every thread): what it watches could not move meanwhile either.
    private static readonly long s_lateTicks = 2 * Tick.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;

    private static readonly object s_lock = new();
    private static readonly List<Entry> s_entries = [];
    private static readonly AutoResetEvent s_wake = new(false);
    private static Thread? s_thread;
    private static bool s_parked;

    /// <summary>Starts watching <paramref name="item"/> (called through <see cref="StallWatched.Watch"/>).</summary>
    public static void Watch(StallWatched item)
    {
        if (item.StallThreshold == Timeout.InfiniteTimeSpan || !item.TryMarkWatched())
        {
            return;
        }
        lock (s_lock)
        {
            s_entries.Add(new Entry(item));
            if (s_thread is null)
            {
                s_thread = new Thread(Run) { IsBackground = true, Name = "ZooKeeper watchdog" };
                // Without the ExecutionContext of whoever got busy first.
                s_thread.UnsafeStart();
            }
            else if (s_parked)
            {
                s_parked = false;
                s_wake.Set();
            }
        }
    }

    private static void Run()
    {
        var lastBusy = Stopwatch.GetTimestamp();
        var lastTick = lastBusy;
        List<StallWatched> stalled = [];
        while (true)
        {
            s_wake.WaitOne(Tick);
            var now = Stopwatch.GetTimestamp();
            // After a pause of the whole process, the time it lasted is not held against anyone: each busy object gets a
            // full threshold from now, so only a stall that outlasts the pause (seen on ticks that come on time) counts.
            var paused = now - lastTick > s_lateTicks;
            lastTick = now;
            lock (s_lock)
            {
                for (var i = s_entries.Count - 1; i >= 0; i--)
                {
                    var entry = s_entries[i];
                    var item = entry.Item;
                    if (item.IsIdle)
                    {
                        item.ClearWatched();
                        // It may have got busy again before the mark was cleared, without adding itself: keep it then
                        // (exactly one of the two sets the mark again).
                        if (item.IsIdle || !item.TryMarkWatched())
                        {
                            s_entries.RemoveAt(i);
                        }
                        continue;
                    }
                    var progress = item.Progress;
                    if (progress != entry.Progress || paused)
                    {
                        entry.Progress = progress;
                        entry.Since = now;
                    }
                    else if (Stopwatch.GetElapsedTime(entry.Since, now) >= item.StallThreshold)
                    {
                        stalled.Add(item);
                        entry.Since = now;
                    }
                }
                if (s_entries.Count > 0)
                {
                    lastBusy = now;
                }
                else if (now - lastBusy > s_lingerTicks)
                {
                    s_parked = true;
                }
            }
            foreach (var item in stalled)
            {
                try
                {
                    item.OnStalled();
                }
#pragma warning disable CA1031 // One object's stall handling must not stop the watchdog of every other session.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
            stalled.Clear();
            if (Volatile.Read(ref s_parked))
            {
                s_wake.WaitOne();
                lastBusy = Stopwatch.GetTimestamp();
                lastTick = lastBusy;
            }
        }
    }

    private sealed class Entry(StallWatched item)
    {
        public StallWatched Item { get; } = item;

        public long Progress { get; set; } = -1;

        public long Since { get; set; } = Stopwatch.GetTimestamp();
    }
}
