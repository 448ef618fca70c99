using System.Threading.Tasks.Sources;

namespace ZkDiscovery.Connection;

/// <summary>
/// One long-lived loop driven by signals: <see cref="Signal"/> asks for one more pass of the step, and any number of
/// signals before the pass starts are one pass. Compiled into ZkDiscovery and ZkDiscovery.Hosting (each keeps its own
/// internal copy; ZkDiscovery.Configuration uses the core's through InternalsVisibleTo); every watch-driven loop (live
/// views, the discovery watcher, the registrar, the registration service, the configuration provider) runs on it.
/// </summary>
/// <remarks>
/// <para>
/// The rules, in the order a pass sees them:
/// </para>
/// <list type="bullet">
/// <item>The loop starts without the caller's ExecutionContext (<see cref="BackgroundLoop.Start"/>), and a signal
/// carries none in either: the step never sees the AsyncLocals (log scopes, <c>Activity.Current</c>) of whoever
/// started or signalled it.</item>
/// <item>A pass starts when a signal is pending. With a debounce, the loop first waits until no signal came for one
/// debounce period (at most the maximum debounce in all).</item>
/// <item>The pending signal is cleared just before the step runs: a signal during the step causes exactly one more
/// pass, so no change is lost and none is read twice for nothing.</item>
/// <item>A step that throws (other than by the loop being stopped) is reported to the failure callback and run again
/// after a back-off that doubles from <see cref="FirstRetryDelay"/> up to <see cref="MaxRetryDelay"/>; signals during
/// the back-off fold into that retry. A step that returns resets the back-off.</item>
/// <item><see cref="DisposeAsync"/> (or <see cref="Stop"/>) cancels <see cref="Stopping"/>, which the step receives,
/// and wakes the loop; no step starts after that. <see cref="DisposeAsync"/> then waits for the running step to end,
/// so it must not be awaited from inside the step: a step that wants its loop gone calls <see cref="Stop"/>.</item>
/// </list>
/// <para>
/// <see cref="Signal"/> is safe from any thread, never blocks, never runs the step inline and allocates nothing: it is
/// called from watch callbacks on the client's dispatcher, once per watch event. <see cref="SignalInline"/> is the same
/// except that it starts the pass on the calling thread when the loop is parked.
/// </para>
/// </remarks>
internal sealed class CoalescingLoop : IAsyncDisposable, IValueTaskSource
{
    /// <summary>The back-off after the first failed step.</summary>
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest back-off between failed steps.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    // _state: Idle (nothing to do, the loop is not parked), Pending (a pass is owed), Waiting (the loop is parked on _wake).
    private const int Idle = 0;
    private const int Pending = 1;
    private const int Waiting = 2;

    private readonly Func<CancellationToken, Task> _step;
    private readonly Action<Exception, TimeSpan>? _failed;
    private readonly Func<Task>? _stopped;
    private readonly TimeSpan _debounce;
    private readonly TimeSpan _maxDebounce;
    private readonly TimeProvider _time;
    // Never disposed: it has no timer, and a step may still read its token after DisposeAsync returned.
    private readonly CancellationTokenSource _stop = new();
    private ManualResetValueTaskSourceCore<bool> _wake = new() { RunContinuationsAsynchronously = true };
    private Task _completion = Task.CompletedTask;
    private int _state;
    private int _signals;
    private int _started;

