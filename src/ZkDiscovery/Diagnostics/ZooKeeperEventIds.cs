namespace ZkDiscovery.Diagnostics;

/// <summary>
/// The one catalog of log event ids, in ranges: 1xxx session and connection, 2xxx requests, 3xxx watches,
/// 4xxx recipes, 5xxx registration and discovery, 6xxx configuration, 7xxx node layer.
/// </summary>
internal static class ZooKeeperEventIds
{
    public const int Connecting = 1000;
    public const int Connected = 1001;
    public const int ConnectFailed = 1002;
    public const int Disconnected = 1003;
    public const int SessionExpired = 1004;
    public const int AuthFailed = 1005;
    public const int Closing = 1006;
    public const int Closed = 1007;
    public const int ReadTimeout = 1008;
    public const int ReconnectBackoff = 1009;
    public const int ReadOnlyConnected = 1010;
    public const int ReadWriteServerFound = 1011;
    public const int SessionTimeoutNegotiated = 1012;
    public const int ProtocolError = 1013;
    public const int ReaderThreadHandedOver = 1014;

    // 1100-1199: transport security and SASL (Connection/TlsConnector, SASL exchange).
    public const int TlsHandshakeCompleted = 1100;
    public const int SaslAuthenticated = 1110;

    public const int StaleRequestsFailed = 2000;
    public const int RequestTooLarge = 2001;
    public const int RetryingRequest = 2002;

    public const int WatchesRestored = 3000;
    public const int WatchesLost = 3001;
    public const int WatcherFailed = 3002;
    public const int StateHandlerFailed = 3003;
    public const int SetWatchesFailed = 3004;

    // 71xx: ZooKeeperNodes (server-backed properties, links, tree import/export, recursive delete).
    public const int NodeDataNotJson = 7100;
    public const int NodeBadPropertyLink = 7101;
    public const int NodeDeleting = 7102;
    public const int NodeUpdateConflict = 7103;
    public const int TreeImportNodeApplied = 7104;

    // 5000-5099: service registration (Discovery/ServiceRegistrar).
    public const int ServiceRegistered = 5000;
    public const int ServiceUnregistered = 5001;
    public const int ServiceRecreating = 5002;
    public const int ServiceStaleNodeReplaced = 5003;
    public const int ServiceRegistrationFailed = 5004;
    public const int ServiceUpdated = 5005;
    public const int ServiceWildcardExpanded = 5006;
    public const int ServiceRecreated = 5007;
    public const int ServiceRegistrarLoopFailed = 5008;

    // 7150-7199: live views of nodes (Nodes/Live*); 7100-7149 belong to the server-backed node operations.
    public const int LiveViewDataWarning = 7150;
    public const int LiveViewBadPropertyLink = 7151;
    public const int LiveViewRealPathChanged = 7152;
    public const int LiveViewDeleted = 7153;
    public const int LiveViewRefreshFailed = 7154;
    public const int LiveViewSubscriberFailed = 7155;
    public const int LiveViewLinkError = 7156;
    public const int LiveViewLoopFailed = 7157;

    // 4000-4099: recipes (Recipes/): lock, compare-and-set, waits, hierarchy.
    public const int LockAcquired = 4000;
    public const int LockReleased = 4001;
    public const int LockLost = 4002;
    public const int LockNodeRecovered = 4003;
    public const int LockReleaseFailed = 4004;
    public const int LockWaiting = 4005;
    public const int CompareAndSetConflict = 4010;
    public const int WaitRearmed = 4020;
    public const int HierarchyNodeApplied = 4030;
}
