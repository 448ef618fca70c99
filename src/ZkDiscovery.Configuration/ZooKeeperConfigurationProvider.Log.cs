using Microsoft.Extensions.Logging;
using ZkDiscovery.Configuration.Internal;

namespace ZkDiscovery.Configuration;

public sealed partial class ZooKeeperConfigurationProvider
{
    private static partial class Log
    {
        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.Loaded, Level = LogLevel.Information, Message = "Configuration loaded from ZooKeeper path {Path}: {Count} keys.")]
        public static partial void Loaded(ILogger logger, string path, int count);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.Loaded, Level = LogLevel.Information, Message = "The optional ZooKeeper configuration path {Path} does not exist: no keys until it is created.")]
        public static partial void NotFoundOptional(ILogger logger, string path);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.Reloaded, Level = LogLevel.Information, Message = "Configuration from ZooKeeper path {Path} reloaded: keys added {Added}, changed {Changed}, removed {Removed}.")]
        public static partial void Reloaded(ILogger logger, string path, int added, int changed, int removed);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.ReloadedKeys, Level = LogLevel.Debug, Message = "Keys changed by the reload of ZooKeeper path {Path} (names only): {Keys}")]
        public static partial void ReloadedKeys(ILogger logger, string path, string keys);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.ReloadUnchanged, Level = LogLevel.Debug, Message = "Configuration from ZooKeeper path {Path} read again: nothing changed.")]
        public static partial void Unchanged(ILogger logger, string path);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.LoadFailed, Level = LogLevel.Warning, Message = "Configuration from ZooKeeper path {Path} not reloaded, {Kept}. {Error}")]
        public static partial void LoadFailed(ILogger logger, string path, string kept, string error);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.NodeDeleted, Level = LogLevel.Warning, Message = "The ZooKeeper configuration node {Path} was deleted: {Kept} ({Count} keys) until it is created again. Set NodeDeletedBehavior to RemoveKeys to remove them instead.")]
        public static partial void NodeDeleted(ILogger logger, string path, string kept, int count);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.NodeDeletedKeysRemoved, Level = LogLevel.Warning, Message = "The ZooKeeper configuration node {Path} was deleted: its {Count} keys are removed (NodeDeletedBehavior is RemoveKeys) until it is created again.")]
        public static partial void NodeDeletedKeysRemoved(ILogger logger, string path, int count);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.EarlyEventsDropped, Level = LogLevel.Warning, Message = "Configuration from ZooKeeper path {Path}: {Dropped} earlier log events were dropped before the host's logging started (only the last {Capacity} are kept); the rest follow.")]
        public static partial void EarlyEventsDropped(ILogger logger, string path, int dropped, int capacity);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.Recovered, Level = LogLevel.Information, Message = "Configuration from ZooKeeper path {Path} is good again.")]
        public static partial void Recovered(ILogger logger, string path);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.StartupFailed, Level = LogLevel.Error, Message = "Configuration from ZooKeeper path {Path} could not be loaded at startup.")]
        public static partial void StartupFailed(ILogger logger, string path, Exception exception);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.StartedFromSnapshot, Level = LogLevel.Warning, Message = "Configuration from ZooKeeper path {Path} starts from the snapshot {SnapshotPath} ({Count} keys) and loads when ZooKeeper can be read: {Reason}")]
        public static partial void StartedFromSnapshot(ILogger logger, string path, string snapshotPath, int count, string reason);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.StartedFromSnapshot, Level = LogLevel.Warning, Message = "Configuration from ZooKeeper path {Path} starts with no keys (no snapshot) and loads when ZooKeeper can be read: {Reason}")]
        public static partial void StartedEmpty(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.SnapshotWriteFailed, Level = LogLevel.Warning, Message = "The configuration snapshot {SnapshotPath} of ZooKeeper path {Path} could not be written.")]
        public static partial void SnapshotWriteFailed(ILogger logger, string path, string snapshotPath, Exception exception);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.SnapshotReadFailed, Level = LogLevel.Warning, Message = "The configuration snapshot {SnapshotPath} of ZooKeeper path {Path} could not be read and is not used.")]
        public static partial void SnapshotReadFailed(ILogger logger, string path, string snapshotPath, Exception exception);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.ReadInterrupted, Level = LogLevel.Debug, Message = "Reading configuration from ZooKeeper path {Path} was interrupted ({Reason}); reading again when connected.")]
        public static partial void ReadInterrupted(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.LoadExceptionHandlerFailed, Level = LogLevel.Error, Message = "The OnLoadException callback of ZooKeeper configuration path {Path} threw.")]
        public static partial void LoadExceptionHandlerFailed(ILogger logger, string path, Exception exception);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.ReloadRetrying, Level = LogLevel.Error, Message = "Reloading configuration from ZooKeeper path {Path} failed; reading again in {RetryDelay}.")]
        public static partial void ReloadRetrying(ILogger logger, string path, TimeSpan retryDelay, Exception exception);

        [LoggerMessage(EventId = ZooKeeperConfigurationEventIds.ReloadLoopFailed, Level = LogLevel.Error, Message = "Reloading configuration from ZooKeeper path {Path} failed; reading again on the next change or connection.")]
        public static partial void LoopFailed(ILogger logger, string path, Exception exception);
    }
}
