using System.Diagnostics;
using ZkDiscovery.Protocol;

namespace ZkDiscovery.Connection;

/// <summary>
/// The requests of a session waiting to be written, and the wake-up of the connection's writer. Callers add
/// requests from any thread; the writer takes everything queued at once and waits, when nothing is, for the next
/// <see cref="Add"/>. A broken connection takes nothing: what is queued then waits for the next connection.
/// </summary>
/// <remarks>
/// Waking the writer: the writer arms the signal (under the lock) before it waits; whoever finds it armed (under the
/// same lock) disarms it and sets it after leaving the lock. On an idle connection the caller's thread writes its
/// request itself (the signal runs the writer inline). While replies are on their way, their continuations will queue
/// more requests: the wake-up then comes a moment later, from the completion queue's publisher after its batch or from
/// the pool, so that the writer finds them together and sends them in one write.
/// </remarks>
internal sealed class RequestQueue(CompletionQueue completions)
{
    private readonly object _lock = new();
    private readonly WriterSignal _writerSignal = new();
    private List<IRequest> _queue = [];
    private bool _writerWaiting;
    private bool _closed;

    /// <summary>Queues <paramref name="request"/> and wakes the writer if it waits; throws when the queue is closed.</summary>
    /// <param name="request">The request.</param>
    /// <param name="current">The connection the writer serves, if any (whether replies are on their way decides how the writer is woken).</param>
    public void Add(IRequest request, ZooKeeperConnection? current)
    {
        bool wake;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, typeof(ZooKeeperClient));
            _queue.Add(request);
            wake = _writerWaiting;
            _writerWaiting = false;
        }
        if (!wake)
        {
            return;
        }
        if (current is { HasRequestsInFlight: true })
        {
            if (!completions.TryDeferWake(_writerSignal))
            {
                ThreadPool.UnsafeQueueUserWorkItem(_writerSignal, preferLocal: true);
            }
        }
        else
        {
            _writerSignal.Set();
        }
    }

    /// <summary>
    /// Moves every queued request into <paramref name="batch"/>, in order; false (and the writer marked waiting) when
    /// none is queued. A broken connection takes nothing.
    /// </summary>
    public bool TakeQueued(List<IRequest> batch, ZooKeeperConnection owner)
    {
        lock (_lock)
        {
            if (owner.IsBroken)
            {
                return false;
            }
            if (_queue.Count == 0)
            {
                _writerSignal.Arm();
                _writerWaiting = true;
                return false;
            }
            batch.AddRange(_queue);
            _queue.Clear();
            return true;
        }
    }

    /// <summary>Waits until <see cref="TakeQueued"/> may find work, or <see cref="WakeWriter"/> is called. Only after TakeQueued returned false.</summary>
    public ValueTask WaitForQueuedAsync() => _writerSignal.WaitAsync();

    /// <summary>Wakes a waiting writer so that it notices its connection broke.</summary>
    public void WakeWriter()
    {
        bool wake;
        lock (_lock)
        {
            wake = _writerWaiting;
            _writerWaiting = false;
        }
        if (wake)
        {
            _writerSignal.Set();
        }
    }

    /// <summary>Takes every queued request (to fail them).</summary>
    public List<IRequest> TakeAll()
    {
        lock (_lock)
        {
            var all = _queue;
            _queue = [];
            return all;
        }
    }

    /// <summary>Takes the queued requests that waited longer than <paramref name="limit"/>, and queued pings; null when none.</summary>
    public List<IRequest>? TakeStale(TimeSpan limit)
    {
        lock (_lock)
        {
            if (_queue.Count == 0)
            {
                return null;
            }
            List<IRequest>? stale = null;
            var kept = new List<IRequest>(_queue.Count);
            foreach (var request in _queue)
            {
                if (request.OpCode != OpCode.Ping && Stopwatch.GetElapsedTime(request.QueuedTimestamp) <= limit)
                {
                    kept.Add(request);
                }
                else
                {
                    (stale ??= []).Add(request);
                }
            }
            _queue = kept;
            return stale;
        }
    }

    /// <summary>Refuses further requests (<see cref="Add"/> throws ObjectDisposedException) and takes the queued ones.</summary>
    public List<IRequest> Close()
    {
        lock (_lock)
        {
            _closed = true;
            var all = _queue;
            _queue = [];
            return all;
        }
    }
}
