using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ZkDiscovery.IntegrationTests.Nodes;

/// <summary>
/// Records what a live view's subscriber is told, as immutable values, and checks the calls never overlap.
/// </summary>
internal sealed class ViewRecorder<T>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);
    private readonly Channel<T> _values = Channel.CreateUnbounded<T>();
    private int _inside;

    public List<T> All { get; } = [];

    public int ConcurrentCalls { get; private set; }

    public List<int> ThreadIds { get; } = [];

    public Action<TView> Callback<TView>(Func<TView, T> capture) => view =>
    {
        if (Interlocked.Increment(ref _inside) > 1)
        {
            ConcurrentCalls++;
        }
        var value = capture(view);
        lock (All)
        {
            All.Add(value);
            ThreadIds.Add(Environment.CurrentManagedThreadId);
        }
        _values.Writer.TryWrite(value);
        Interlocked.Decrement(ref _inside);
    };

    public async Task<T> NextAsync() => await _values.Reader.ReadAsync().AsTask().WaitAsync(s_timeout);

    /// <summary>Reads notifications until one satisfies <paramref name="predicate"/> (20 s upper bound).</summary>
    public async Task<T> WaitForAsync(Func<T, bool> predicate)
    {
        using var cts = new CancellationTokenSource(s_timeout);
        while (true)
        {
            var value = await _values.Reader.ReadAsync(cts.Token);
            if (predicate(value))
            {
                return value;
            }
        }
    }

    public bool TryTake(out T value) => _values.Reader.TryRead(out value!);
}

/// <summary>Collects log entries (event id, level, message) from every logger it creates.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(int EventId, LogLevel Level, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void Dispose()
    {
    }

    public static (ILoggerFactory Factory, ListLoggerProvider Provider) Create()
    {
        var provider = new ListLoggerProvider();
        var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(provider));
        return (factory, provider);
    }

    private sealed class ListLogger(ListLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
    }
}

/// <summary>Forced session expiry for tests, tolerant of the owner's reconnect racing the killer.</summary>
internal static class Expiry
{
    /// <summary>
    /// Expires <paramref name="victim"/>'s current session. The killer can lose a race with the owner's reconnect, or
    /// close the session without seeing the reply: on a false result the owner's next state decides (Expired: done;
    /// resumed on the same session: try again).
    /// </summary>
    public static async Task ForceAsync(string connectionString, ZooKeeperClient victim)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var session = victim.SessionCredentials ?? throw new InvalidOperationException("The victim has no session.");
            var outcome = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            EventHandler<ConnectionStateChangedEventArgs> handler = (_, e) =>
            {
                if (e.State == ConnectionState.Expired)
                {
                    outcome.TrySetResult(true);
                }
                else if (e.State == ConnectionState.Connected && !e.IsNewSession)
                {
                    outcome.TrySetResult(false);
                }
            };
            victim.StateChanged += handler;
            try
            {
                if (await ZkDiscovery.Testing.ZooKeeperSessionKiller.ExpireAsync(connectionString, session.SessionId, session.Password))
                {
                    return;
                }
                if (await outcome.Task.WaitAsync(TimeSpan.FromSeconds(20)))
                {
                    return;
                }
            }
            finally
            {
                victim.StateChanged -= handler;
            }
        }
        throw new InvalidOperationException("Could not expire the session.");
    }

    /// <summary>Waits (20 s upper bound) for the next Connected event that starts a new session.</summary>
    public static async Task<ConnectionStateChangedEventArgs> WaitForNewSessionAsync(ZooKeeperClient client, Func<ConnectionState, Task<ConnectionStateChangedEventArgs>> waitForState)
    {
        while (true)
        {
            var e = await waitForState(ConnectionState.Connected);
            if (e.IsNewSession)
            {
                return e;
            }
        }
    }
}
