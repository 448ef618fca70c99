using Microsoft.Extensions.Logging;

namespace ZkDiscovery.Connection;

internal sealed partial class EventDispatcher
{
    private static partial class Log
    {
        [LoggerMessage(EventId = Diagnostics.ZooKeeperEventIds.WatcherFailed, Level = LogLevel.Error, Message = "A watcher threw while handling {EventType} on {Path}.")]
        public static partial void WatcherFailed(ILogger logger, WatchEventType eventType, string? path, Exception exception);

        [LoggerMessage(EventId = Diagnostics.ZooKeeperEventIds.StateHandlerFailed, Level = LogLevel.Error, Message = "A connection state handler threw while handling {State}.")]
        public static partial void StateHandlerFailed(ILogger logger, ConnectionState state, Exception exception);
    }
}
