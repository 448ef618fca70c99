using Microsoft.Extensions.Primitives;
using ZkDiscovery.Connection;

namespace ZkDiscovery.Hosting.Discovery;

/// <summary>
/// The change token a provider hands to Microsoft.Extensions.ServiceDiscovery: the snapshot's own token, except that a
/// callback registered after the snapshot was already replaced is called back later, on a timer, instead of at once.
/// </summary>
/// <remarks>
/// ServiceDiscovery's watcher registers its callback on the tokens after its refresh has read the providers, and an
/// inline callback arriving while that refresh is still running is dropped: the refresh in progress is taken as the one
/// asked for, although it read the older snapshot (microsoft/aspire#16400). A snapshot replaced in that window would
/// then go unnoticed until someone asks for endpoints again. Calling back once shortly after and once more a second
/// later gets a refresh started after the running one has finished; a refresh that finds nothing new costs nothing in
/// ZooKeeper (it reads the cached snapshot).
/// </remarks>
internal sealed class SnapshotChangeToken(IChangeToken inner, TimeProvider time) : IChangeToken
{
    /// <summary>When a late callback is made, after the registration on an already-fired token.</summary>
    internal static readonly TimeSpan[] LateCallbackDelays = [TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1)];

    public bool HasChanged => inner.HasChanged;

    public bool ActiveChangeCallbacks => true;

    public IDisposable RegisterChangeCallback(Action<object?> callback, object? state)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (!inner.HasChanged)
        {
            var registration = inner.RegisterChangeCallback(callback, state);
            if (!inner.HasChanged)
            {
                return registration;
            }
            // Fired between the check and the registration: it may have been called inline already; call back late too.
            registration.Dispose();
        }
        return new LateCallback(callback, state, time);
    }

    /// <summary>Calls back after each of <see cref="LateCallbackDelays"/> unless disposed first.</summary>
    private sealed class LateCallback : IDisposable
    {
        private readonly ITimer[] _timers;
        private readonly Action<object?> _callback;
        private readonly object? _state;
        private int _disposed;

        public LateCallback(Action<object?> callback, object? state, TimeProvider time)
        {
            _callback = callback;
            _state = state;
            _timers = new ITimer[LateCallbackDelays.Length];
            // Timer callbacks must not carry the registering code's AsyncLocals.
            for (var i = 0; i < _timers.Length; i++)
            {
                _timers[i] = BackgroundLoop.WithoutExecutionContext(
                    static s => s.Time.CreateTimer(static c => ((LateCallback)c!).Fire(), s.Self, LateCallbackDelays[s.Index], Timeout.InfiniteTimeSpan),
                    (Time: time, Self: this, Index: i));
            }
        }

        private void Fire()
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                _callback(_state);
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                foreach (var timer in _timers)
                {
                    timer.Dispose();
                }
            }
        }
    }
}
