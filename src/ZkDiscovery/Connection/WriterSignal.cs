using System.Threading.Tasks.Sources;

namespace ZkDiscovery.Connection;

/// <summary>
/// Wakes the writer loop when work is queued. Reusable and allocation-free. The writer's continuation runs inline
/// on the thread that queued the work (after it released the queue lock), so a request sent to an idle connection
/// is written by its caller's thread without a thread-pool hop; under load the writer is busy and never waits.
/// Protocol: the writer arms it (under the queue lock) before waiting; whoever sees it armed (under the same lock)
/// disarms it and calls <see cref="Set"/> after leaving the lock. At most one waiter at a time.
/// </summary>
internal sealed class WriterSignal : IValueTaskSource, IThreadPoolWorkItem
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = false };

    /// <summary>Prepares a new wait. Call under the queue lock, before publishing that the writer waits.</summary>
    public void Arm() => _core.Reset();

    /// <summary>Waits for <see cref="Set"/> (completes at once if it was already called since <see cref="Arm"/>).</summary>
    public ValueTask WaitAsync() => new(this, _core.Version);

    /// <summary>Wakes the armed waiter.</summary>
    public void Set() => _core.SetResult(true);

    /// <summary>Wakes the armed waiter from the thread pool (see <see cref="Set"/>).</summary>
    void IThreadPoolWorkItem.Execute() => Set();

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
