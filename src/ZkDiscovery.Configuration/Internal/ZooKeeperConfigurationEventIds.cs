namespace ZkDiscovery.Configuration.Internal;

/// <summary>
/// Log event ids of the configuration provider, in the 6xxx range reserved for configuration by the catalog in
/// <c>ZkDiscovery.Diagnostics.ZooKeeperEventIds</c> (internal to the core assembly, so kept here).
/// </summary>
internal static class ZooKeeperConfigurationEventIds
{
    public const int Loaded = 6000;
    public const int Reloaded = 6001;
    public const int ReloadUnchanged = 6002;
    public const int LoadFailed = 6003;
    public const int Recovered = 6004;
    public const int StartupFailed = 6005;
    public const int StartedFromSnapshot = 6006;
    public const int SnapshotWriteFailed = 6007;
    public const int SnapshotReadFailed = 6008;
    public const int ReadInterrupted = 6009;
    public const int LoadExceptionHandlerFailed = 6010;
    public const int ReloadLoopFailed = 6011;
    public const int ReloadRetrying = 6012;

    // 6020-6029: what a user must see without wiring.
    public const int NodeDeleted = 6020;
    public const int NodeDeletedKeysRemoved = 6021;
    public const int ReloadedKeys = 6022;
    public const int EarlyEventsDropped = 6023;
}