    /// <summary>Creates a loop; nothing runs before <see cref="Start"/>.</summary>
    /// <param name="step">One pass; receives <see cref="Stopping"/>.</param>
    /// <param name="failed">Told of a failed step and the back-off before it runs again (to log it); runs on the loop.</param>
    /// <param name="debounce">How long the signals must stay quiet before a pass starts; zero for none.</param>
    /// <param name="maxDebounce">The longest wait for quiet before a pass starts anyway; ten debounce periods when zero.</param>
    /// <param name="time">The clock of the debounce and the back-off; the system clock when null.</param>
    /// <param name="stopped">Runs on the loop once it ended (after the last step), to release what the steps held.</param>
    public CoalescingLoop(
        Func<CancellationToken, Task> step,
        Action<Exception, TimeSpan>? failed = null,
        TimeSpan debounce = default,
        TimeSpan maxDebounce = default,
        TimeProvider? time = null,
        Func<Task>? stopped = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentOutOfRangeException.ThrowIfLessThan(debounce, TimeSpan.Zero);
        _step = step;
        _failed = failed;
        _stopped = stopped;
        _debounce = debounce;
        _maxDebounce = maxDebounce > TimeSpan.Zero ? maxDebounce : debounce * 10;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Cancelled once the loop is asked to stop; the token every step receives.</summary>
    public CancellationToken Stopping => _stop.Token;

    /// <summary>True while the loop waits for a signal with nothing to do (for tests of <see cref="SignalInline"/>).</summary>
    internal bool IsParked => Volatile.Read(ref _state) == Waiting;

    /// <summary>Completes when the loop has ended (the last step and the stop callback done); faults only when the stop callback throws.</summary>
    public Task Completion => _completion;

    /// <summary>Starts the loop on the thread pool without the caller's ExecutionContext. A signal sent before runs the first pass.</summary>
    /// <exception cref="InvalidOperationException">The loop was started already.</exception>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The loop was started already.");
        }
        _completion = BackgroundLoop.Start(RunAsync);
    }

    /// <summary>Asks for one more pass of the step; free when one is already owed. Thread-safe; never blocks.</summary>
    public void Signal() => SignalCore(runHere: false);

    /// <summary>
    /// Asks for one more pass, and when the loop is parked, starts that pass on the calling thread: the step runs here up
    /// to its first await that does not complete at once, and the loop goes on wherever that await resumes. For watch
    /// callbacks on the client's dispatcher, whose replies resume their awaiters on that same thread anyway: a watch event
    /// then costs no thread-pool hop. The client's stall watchdog covers a step that blocks there, as it covers any watch
    /// callback. Not for callers that must not run the step (a caller holding a lock the step takes, user code).
    /// </summary>
    public void SignalInline() => SignalCore(runHere: true);

    private void SignalCore(bool runHere)
    {
        if (_debounce > TimeSpan.Zero)
        {
            Interlocked.Increment(ref _signals);
        }
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == Pending)
            {
                return;
            }
            if (Interlocked.CompareExchange(ref _state, Pending, state) == state)
            {
                if (state == Waiting)
                {
                    // Only the signal that moved the loop out of Waiting completes the wait: once per park, so this
                    // signaller alone decides where the parked loop resumes.
                    _wake.RunContinuationsAsynchronously = !runHere;
                    _wake.SetResult(true);
                }
                return;
            }
        }
    }

    /// <summary>Asks the loop to stop without waiting for it: cancels <see cref="Stopping"/> and wakes the loop. Idempotent.</summary>
    public void Stop()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        try
        {
            _stop.Cancel();
        }
        finally
        {
            Signal();
        }
    }

    /// <summary>Stops the loop and waits for it to end (the running step, then the stop callback). Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            // Asynchronously: the step's cancellation callbacks do not run on the caller's thread.
            await _stop.CancelAsync().ConfigureAwait(false);
            Signal();
        }
        await _completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunAsync()
    {
        var cancellationToken = _stop.Token;
        var failures = 0;
        try
        {
            while (true)
            {
                await WaitForSignalAsync().ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                try
                {
                    if (_debounce > TimeSpan.Zero)
                    {
                        await DebounceAsync(cancellationToken).ConfigureAwait(false);
                    }
                    // Signals so far are covered by the pass to come; later ones ask for another.
                    Interlocked.Exchange(ref _state, Idle);
                    await _step(cancellationToken).ConfigureAwait(false);
                    failures = 0;
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // The loop must survive anything its step throws, or what it keeps current goes stale.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failures++;
                    var delay = RetryDelay(failures);
                    // The delay starts before the owner hears of the failure: a test that advances a fake clock on that
                    // word finds the back-off armed.
                    var backOff = Task.Delay(delay, _time, cancellationToken);
                    _failed?.Invoke(ex, delay);
                    await backOff.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    if (cancellationToken.IsCancellationRequested)
                    {
                        return;
                    }
                    Interlocked.Exchange(ref _state, Pending); // Run again, whether or not anyone signalled.
                }
            }
        }
        finally
        {
            if (_stopped is not null)
            {
                await _stopped().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The back-off after <paramref name="failures"/> failed steps in a row.</summary>
    internal static TimeSpan RetryDelay(int failures)
    {
        var exponent = Math.Min(failures - 1, 16);
        var delay = FirstRetryDelay * (1 << exponent);
        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }

    /// <summary>Completes at once when a pass is owed; otherwise parks the loop until the next signal.</summary>
    private ValueTask WaitForSignalAsync()
    {
        if (Volatile.Read(ref _state) == Pending)
        {
            return default;
        }
        // Reset before the loop shows itself as Waiting: a signaller completes _wake only after seeing Waiting.
        _wake.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) != Idle)
        {
            return default; // Signalled meanwhile.
        }
        return new ValueTask(this, _wake.Version);
    }

    /// <summary>Waits until no signal came for one debounce period, or the maximum debounce passed.</summary>
    private async Task DebounceAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (true)
        {
            var seen = Volatile.Read(ref _signals);
            await Task.Delay(_debounce, _time, cancellationToken).ConfigureAwait(false);
            if (Volatile.Read(ref _signals) == seen || _time.GetElapsedTime(started) >= _maxDebounce)
            {
                return;
            }
        }
    }

    void IValueTaskSource.GetResult(short token) => _wake.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _wake.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wake.OnCompleted(continuation, state, token, flags);
}
