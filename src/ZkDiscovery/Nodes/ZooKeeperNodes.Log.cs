using Microsoft.Extensions.Logging;
using ZkDiscovery.Diagnostics;

namespace ZkDiscovery.Nodes;

public sealed partial class ZooKeeperNodes
{
    // Paths are logged; node data never is.
    private static partial class Log
    {
        [LoggerMessage(EventId = ZooKeeperEventIds.NodeDataNotJson, Level = LogLevel.Warning, Message = "The data of ZooKeeper node {Path} is not a JSON object; read as property string_value ({Reason}).")]
        public static partial void DataNotJson(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = ZooKeeperEventIds.NodeBadPropertyLink, Level = LogLevel.Warning, Message = "Property link on ZooKeeper node {Path} left out: {Reason}")]
        public static partial void BadPropertyLink(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = ZooKeeperEventIds.NodeDeleting, Level = LogLevel.Information, Message = "Deleting ZooKeeper node {Path}.")]
        public static partial void Deleting(ILogger logger, string path);

        [LoggerMessage(EventId = ZooKeeperEventIds.NodeUpdateConflict, Level = LogLevel.Debug, Message = "ZooKeeper node {Path} changed during update attempt {Attempt}; re-reading.")]
        public static partial void UpdateConflict(ILogger logger, string path, int attempt);

        [LoggerMessage(EventId = ZooKeeperEventIds.TreeImportNodeApplied, Level = LogLevel.Debug, Message = "Tree import: {Line}")]
        public static partial void ImportApplied(ILogger logger, string line);
    }
}
