using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ZkDiscovery.Connection;

/// <summary>
/// Runs watch callbacks and connection-state handlers one at a time, in the order they were queued, never on a
/// thread that must go on reading. A callback that throws is logged and does not stop the ones after it.
/// </summary>
/// <remarks>
/// <para>
/// The callbacks run on a thread-pool work item, or on the connection's reader thread
/// (<see cref="DispatchInline"/>), which dispatches the events it read before it publishes the replies that
/// followed them.
/// </para>
/// <para>
/// Every queued item takes the next number of a sequence (<see cref="Sequence"/>), and the session's
/// <see cref="CompletionQueue"/> stamps each reply with the sequence at the moment the reply was read: the reply is
/// published only once every event up to its stamp has been dispatched (<see cref="HasDispatched"/>). That holds
/// wherever the events run, on the reader, on the pool, or on a reader that went on reading elsewhere meanwhile: a
/// caller that sees a node's new data has had the watch event that came before it (ZooKeeper's ordering guarantee).
/// </para>
/// <para>
/// While it dispatches, the process's <see cref="StallWatchdog"/> checks that dispatching moves on. When a callback
/// holds it up for <see cref="CompletionQueue.DefaultStallThreshold"/>, the replies read so far may go ahead of the
/// events still queued (so a watcher that waits for a reply gets it), and a reader thread that was dispatching hands
/// its reading over (see <see cref="ICompletionPublisherOwner"/>).
/// </para>
/// </remarks>
internal sealed partial class EventDispatcher : StallWatched, IThreadPoolWorkItem
{
    [ThreadStatic]
    private static EventDispatcher? t_current;

    private readonly ConcurrentQueue<Item> _queue = new();
    private readonly ILogger _logger;
    private readonly TimeSpan _stallThreshold;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _scheduled;
    private int _running;
    private volatile bool _completed;
    // The items queued so far, and those dispatched: the k-th queued is the k-th dispatched (one queue, in order).
    private long _queued;
    private long _dispatched;
    // A stalled callback lets the replies read up to this sequence go ahead of the events still queued.
    private long _released;
    private ICompletionPublisherOwner? _owner;
    private CompletionQueue? _replies;

    /// <param name="logger">Where failed callbacks are logged.</param>
    /// <param name="stallThreshold">How long a callback may hold dispatching up before replies go ahead of the queued events; infinite turns the watchdog off (tests only).</param>
    public EventDispatcher(ILogger logger, TimeSpan? stallThreshold = null)
    {
        _logger = logger;
        _stallThreshold = stallThreshold ?? CompletionQueue.DefaultStallThreshold;
    }

    /// <summary>The number of items queued so far: a reply read now waits for the events up to this one.</summary>
    public long Sequence => Volatile.Read(ref _queued);

    /// <summary>
    /// True when every item up to <paramref name="sequence"/> has been dispatched, or a stalled callback let the
    /// replies read by then go ahead.
    /// </summary>
    public bool HasDispatched(long sequence) =>
        sequence <= Volatile.Read(ref _dispatched) || sequence <= Volatile.Read(ref _released);

    /// <summary>
    /// Orders <paramref name="replies"/> after the events: they are flushed as dispatching moves on, unless the
    /// thread that dispatches publishes them itself right after (<see cref="DispatchInline"/>).
    /// </summary>
    public void OrderBefore(CompletionQueue replies) => _replies = replies;

    /// <summary>True when the calling code runs inside one of this dispatcher's callbacks.</summary>
    public bool IsDispatching => ReferenceEquals(t_current, this);

    /// <summary>True when no event waits to be dispatched.</summary>
    public bool IsEmpty => _queue.IsEmpty;

    /// <summary>Queues a watch event and schedules its dispatch on the thread pool.</summary>
    public void Enqueue(Action<WatchedEvent> watcher, WatchedEvent e) => Enqueue(watcher, e, schedule: true);

    /// <summary>
    /// Queues a watch event; with <paramref name="schedule"/> false the caller dispatches it itself soon
    /// (<see cref="DispatchInline"/>, the reader thread after the frames it read).
    /// </summary>
    public void Enqueue(Action<WatchedEvent> watcher, WatchedEvent e, bool schedule)
    {
        if (_completed)
        {
            return;
        }
        // Counted before it is queued: a sequence read after this covers the item wherever it lands in the queue.
        Interlocked.Increment(ref _queued);
        _queue.Enqueue(new Item(watcher, e, null, null));
        if (schedule)
        {
            Flush();
        }
    }

