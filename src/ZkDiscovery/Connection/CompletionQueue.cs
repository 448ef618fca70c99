using System.Collections.Concurrent;

namespace ZkDiscovery.Connection;

/// <summary>
/// Delivers the outcomes of a session's requests to their callers: the read loop (and every path that fails
/// requests) adds requests whose outcome is set, and one thread-pool work item at a time publishes them in order,
/// running each task's continuations inline. A burst of replies read from the socket at once thus costs one
/// thread-pool dispatch instead of one per reply, which is most of a pipelining client's CPU on a small machine.
/// </summary>
/// <remarks>
/// Continuations run one at a time in reply order, so one that blocks would hold up the ones after it, including
/// one it may be waiting for (<c>await a; b.Wait();</c> with both replies in the same read). A watchdog guards
/// against that: while work is queued, it checks every <see cref="DefaultStallThreshold"/> (5 ms) that publishing moved on, and
/// when it did not, it publishes the queued requests itself (and keeps doing so at every check while the stall
/// lasts). A stalled or slow continuation therefore delays the others by at most about that threshold, after which
/// they run alongside it, as with per-request thread-pool continuations. Nothing runs on the socket's read loop.
/// </remarks>
internal sealed class CompletionQueue : IThreadPoolWorkItem
{
    /// <summary>How long publishing may stand still, by default, before the watchdog publishes the queued requests itself.</summary>
    public static readonly TimeSpan DefaultStallThreshold = TimeSpan.FromMilliseconds(5);

    private readonly ConcurrentQueue<IRequest> _queue = new();
    private readonly object _watchdogLock = new();
    private readonly ITimer _watchdog;
    private readonly TimeSpan _stallThreshold;
    private int _scheduled;
    private long _published;
    private long _publishedAtLastCheck = -1;
    private bool _watchdogArmed;

    /// <param name="stallThreshold">How long publishing may stand still before the watchdog steps in; infinite turns the watchdog off (tests only).</param>
    public CompletionQueue(TimeSpan? stallThreshold = null)
    {
        _stallThreshold = stallThreshold ?? DefaultStallThreshold;
        // Real time, not the session's TimeProvider: a test clock that stands still must not stall the callers.
        // Created without the ExecutionContext of the code that creates the client: continuations of loops started
        // without one run inline where the watchdog publishes, and must not see that code's AsyncLocals (Activity).
        if (ExecutionContext.IsFlowSuppressed())
        {
            _watchdog = CreateWatchdog();
        }
        else
        {
            using (ExecutionContext.SuppressFlow())
            {
                _watchdog = CreateWatchdog();
            }
        }
    }

    private ITimer CreateWatchdog() =>
        TimeProvider.System.CreateTimer(static state => ((CompletionQueue)state!).CheckProgress(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <summary>Queues <paramref name="request"/>, whose outcome is set; it is published at the next <see cref="Flush"/>.</summary>
    public void Add(IRequest request) => _queue.Enqueue(request);

    /// <summary>Queues <paramref name="request"/> and makes sure it is published.</summary>
    public void Post(IRequest request)
    {
        _queue.Enqueue(request);
        Flush();
    }

    /// <summary>Makes sure the queued requests get published (schedules the publisher unless it is already on its way).</summary>
    public void Flush()
    {
        if (!_queue.IsEmpty && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        ArmWatchdog();
        while (true)
        {
            Drain();
            Volatile.Write(ref _scheduled, 0);
            // A request added after the last dequeue but before the flag was cleared found the publisher scheduled.
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _scheduled, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private void Drain()
    {
        while (_queue.TryDequeue(out var request))
        {
            Interlocked.Increment(ref _published);
            request.Publish();
        }
    }

    private void ArmWatchdog()
    {
        lock (_watchdogLock)
        {
            if (!_watchdogArmed)
            {
                _watchdogArmed = true;
                _publishedAtLastCheck = -1;
                _watchdog.Change(_stallThreshold, _stallThreshold);
            }
        }
    }

    private void CheckProgress()
    {
        lock (_watchdogLock)
        {
            if (Volatile.Read(ref _scheduled) == 0 && _queue.IsEmpty)
            {
                // Idle: nothing to guard until the publisher is scheduled again (it re-arms under this lock).
                _watchdogArmed = false;
                _watchdog.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                return;
            }
            var published = Interlocked.Read(ref _published);
            var stalled = published == _publishedAtLastCheck && !_queue.IsEmpty;
            _publishedAtLastCheck = published;
            if (!stalled)
            {
                return;
            }
        }
        // A continuation has been running for a whole check interval and requests wait behind it: publish them here.
        Drain();
    }
}
