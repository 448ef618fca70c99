using Microsoft.Extensions.Logging;
using ZkDiscovery.Diagnostics;

namespace ZkDiscovery.Discovery;

public sealed partial class ServiceRegistrar
{
    private static partial class Log
    {
        [LoggerMessage(EventId = ZooKeeperEventIds.ServiceRegistered, Level = LogLevel.Information, Message = "Registered {Addresses} under {ServicePath} (session 0x{SessionId:x}).")]
        public static partial void Registered(ILogger logger, string servicePath, string addresses, long sessionId);

        [LoggerMessage(EventId = ZooKeeperEventIds.ServiceUnregistered, Level = LogLevel.Information, Message = "Unregistered {Addresses} under {ServicePath}.")]
        public static partial void Unregistered(ILogger logger, string servicePath, string addresses);

        [LoggerMessage(EventId = ZooKeeperEventIds.ServiceUnregistered, Level = LogLevel.Warning, Message = "Could not delete the nodes of {Addresses} under {ServicePath} while unregistering: {Reason}")]
        public static partial void UnregisterFailed(ILogger logger, string servicePath, string addresses, string reason);

        [LoggerMessage(EventId = ZooKeeperEventIds.ServiceRecreating, Level = LogLevel.Information, Message = "New ZooKeeper session 0x{SessionId:x}: re-creating {Count} registrations.")]
        public static partial void Recreating(ILogger logger, int count, long sessionId);

        [LoggerMessage(EventId = ZooKeeperEventIds.ServiceRecreated, Level = LogLevel.Information, Message = "Re-registered {Addresses} under {ServicePath} (session 0x{SessionId:x}).")]
        public static partial void Recreated(ILogger logger, string servicePath, string addresses, long sessionId);

        [LoggerMessage(EventId = ZooKeeperEventIds.ServiceStaleNodeReplaced, Level = LogLevel.Warning, Message = "{Path} exists, owned by session 0x{Owner:x} (not ours); deleting it and registering again.")]
        public static partial void StaleNodeReplaced(ILogger logger, string path, long owner);

        [LoggerMessage(EventId = ZooKeeperEventIds.ServiceRegistrationFailed, Level = LogLevel.Error, Message = "Could not register {Addresses} under {ServicePath}.")]
        public static partial void RegistrationFailed(ILogger logger, string servicePath, string addresses, Exception exception);

        [LoggerMessage(EventId = ZooKeeperEventIds.ServiceUpdated, Level = LogLevel.Debug, Message = "Updated the data of {Addresses} under {ServicePath}.")]
        public static partial void Updated(ILogger logger, string servicePath, string addresses);

        [LoggerMessage(EventId = ZooKeeperEventIds.ServiceWildcardExpanded, Level = LogLevel.Debug, Message = "Wildcard host \"{Host}\" registers the machine's addresses: {Hosts}.")]
        public static partial void WildcardExpanded(ILogger logger, string host, string hosts);
    
        [LoggerMessage(EventId = ZooKeeperEventIds.ServiceRegistrarLoopFailed, Level = LogLevel.Error, Message = "Re-creating the registrations failed; trying again in {RetryDelay}.")]
        public static partial void LoopFailed(ILogger logger, TimeSpan retryDelay, Exception exception);
    }
}
