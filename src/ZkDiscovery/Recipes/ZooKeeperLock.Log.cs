using Microsoft.Extensions.Logging;
using ZkDiscovery.Diagnostics;

namespace ZkDiscovery.Recipes;

public sealed partial class ZooKeeperLock
{
    internal static partial class Log
    {
        [LoggerMessage(EventId = ZooKeeperEventIds.LockAcquired, Level = LogLevel.Debug, Message = "Lock {Path} acquired with node {Node}.")]
        public static partial void Acquired(ILogger logger, string path, string node);

        [LoggerMessage(EventId = ZooKeeperEventIds.LockReleased, Level = LogLevel.Debug, Message = "Lock {Path} released (node {Node}).")]
        public static partial void Released(ILogger logger, string path, string node);

        [LoggerMessage(EventId = ZooKeeperEventIds.LockLost, Level = LogLevel.Warning, Message = "Lock {Path} lost (node {Node}): {Reason}.")]
        public static partial void Lost(ILogger logger, string path, string node, string reason);

        [LoggerMessage(EventId = ZooKeeperEventIds.LockNodeRecovered, Level = LogLevel.Information, Message = "Lock node {Node} was created before the connection was lost; found it by its prefix.")]
        public static partial void NodeRecovered(ILogger logger, string node);

        [LoggerMessage(EventId = ZooKeeperEventIds.LockReleaseFailed, Level = LogLevel.Warning, Message = "Could not delete lock node(s) of {Path}; they go with the session: {Reason}")]
        public static partial void ReleaseFailed(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = ZooKeeperEventIds.LockWaiting, Level = LogLevel.Debug, Message = "Waiting for lock {Path}: watching {Predecessor}.")]
        public static partial void Waiting(ILogger logger, string path, string predecessor);
    }
}
