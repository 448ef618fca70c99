using Microsoft.Extensions.Logging;
using ZkDiscovery.Diagnostics;

namespace ZkDiscovery;

public sealed partial class ZooKeeperClient
{
    private static partial class Log
    {
        [LoggerMessage(EventId = ZooKeeperEventIds.RetryingRequest, Level = LogLevel.Debug, Message = "Retrying the request for {Path} after {Code}.")]
        public static partial void Retrying(ILogger logger, string? path, ZooKeeperErrorCode code);
    }
}
