using Microsoft.Extensions.Logging;
using ZkDiscovery.Hosting.Diagnostics;

namespace ZkDiscovery.Hosting.Discovery;

internal sealed partial class ZooKeeperServiceEndpointProviderFactory
{
    private static partial class Log
    {
        [LoggerMessage(EventId = HostingEventIds.DiscoveryProviderSkipped, Level = LogLevel.Debug, Message = "Service {ServiceName}: endpoints already found by an earlier provider or named in configuration; ZooKeeper not asked.")]
        public static partial void Skipped(ILogger logger, string serviceName);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryNotInZooKeeper, Level = LogLevel.Debug, Message = "Service {ServiceName} is not configured and {ServicePath} does not exist: leaving it to the next provider.")]
        public static partial void NotInZooKeeper(ILogger logger, string serviceName, string servicePath);
    }
}
