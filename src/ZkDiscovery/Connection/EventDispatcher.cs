using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ZkDiscovery.Connection;

/// <summary>
/// Runs watch callbacks and connection-state handlers one at a time, in the order they were queued, never on a
/// thread that must go on reading. A callback that throws is logged and does not stop the ones after it.
/// </summary>
/// <remarks>
/// The callbacks run on a thread-pool work item, or on the connection's reader thread
/// (<see cref="DispatchInline"/>), which dispatches the events it read before it publishes the replies that
/// followed them. While it does, the process's <see cref="StallWatchdog"/> checks that dispatching moves on; when a
/// callback holds the thread up for <see cref="CompletionQueue.DefaultStallThreshold"/>, the reader thread hands its
/// reading over (see <see cref="ICompletionPublisherOwner"/>), so a watcher that waits for a reply gets it.
/// </remarks>
internal sealed partial class EventDispatcher : StallWatched, IThreadPoolWorkItem
{
    [ThreadStatic]
    private static EventDispatcher? t_current;

    private readonly ConcurrentQueue<Item> _queue = new();
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _scheduled;
    private volatile bool _completed;
    private long _dispatched;
    private ICompletionPublisherOwner? _owner;

    public EventDispatcher(ILogger logger)
    {
        _logger = logger;
    }

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
    /// them). <paramref name="owner"/> is told when a callback holds the thread up.
    /// </summary>
    public void DispatchInline(ICompletionPublisherOwner owner)
    {
        if (_queue.IsEmpty || Interlocked.CompareExchange(ref _scheduled, 1, 0) != 0)
        {
            return;
        }
        Volatile.Write(ref _owner, owner);
        Watch();
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
            }
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

    public override TimeSpan StallThreshold => CompletionQueue.DefaultStallThreshold;

    public override long Progress => Interlocked.Read(ref _dispatched);

    /// <summary>Watched only while it dispatches on a thread that must go on reading.</summary>
    public override bool IsIdle => Volatile.Read(ref _owner) is null;

    /// <summary>A callback held the reader thread up for a whole interval: the thread's owner hands its reading over.</summary>
    public override void OnStalled() => Interlocked.Exchange(ref _owner, null)?.OnPublisherStalled();

    private readonly record struct Item(
        Action<WatchedEvent>? Watcher,
        WatchedEvent Event,
        ConnectionStateChangedEventArgs? State,
        Action<ConnectionStateChangedEventArgs>? StateHandlers);
}
