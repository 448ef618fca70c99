using Microsoft.Extensions.Logging;
using ZkDiscovery.Hosting.Diagnostics;

namespace ZkDiscovery.Hosting.Http;

internal sealed partial class ZooKeeperServiceDiscoveryHandler
{
    private static partial class Log
    {
        [LoggerMessage(EventId = HostingEventIds.HttpEndpointFailed, Level = LogLevel.Warning,
            Message = "Could not connect to {Endpoint} (service {ServiceName}); trying another endpoint if any: {Reason}")]
        public static partial void EndpointFailed(ILogger logger, Uri endpoint, string serviceName, string reason);
    }
}
