using Microsoft.Extensions.Logging;
using ZkDiscovery.Diagnostics;

namespace ZkDiscovery.Connection;

internal sealed partial class SessionDriver
{
    // Session ids are logged in hex as the server logs them; passwords and credentials never are.
    private static partial class Log
    {
        [LoggerMessage(EventId = ZooKeeperEventIds.Connecting, Level = LogLevel.Debug, Message = "Connecting to ZooKeeper server {Server} (session 0x{SessionId:x}).")]
        public static partial void Connecting(ILogger logger, ZooKeeperHost server, long sessionId);

        [LoggerMessage(EventId = ZooKeeperEventIds.Connected, Level = LogLevel.Information, Message = "Connected to ZooKeeper server {Server}: session 0x{SessionId:x}, timeout {TimeoutMs} ms, read-only {ReadOnly}.")]
        public static partial void Connected(ILogger logger, ZooKeeperHost server, long sessionId, int timeoutMs, bool readOnly);

        [LoggerMessage(EventId = ZooKeeperEventIds.ConnectFailed, Level = LogLevel.Debug, Message = "Could not connect to ZooKeeper server {Server}: {Reason}")]
        public static partial void ConnectFailed(ILogger logger, ZooKeeperHost server, string reason);

        [LoggerMessage(EventId = ZooKeeperEventIds.Disconnected, Level = LogLevel.Warning, Message = "Lost connection to ZooKeeper server {Server} (session 0x{SessionId:x}): {Reason}")]
        public static partial void Disconnected(ILogger logger, ZooKeeperHost server, long sessionId, string reason);

        [LoggerMessage(EventId = ZooKeeperEventIds.SessionExpired, Level = LogLevel.Warning, Message = "ZooKeeper session 0x{SessionId:x} expired; creating a new session.")]
        public static partial void SessionExpired(ILogger logger, long sessionId);

        [LoggerMessage(EventId = ZooKeeperEventIds.AuthFailed, Level = LogLevel.Error, Message = "ZooKeeper authentication failed (session 0x{SessionId:x}): {Reason}")]
        public static partial void AuthFailed(ILogger logger, long sessionId, string reason);

        [LoggerMessage(EventId = ZooKeeperEventIds.Closing, Level = LogLevel.Debug, Message = "Closing ZooKeeper session 0x{SessionId:x}.")]
        public static partial void Closing(ILogger logger, long sessionId);

        [LoggerMessage(EventId = ZooKeeperEventIds.Closed, Level = LogLevel.Information, Message = "ZooKeeper session 0x{SessionId:x} closed.")]
        public static partial void Closed(ILogger logger, long sessionId);

        [LoggerMessage(EventId = ZooKeeperEventIds.ReconnectBackoff, Level = LogLevel.Debug, Message = "Every ZooKeeper server was tried; waiting {DelayMs:0} ms before the next round.")]
        public static partial void ReconnectBackoff(ILogger logger, double delayMs);

        [LoggerMessage(EventId = ZooKeeperEventIds.ReadWriteServerFound, Level = LogLevel.Information, Message = "Found read-write ZooKeeper server {Server}; reconnecting to it.")]
        public static partial void ReadWriteServerFound(ILogger logger, ZooKeeperHost server);

        [LoggerMessage(EventId = ZooKeeperEventIds.ReaderThreadHandedOver, Level = LogLevel.Information, Message = "A callback held the reader thread of ZooKeeper session 0x{SessionId:x} for over {ThresholdMs} ms; the connection to {Server} reads on the thread pool from now on (more CPU per reply). Keep watch callbacks and the code after an awaited ZooKeeper call short, or move long work off them (await Task.Yield()).")]
        public static partial void ReaderThreadHandedOver(ILogger logger, long sessionId, double thresholdMs, ZooKeeperHost server);

        [LoggerMessage(EventId = ZooKeeperEventIds.ProtocolError, Level = LogLevel.Error, Message = "Protocol error from ZooKeeper server {Server}: {Reason}")]
        public static partial void ProtocolError(ILogger logger, ZooKeeperHost server, string reason);

        [LoggerMessage(EventId = ZooKeeperEventIds.StaleRequestsFailed, Level = LogLevel.Warning, Message = "Failed {Count} requests that waited more than {Seconds} s for a connection.")]
        public static partial void StaleRequestsFailed(ILogger logger, int count, double seconds);

        [LoggerMessage(EventId = ZooKeeperEventIds.RequestTooLarge, Level = LogLevel.Error, Message = "Request for {Path} is {Length} bytes, over the {Limit}-byte frame limit; not sent.")]
        public static partial void RequestTooLarge(ILogger logger, string? path, int length, int limit);

        [LoggerMessage(EventId = ZooKeeperEventIds.TlsHandshakeCompleted, Level = LogLevel.Debug, Message = "TLS with ZooKeeper server {Server} established: {Tls}.")]
        public static partial void TlsHandshakeCompleted(ILogger logger, ZooKeeperHost server, string tls);

        [LoggerMessage(EventId = ZooKeeperEventIds.SaslAuthenticated, Level = LogLevel.Debug, Message = "SASL DIGEST-MD5 authentication with ZooKeeper server {Server} succeeded for user {User}.")]
        public static partial void SaslAuthenticated(ILogger logger, ZooKeeperHost server, string user);

        [LoggerMessage(EventId = ZooKeeperEventIds.WatchesRestored, Level = LogLevel.Debug, Message = "Re-arming {Count} watches on the new connection.")]
        public static partial void WatchesRestored(ILogger logger, int count);

        [LoggerMessage(EventId = ZooKeeperEventIds.WatchesLost, Level = LogLevel.Warning, Message = "{Count} watches were lost with session 0x{SessionId:x}; their owners are told.")]
        public static partial void WatchesLost(ILogger logger, int count, long sessionId);

        [LoggerMessage(EventId = ZooKeeperEventIds.SetWatchesFailed, Level = LogLevel.Warning, Message = "Re-arming watches failed: {Reason}")]
        public static partial void SetWatchesFailed(ILogger logger, string reason);
    }
}
