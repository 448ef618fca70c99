using Microsoft.Extensions.Logging;

namespace ZkDiscovery.Recipes;

public static partial class ZooKeeperWaits
{
    private static partial class Log
    {
        [LoggerMessage(EventId = Diagnostics.ZooKeeperEventIds.WaitRearmed, Level = LogLevel.Debug, Message = "Wait on {Path}: watch fired ({Type}, {State}); re-checking.")]
        public static partial void Rearmed(ILogger logger, string path, WatchEventType type, KeeperState state);
    }
}
