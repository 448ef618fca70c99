using Microsoft.Extensions.Logging;
using ZkDiscovery.Hosting.Diagnostics;

namespace ZkDiscovery.Hosting.Registration;

internal sealed partial class ZooKeeperRegistrationService
{
    private static partial class Log
    {
        /// <summary>
        /// One line per address candidate: the chosen one at Information (next to <see cref="Chosen"/>), the rejected
        /// ones (no advertised host, an unset environment variable, a wildcard bind...) at Debug, so a normal start-up
        /// shows one line per registered address and the full reasoning is one log level away.
        /// </summary>
        public static void Candidate(ILogger logger, string bound, AddressSource source, string host, bool chosen, string reason) =>
            Candidate(logger, chosen ? LogLevel.Information : LogLevel.Debug, bound, source, host, chosen, reason);

        [LoggerMessage(EventId = HostingEventIds.AddressCandidate,
            Message = "Address candidate for {Bound}: {Source} \"{Host}\" chosen={Chosen} ({Reason}).")]
        private static partial void Candidate(ILogger logger, LogLevel level, string bound, AddressSource source, string host, bool chosen, string reason);

        [LoggerMessage(EventId = HostingEventIds.AddressChosen, Level = LogLevel.Information,
            Message = "Registering {Uri} (from {Bound}, {Source}) under {ServicePath}.")]
        public static partial void Chosen(ILogger logger, string bound, Uri uri, AddressSource source, string servicePath);

        [LoggerMessage(EventId = HostingEventIds.LoopbackRegistered, Level = LogLevel.Warning,
            Message = "Registering the loopback address {Address} under {ServicePath}: only clients on this machine can reach it. Set ZooKeeper:Registration:AdvertisedHost or listen on a reachable address.")]
        public static partial void Loopback(ILogger logger, string address, string servicePath);

        [LoggerMessage(EventId = HostingEventIds.NoAddresses, Level = LogLevel.Warning,
            Message = "Nothing to register under {ServicePath}: the server reported no usable address and ZooKeeper:Registration:Addresses is empty.")]
        public static partial void NoAddresses(ILogger logger, string servicePath);

        [LoggerMessage(EventId = HostingEventIds.NoServer, Level = LogLevel.Warning,
            Message = "No IServer with an IServerAddressesFeature in the container: set ZooKeeper:Registration:Addresses to register a worker service.")]
        public static partial void NoServer(ILogger logger);

        [LoggerMessage(EventId = HostingEventIds.RegistrationWaiting, Level = LogLevel.Information,
            Message = "ZooKeeper is not connected yet: {Address} will be registered under {ServicePath} once it is.")]
        public static partial void Waiting(ILogger logger, string address, string servicePath);

        [LoggerMessage(EventId = HostingEventIds.RegistrationRetry, Level = LogLevel.Warning,
            Message = "Could not register {Address} under {ServicePath} (attempt {Attempt}); trying again in {Delay}: {Reason}")]
        public static partial void Retry(ILogger logger, string address, string servicePath, int attempt, TimeSpan delay, string reason);

        [LoggerMessage(EventId = HostingEventIds.Registered, Level = LogLevel.Information, Message = "Registered {Path} for {Uri}.")]
        public static partial void Registered(ILogger logger, string path, Uri uri);

        [LoggerMessage(EventId = HostingEventIds.Deregistering, Level = LogLevel.Information,
            Message = "App stopping: removing {Count} registration node(s) under {ServicePath} before the server stops.")]
        public static partial void Deregistering(ILogger logger, int count, string servicePath);

        [LoggerMessage(EventId = HostingEventIds.Deregistered, Level = LogLevel.Information, Message = "Removed {Path}.")]
        public static partial void Deregistered(ILogger logger, string path);

        [LoggerMessage(EventId = HostingEventIds.Deregistered, Level = LogLevel.Warning,
            Message = "Could not remove {Path} ({Reason}); it goes when the session closes or expires.")]
        public static partial void DeregisterFailed(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = HostingEventIds.DrainDelay, Level = LogLevel.Information, Message = "Waiting the drain delay of {Delay} before the server stops.")]
        public static partial void Draining(ILogger logger, TimeSpan delay);

        [LoggerMessage(EventId = HostingEventIds.ReconcileRepaired, Level = LogLevel.Warning,
            Message = "Registration node {Path} was {Problem}: registered again (session 0x{SessionId:x}).")]
        public static partial void Repaired(ILogger logger, string path, string problem, long sessionId);

        [LoggerMessage(EventId = HostingEventIds.ReconcileFailed, Level = LogLevel.Warning,
            Message = "Could not check registration node {Path}; checking again on the next reconnect or change: {Reason}")]
        public static partial void ReconcileFailed(ILogger logger, string path, string reason);
    
        [LoggerMessage(EventId = HostingEventIds.RegistrationLoopFailed, Level = LogLevel.Error,
            Message = "Registering or checking the nodes under {ServicePath} failed; trying again in {RetryDelay}.")]
        public static partial void LoopFailed(ILogger logger, string servicePath, TimeSpan retryDelay, Exception exception);

        [LoggerMessage(EventId = HostingEventIds.MarkedOutOfService, Level = LogLevel.Information,
            Message = "Marked {Path} OUT_OF_SERVICE (enabled false) for the drain delay before removing it.")]
        public static partial void MarkedOutOfService(ILogger logger, string path);

        [LoggerMessage(EventId = HostingEventIds.MarkedOutOfService, Level = LogLevel.Warning,
            Message = "Could not mark {Path} OUT_OF_SERVICE ({Reason}); it is removed after the drain delay all the same.")]
        public static partial void MarkOutOfServiceFailed(ILogger logger, string path, string reason);
    }
}
