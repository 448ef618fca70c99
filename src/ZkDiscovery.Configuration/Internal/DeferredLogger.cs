using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ZkDiscovery.Configuration.Internal;

/// <summary>
/// A provider's logger. Configuration is built before the host's logging exists, so until the hosting integration
/// attaches the host's logger (<see cref="Attach"/>) events are kept in a bounded queue (the oldest dropped beyond
/// <see cref="Capacity"/>; Debug and above during start-up, Information and above after <see cref="EndStartup"/>);
/// attaching writes them to the host's logger in order, once, each in a scope that says when it happened, then logs
/// straight through. A logger given up front (the source's <c>LoggerFactory</c>) is used directly and attaching does
/// nothing.
/// </summary>
internal sealed class DeferredLogger : ILogger
{
    public const int Capacity = 256;

    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly bool _explicit;
    private ILogger? _target;
    private Queue<Action<ILogger>>? _pending;
    private int _dropped;
    private object? _attachment;
    private volatile bool _startedUp;

    public DeferredLogger(ILogger? logger, TimeProvider time)
    {
        _time = time;
        _explicit = logger is not null;
        _target = logger;
        _pending = logger is null ? new Queue<Action<ILogger>>() : null;
    }

    /// <summary>Events waiting for the host's logger (for tests).</summary>
    internal int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _pending?.Count ?? 0;
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => Volatile.Read(ref _target)?.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel)
    {
        if (Volatile.Read(ref _target) is { } target)
        {
            return target.IsEnabled(logLevel);
        }
        return IsKept(logLevel) && Volatile.Read(ref _pending) is not null;
    }

    /// <summary>
    /// The provider has started: from now on only events at Information and above wait for the host's logger. A
    /// provider that no host attaches to (a plain <c>ConfigurationBuilder</c> without a logger factory) then keeps
    /// no Debug event of every reload, nor spends the time to write one.
    /// </summary>
    public void EndStartup() => _startedUp = true;

    private bool IsKept(LogLevel logLevel) =>
        logLevel >= (_startedUp ? LogLevel.Information : LogLevel.Debug) && logLevel < LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var target = Volatile.Read(ref _target);
        if (target is null)
        {
            lock (_lock)
            {
                target = _target;
                if (target is null)
                {
                    Defer(logLevel, eventId, state, exception, formatter);
                    return;
                }
            }
        }
        target.Log(logLevel, eventId, state, exception, formatter);
    }

    /// <summary>
    /// Writes the deferred events to <paramref name="target"/> and logs there from now on; the returned object
    /// stops that (later events are dropped). Null when the logger was given up front or is attached already.
    /// </summary>
    /// <param name="target">The host's logger.</param>
    /// <param name="droppedMessage">Logs how many events were dropped, before the others are replayed.</param>
    public IDisposable? Attach(ILogger target, Action<ILogger, int> droppedMessage)
    {
        lock (_lock)
        {
            if (_explicit || _target is not null)
            {
                return null;
            }
            // Under the lock: an event logged meanwhile waits, so it comes after the replayed ones.
            if (_dropped > 0)
            {
                droppedMessage(target, _dropped);
                _dropped = 0;
            }
            if (_pending is { } pending)
            {
                while (pending.TryDequeue(out var replay))
                {
                    replay(target);
                }
            }
            _pending = null;
            var attachment = new Attachment(this);
            _attachment = attachment;
            Volatile.Write(ref _target, target);
            return attachment;
        }
    }

    private void Detach(Attachment attachment)
    {
        lock (_lock)
        {
            if (ReferenceEquals(_attachment, attachment))
            {
                _attachment = null;
                Volatile.Write(ref _target, null);
            }
        }
    }

    private void Defer<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (_pending is not { } pending || !IsKept(logLevel))
        {
            return;
        }
        if (pending.Count >= Capacity)
        {
            pending.Dequeue();
            _dropped++;
        }
        var time = _time.GetUtcNow();
        pending.Enqueue(target =>
        {
            using (target.BeginScope(new LoggedAtScope(time)))
            {
                target.Log(logLevel, eventId, state, exception, formatter);
            }
        });
    }

    private sealed class Attachment(DeferredLogger owner) : IDisposable
    {
        public void Dispose() => owner.Detach(this);
    }

    /// <summary>The scope of a replayed event: when it really happened.</summary>
    private sealed class LoggedAtScope(DateTimeOffset time) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 1;

        public KeyValuePair<string, object?> this[int index] =>
            index == 0 ? new("LoggedAt", time) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() =>
            "logged at " + time.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + ", before the host's logging started";
    }
}
