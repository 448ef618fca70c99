using Microsoft.Extensions.Logging;
using ZkDiscovery.Hosting.Diagnostics;

namespace ZkDiscovery.Hosting.Configuration;

internal sealed partial class ZooKeeperConfigurationHostedService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = HostingEventIds.ConfigurationLoggingAttached, Level = LogLevel.Debug, Message = "The host's logging is attached to {Count} ZooKeeper configuration providers.")]
        public static partial void Attached(ILogger logger, int count);
    }
}
