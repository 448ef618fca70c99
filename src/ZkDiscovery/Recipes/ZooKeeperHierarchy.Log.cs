using Microsoft.Extensions.Logging;

namespace ZkDiscovery.Recipes;

public static partial class ZooKeeperHierarchy
{
    private static partial class Log
    {
        [LoggerMessage(EventId = Diagnostics.ZooKeeperEventIds.HierarchyNodeApplied, Level = LogLevel.Debug, Message = "Hierarchy: {Line}")]
        public static partial void Applied(ILogger logger, string line);
    }
}
