using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace ZkDiscovery.Connection;

/// <summary>
/// Delivers the outcomes of a session's requests to their callers: the read loop (and every path that fails
/// requests) adds requests whose outcome is set, and one publisher at a time publishes them in order, running each
/// task's continuations inline. The publisher is the read loop's own thread once its next socket read is posted
/// (<see cref="PublishInline"/>: the reply reaches its caller with no thread-pool hop after the socket's), or a
/// thread-pool work item (<see cref="Flush"/>). A burst of replies read at once costs one publisher, not one per reply.
/// </summary>
/// <remarks>
/// A reply waits for the watch events read before it: <see cref="Add"/> stamps it with the
/// <see cref="EventDispatcher.Sequence"/> of the moment, and the publisher stops at a reply whose events have not been
/// dispatched yet; the dispatcher flushes the queue as it moves on. So a caller that sees a node's new data has had
/// the watch event that came before it, whichever threads read, dispatch and publish.
///
/// A continuation that runs in the publisher and queues a request while others are in flight does not wake the
/// writer itself: <see cref="TryDeferWake"/> hands the wake-up to the publisher, which gives it once after its batch,
/// so the requests queued by a whole batch go out in one write and cost no thread-pool item of their own.
///
/// Continuations run one at a time in reply order, so one that blocks would hold up the ones after it, including
/// one it may be waiting for (<c>await a; b.Wait();</c> with both replies in the same read). The process's
/// <see cref="StallWatchdog"/> guards against that: while publishing is under way it checks that it moves on, and
/// when it stood still for <see cref="DefaultStallThreshold"/> (5 ms), it has the queued requests published on the
/// pool (and again after every further threshold while the stall lasts). A stalled or slow continuation therefore
/// delays the others by at most about that threshold, after which they run alongside it.
/// </remarks>
internal sealed class CompletionQueue : StallWatched, IThreadPoolWorkItem
{
    /// <summary>How long publishing may stand still, by default, before the watchdog publishes the queued requests itself.</summary>
    public static readonly TimeSpan DefaultStallThreshold = TimeSpan.FromMilliseconds(5);

    [ThreadStatic]
    private static CompletionQueue? t_publishing;

    private readonly ConcurrentQueue<Entry> _queue = new();
    // The oldest request, moved out of the queue to be looked at (ConcurrentQueue.TryPeek would keep the dequeued items
    // of its segment reachable), with the event it waits for. Both, and moving the next one in, under the lock: a stall
    // has a second publisher drain alongside the first.
    private readonly object _takeLock = new();
    private IRequest? _head;
    private long _headAfterEvent;
    // Requests added and not yet taken (in the queue or at its head).
    private int _count;
    private readonly EventDispatcher? _events;
    private readonly TimeSpan _stallThreshold;
    private int _scheduled;
    private long _published;
    private WriterSignal? _deferredWake;
    private ICompletionPublisherOwner? _stalledOwner;

    /// <param name="stallThreshold">How long publishing may stand still before the watchdog steps in; infinite turns the watchdog off (tests only).</param>
    /// <param name="events">The session's dispatcher, whose events the replies read after them wait for; null for none.</param>
    public CompletionQueue(TimeSpan? stallThreshold = null, EventDispatcher? events = null)
    {
        // Real time (the process's watchdog), not the session's TimeProvider: a test clock that stands still must not
        // stall the callers.
        _stallThreshold = stallThreshold ?? DefaultStallThreshold;
        _events = events;
        events?.OrderBefore(this);
    }

    /// <summary>
    /// Queues <paramref name="request"/>, whose outcome is set (a reply just read); it is published at the next
    /// <see cref="Flush"/>, once the watch events queued so far have been dispatched.
    /// </summary>
    public void Add(IRequest request)
    {
        _queue.Enqueue(new Entry(request, _events?.Sequence ?? 0));
        Interlocked.Increment(ref _count);
    }

    /// <summary>Queues <paramref name="request"/> (a failure, which waits for no event) and makes sure it is published.</summary>
    public void Post(IRequest request)
    {
        _queue.Enqueue(new Entry(request, 0));
        Interlocked.Increment(ref _count);
        Flush();
    }