    /// <summary>Queues a state change for the handlers that were subscribed when it happened.</summary>
    public void Enqueue(ConnectionStateChangedEventArgs state, Action<ConnectionStateChangedEventArgs> handlers)
    {
        if (_completed)
        {
            return;
        }
        Interlocked.Increment(ref _queued);
        _queue.Enqueue(new Item(null, default, state, handlers));
        Flush();
    }

    /// <summary>Makes sure the queued events get dispatched (on the thread pool unless a dispatcher is at work).</summary>
    public void Flush()
    {
        if (!_queue.IsEmpty && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>
    /// Dispatches the queued events on the calling thread, unless a dispatcher is at work elsewhere (which then runs
    /// them, and flushes the replies that wait for them). <paramref name="owner"/> is told when a callback holds the
    /// thread up. The caller publishes the replies afterwards.
    /// </summary>
    public void DispatchInline(ICompletionPublisherOwner owner)
    {
        if (_queue.IsEmpty || Interlocked.CompareExchange(ref _scheduled, 1, 0) != 0)
        {
            return;
        }
        Volatile.Write(ref _owner, owner);
        try
        {
            Run();
        }
        finally
        {
            Volatile.Write(ref _owner, null);
        }
    }

    void IThreadPoolWorkItem.Execute() => Run();

    /// <summary>Stops accepting events and waits (up to <paramref name="timeout"/>) for the queued ones to run.</summary>
    public async Task CompleteAsync(TimeSpan timeout)
    {
        _completed = true;
        if (IsDispatching)
        {
            return;
        }
        if (_queue.IsEmpty && Volatile.Read(ref _scheduled) == 0)
        {
            _drained.TrySetResult();
        }
        Flush();
        await _drained.Task.WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void Run()
    {
        var outer = t_current;
        while (true)
        {
            // Written only by the one that holds the scheduled flag, so two runs never overlap in it.
            Volatile.Write(ref _running, 1);
            Watch();
            while (_queue.TryDequeue(out var item))
            {
                t_current = this;
                try
                {
                    Dispatch(item);
                }
                finally
                {
                    t_current = outer;
                    Interlocked.Increment(ref _dispatched);
                }
                // Replies that waited for this event go now, unless the reader that dispatches publishes them next.
                if (Volatile.Read(ref _owner) is null)
                {
                    _replies?.Flush();
                }
            }
            Volatile.Write(ref _running, 0);
            Volatile.Write(ref _scheduled, 0);
            // An event queued after the last dequeue but before the flag was cleared found the dispatcher at work.
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _scheduled, 1, 0) != 0)
            {
                if (_completed && _queue.IsEmpty)
                {
                    _drained.TrySetResult();
                }
                return;
            }
        }
    }

    private void Dispatch(Item item)
    {
        try
        {
            if (item.Watcher is not null)
            {
                item.Watcher(item.Event);
            }
            else if (item.State is not null)
            {
                item.StateHandlers!(item.State);
            }
        }
#pragma warning disable CA1031 // A user callback's failure must not stop the dispatcher.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (item.Watcher is not null)
            {
                Log.WatcherFailed(_logger, item.Event.Type, item.Event.Path, e);
            }
            else
            {
                Log.StateHandlerFailed(_logger, item.State!.State, e);
            }
        }
    }

    public override TimeSpan StallThreshold => _stallThreshold;

    public override long Progress => Interlocked.Read(ref _dispatched);

    /// <summary>Watched while it dispatches, wherever it does (not while a pool item waits to run).</summary>
    public override bool IsIdle => Volatile.Read(ref _running) == 0;

    /// <summary>
    /// A callback held dispatching up for a whole interval: the replies read so far go ahead of the events queued
    /// behind it (the callback may be waiting for one of them), and a reader thread that was dispatching hands its
    /// reading over. Called again after every further interval while the callback runs, for the replies read since.
    /// </summary>
    public override void OnStalled()
    {
        // Only the watchdog's one thread writes this, and the sequence only grows.
        Volatile.Write(ref _released, Sequence);
        if (Interlocked.Exchange(ref _owner, null) is { } owner)
        {
            // It flushes the replies too.
            owner.OnPublisherStalled();
        }
        else
        {
            _replies?.Flush();
        }
    }

    private readonly record struct Item(
        Action<WatchedEvent>? Watcher,
        WatchedEvent Event,
        ConnectionStateChangedEventArgs? State,
        Action<ConnectionStateChangedEventArgs>? StateHandlers);
}
