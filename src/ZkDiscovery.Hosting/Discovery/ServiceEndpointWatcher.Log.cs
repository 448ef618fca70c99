using Microsoft.Extensions.Logging;
using ZkDiscovery.Hosting.Diagnostics;

namespace ZkDiscovery.Hosting.Discovery;

internal sealed partial class ServiceEndpointWatcher
{
    private static partial class Log
    {
        [LoggerMessage(EventId = HostingEventIds.DiscoveryStarted, Level = LogLevel.Debug, Message = "Watching the endpoints of {ServiceName} at {ServicePath} (real path {RealPath}).")]
        public static partial void Started(ILogger logger, string serviceName, string servicePath, string realPath);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryServiceMissing, Level = LogLevel.Information, Message = "{ServicePath} (service {ServiceName}) does not exist: no endpoints until it is created.")]
        public static partial void Missing(ILogger logger, string serviceName, string servicePath);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryChanged, Level = LogLevel.Debug, Message = "Service {ServiceName} at {ServicePath}: {Count} endpoint(s), stale={IsStale}.")]
        public static partial void Changed(ILogger logger, string serviceName, string servicePath, int count, bool isStale);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryInstanceNotUp, Level = LogLevel.Debug, Message = "Leaving {Path} out of service {ServiceName}: the Curator instance is not up (enabled {Enabled}, instance_status '{Status}').")]
        public static partial void InstanceNotUp(ILogger logger, string path, string serviceName, bool enabled, string status);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryBadEndpoint, Level = LogLevel.Warning, Message = "Ignoring {Name} under {ServicePath}: neither a usable uri property nor a HOST:PORT name (nor, for a Curator instance, an address and port).")]
        public static partial void BadEndpoint(ILogger logger, string name, string servicePath);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryLoadFailed, Level = LogLevel.Information, Message = "Reading the endpoints of {ServiceName} at {ServicePath} failed; keeping the last list until ZooKeeper is back: {Reason}")]
        public static partial void LoadFailed(ILogger logger, string serviceName, string servicePath, string reason);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryProviderUnreadable, Level = LogLevel.Warning, Message = "Leaving {Path} out of service {ServiceName}: {Reason}")]
        public static partial void ProviderUnreadable(ILogger logger, string path, string serviceName, string reason);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryPerProviderReads, Level = LogLevel.Information, Message = "The server cannot read the providers of {ServiceName} at {ServicePath} in bulk (multiRead needs ZooKeeper 3.6+): reading each provider with its own request.")]
        public static partial void PerProviderReads(ILogger logger, string serviceName, string servicePath);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryBatchReadsAbandoned, Level = LogLevel.Warning, Message = "Reading the providers of {ServiceName} at {ServicePath} in batches lost the connection {Count} times in a row (a reply larger than the frame limit does that); reading each provider with its own request from now on.")]
        public static partial void BatchReadsAbandoned(ILogger logger, string serviceName, string servicePath, int count);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryLoopFailed, Level = LogLevel.Error, Message = "Watching the endpoints of {ServiceName} at {ServicePath} failed; trying again in {RetryDelay}.")]
        public static partial void LoopFailed(ILogger logger, string serviceName, string servicePath, TimeSpan retryDelay, Exception exception);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryProviderData, Level = LogLevel.Warning, Message = "{Path} (service {ServiceName}): {Warning}; read as string_value.")]
        public static partial void ProviderDataWarning(ILogger logger, string path, string serviceName, string warning);

        [LoggerMessage(EventId = HostingEventIds.DiscoveryTreeMode, Level = LogLevel.Debug, Message = "Watching {ServiceName} at {ServicePath} with one persistent recursive watch: a change costs one read, whatever the number of providers.")]
        public static partial void TreeMode(ILogger logger, string serviceName, string servicePath);
    }
}