    /// <summary>
    /// Makes sure the requests that may go now get published (schedules the publisher unless it is already on its
    /// way). Requests that wait for events are flushed by the dispatcher once it has dispatched them.
    /// </summary>
    public void Flush()
    {
        if (HeadIsReady() && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>
    /// Publishes the queued requests on the calling thread, unless another publisher is at work (which then publishes
    /// them). Called by the read loop after it posted its next socket read, so that the loop goes on elsewhere when
    /// more data arrives while the continuations run here.
    /// </summary>
    /// <param name="owner">
    /// The loop that publishes on its own thread and cannot go on until this returns (the connection's reader
    /// thread), told when publishing stalls; null when the caller's loop goes on elsewhere meanwhile.
    /// </param>
    public void PublishInline(ICompletionPublisherOwner? owner)
    {
        if (HeadIsReady() && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            Volatile.Write(ref _stalledOwner, owner);
            try
            {
                Publish();
            }
            finally
            {
                Volatile.Write(ref _stalledOwner, null);
            }
        }
    }

    /// <summary>True when no request waits to be published.</summary>
    public bool IsEmpty => Volatile.Read(ref _count) == 0;

    /// <summary>
    /// When the calling code runs in this queue's publisher, takes over waking <paramref name="signal"/>: the
    /// publisher sets it once its current batch is published (or the watchdog does, if a continuation stalls).
    /// False when called from anywhere else: the caller must wake the writer itself.
    /// </summary>
    public bool TryDeferWake(WriterSignal signal)
    {
        if (!ReferenceEquals(t_publishing, this))
        {
            return false;
        }
        Volatile.Write(ref _deferredWake, signal);
        return true;
    }

    void IThreadPoolWorkItem.Execute() => Publish();

    private void Publish()
    {
        var outer = t_publishing;
        t_publishing = this;
        try
        {
            Watch();
            while (true)
            {
                Drain();
                WakeDeferred();
                // A full fence: the dispatcher's progress is read again after the flag is cleared, and the dispatcher
                // flushes after it moved on, so one of the two sees the other.
                Interlocked.Exchange(ref _scheduled, 0);
                // A request added (or whose events were dispatched) after the last look but before the flag was cleared
                // found the publisher scheduled.
                if (!HeadIsReady() || Interlocked.CompareExchange(ref _scheduled, 1, 0) != 0)
                {
                    return;
                }
            }
        }
        finally
        {
            t_publishing = outer;
        }
    }

    private void Drain()
    {
        while (TryTakeReady(out var request))
        {
            Interlocked.Increment(ref _published);
            request.Publish();
        }
    }

    /// <summary>True when a request is queued and may be published now.</summary>
    private bool HeadIsReady()
    {
        if (IsEmpty)
        {
            return false;
        }
        lock (_takeLock)
        {
            return LoadHead() && IsReady(_headAfterEvent);
        }
    }

    private bool TryTakeReady([NotNullWhen(true)] out IRequest? request)
    {
        lock (_takeLock)
        {
            if (LoadHead() && IsReady(_headAfterEvent))
            {
                request = _head!;
                _head = null;
                Interlocked.Decrement(ref _count);
                return true;
            }
        }
        request = null;
        return false;
    }

    /// <summary>Moves the oldest request to the head unless one is there (under the lock); false when there is none.</summary>
    private bool LoadHead()
    {
        if (_head is not null)
        {
            return true;
        }
        if (!_queue.TryDequeue(out var entry))
        {
            return false;
        }
        _head = entry.Request;
        _headAfterEvent = entry.AfterEvent;
        return true;
    }

    private bool IsReady(long afterEvent) => afterEvent == 0 || _events is null || _events.HasDispatched(afterEvent);

    private void WakeDeferred()
    {
        // The writer's continuation runs inline here: it writes what the batch queued, then waits again.
        Interlocked.Exchange(ref _deferredWake, null)?.Set();
    }

    public override TimeSpan StallThreshold => _stallThreshold;

    public override long Progress => Interlocked.Read(ref _published);

    /// <summary>Idle when nothing is being published and nothing may be (requests that wait for events are the dispatcher's to release).</summary>
    public override bool IsIdle => Volatile.Read(ref _scheduled) == 0 && !HeadIsReady() && Volatile.Read(ref _deferredWake) is null;

    /// <summary>
    /// A continuation has been running for a whole check interval: requests may wait behind it, requests it queued may
    /// wait for the writer's wake-up at the end of the batch, and a loop that publishes on its own thread may need its
    /// other work (reading) done elsewhere. All of that moves to the pool; the watchdog's thread runs no user code.
    /// </summary>
    public override void OnStalled()
    {
        Interlocked.Exchange(ref _stalledOwner, null)?.OnPublisherStalled();
        if (Interlocked.Exchange(ref _deferredWake, null) is { } wake)
        {
            ThreadPool.UnsafeQueueUserWorkItem(wake, preferLocal: false);
        }
        if (HeadIsReady())
        {
            ThreadPool.UnsafeQueueUserWorkItem(static queue => queue.Drain(), this, preferLocal: false);
        }
    }

    /// <summary>A request whose outcome is set, and the event sequence it waits for (0: none).</summary>
    private readonly record struct Entry(IRequest Request, long AfterEvent);
}

/// <summary>A loop that publishes a <see cref="CompletionQueue"/> on its own thread and must not be held up by a continuation.</summary>
internal interface ICompletionPublisherOwner
{
    /// <summary>Publishing on the owner's thread made no progress for a watchdog interval: move the owner's other work elsewhere.</summary>
    void OnPublisherStalled();
}
