namespace ZkDiscovery.Hosting.Diagnostics;

/// <summary>
/// Log event ids of ZkDiscovery.Hosting: 5100-5199 registration (the core's registrar has 5000-5099),
/// 5200-5299 discovery and HttpClient integration, 5300-5349 client lifetime in the host.
/// </summary>
internal static class HostingEventIds
{
    // 5100-5199: registration of the app's addresses.
    public const int AddressCandidate = 5100;
    public const int AddressChosen = 5101;
    public const int LoopbackRegistered = 5102;
    public const int NoAddresses = 5103;
    public const int RegistrationWaiting = 5104;
    public const int RegistrationRetry = 5105;
    public const int Registered = 5106;
    public const int Deregistering = 5107;
    public const int Deregistered = 5108;
    public const int DrainDelay = 5109;
    public const int ReconcileRepaired = 5110;
    public const int ReconcileFailed = 5111;
    public const int NoServer = 5112;
    public const int MarkedOutOfService = 5113;
    public const int RegistrationLoopFailed = 5114;

    // 5200-5299: discovery.
    public const int DiscoveryStarted = 5200;
    public const int DiscoveryServiceMissing = 5201;
    public const int DiscoveryChanged = 5202;
    public const int DiscoveryBadEndpoint = 5203;
    public const int DiscoveryLoadFailed = 5204;
    public const int DiscoveryProviderUnreadable = 5205;
    public const int DiscoveryProviderData = 5206;
    public const int DiscoveryPerProviderReads = 5207;
    public const int DiscoveryBatchReadsAbandoned = 5208;
    public const int DiscoveryProviderSkipped = 5209;
    public const int HttpEndpointFailed = 5210;
    public const int DiscoveryNotInZooKeeper = 5211;
    public const int DiscoveryTreeMode = 5212;
    public const int DiscoveryInstanceNotUp = 5213;
    public const int DiscoveryLoopFailed = 5214;
    public const int DiscoveryStoppedUnused = 5215;
    public const int DiscoveryStopUnusedFailed = 5216;

    // 5300-5349: the client in the host.
    public const int ClientStarting = 5300;
    public const int ClientStopping = 5301;
    public const int ConfigurationLoggingAttached = 5302;
}
