using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ZkDiscovery.Connection;

/// <summary>
/// Runs watch callbacks and connection-state handlers one at a time, in the order they were queued, off the
/// socket's read loop. A callback that throws is logged and does not stop the ones after it.
/// </summary>
internal sealed partial class EventDispatcher
{
    [ThreadStatic]
    private static EventDispatcher? t_current;

    private readonly Channel<Item> _channel = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly ILogger _logger;
    private readonly Action<ConnectionStateChangedEventArgs> _stateHandler;
    private readonly Task _loop;

    public EventDispatcher(ILogger logger, Action<ConnectionStateChangedEventArgs> stateHandler)
    {
        _logger = logger;
        _stateHandler = stateHandler;
        _loop = BackgroundLoop.Start(RunAsync);
    }

    /// <summary>True when the calling code runs inside one of this dispatcher's callbacks.</summary>
    public bool IsDispatching => ReferenceEquals(t_current, this);

    public void Enqueue(Action<WatchedEvent> watcher, WatchedEvent e) => _channel.Writer.TryWrite(new Item(watcher, e, null));

    public void Enqueue(ConnectionStateChangedEventArgs state) => _channel.Writer.TryWrite(new Item(null, default, state));

    /// <summary>Stops accepting events and waits (up to <paramref name="timeout"/>) for the queued ones to run.</summary>
    public async Task CompleteAsync(TimeSpan timeout)
    {
        _channel.Writer.TryComplete();
        if (!IsDispatching)
        {
            await _loop.WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                t_current = this;
                try
                {
                    if (item.Watcher is not null)
                    {
                        item.Watcher(item.Event);
                    }
                    else if (item.State is not null)
                    {
                        _stateHandler(item.State);
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
                finally
                {
                    t_current = null;
                }
            }
        }
    }

    private readonly record struct Item(Action<WatchedEvent>? Watcher, WatchedEvent Event, ConnectionStateChangedEventArgs? State);

    private static partial class Log
    {
        [LoggerMessage(EventId = Diagnostics.ZooKeeperEventIds.WatcherFailed, Level = LogLevel.Error, Message = "A watcher threw while handling {EventType} on {Path}.")]
        public static partial void WatcherFailed(ILogger logger, WatchEventType eventType, string? path, Exception exception);

        [LoggerMessage(EventId = Diagnostics.ZooKeeperEventIds.StateHandlerFailed, Level = LogLevel.Error, Message = "A connection state handler threw while handling {State}.")]
        public static partial void StateHandlerFailed(ILogger logger, ConnectionState state, Exception exception);
    }
}
