using Microsoft.Extensions.Logging;

namespace ZkDiscovery.Recipes;

public static partial class ZooKeeperCompareAndSet
{
    private static partial class Log
    {
        [Microsoft.Extensions.Logging.LoggerMessage(EventId = Diagnostics.ZooKeeperEventIds.CompareAndSetConflict, Level = LogLevel.Debug, Message = "ZooKeeper node {Path} changed during compare-and-set attempt {Attempt}; re-reading.")]
        public static partial void Conflict(ILogger logger, string path, int attempt);
    }
}
