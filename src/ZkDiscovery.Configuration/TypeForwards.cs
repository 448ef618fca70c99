using System.Runtime.CompilerServices;
using ZkDiscovery.Configuration;

// Moved to ZkDiscovery (same namespace) so that the hosting package can report it without referencing this one.
[assembly: TypeForwardedTo(typeof(ZooKeeperConfigurationStatus))]
