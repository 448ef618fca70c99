using Microsoft.Extensions.Logging;
using ZkDiscovery.Hosting.Diagnostics;

namespace ZkDiscovery.Hosting;

internal sealed partial class ZooKeeperClientHostedService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = HostingEventIds.ClientStarting, Level = LogLevel.Debug, Message = "Starting the ZooKeeper client in the background.")]
        public static partial void Starting(ILogger logger);

        [LoggerMessage(EventId = HostingEventIds.ClientStopping, Level = LogLevel.Debug, Message = "Host stopped: closing the ZooKeeper session.")]
        public static partial void Stopping(ILogger logger);
    }
}
