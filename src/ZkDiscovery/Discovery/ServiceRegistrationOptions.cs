namespace ZkDiscovery.Discovery;

/// <summary>How <see cref="ServiceRegistrar.RegisterAsync"/> names and protects registration nodes.</summary>
public sealed class ServiceRegistrationOptions
{
    /// <summary>
    /// The host to register instead of the bound one (for example the address clients reach through NAT, or a DNS
    /// name). When set, exactly one node <c>ADVERTISEDHOST:PORT</c> is registered, also for wildcard hosts.
    /// </summary>
    /// <value>The default value is null: the bound host, or every non-loopback IPv4 address for a wildcard host.</value>
    public string? AdvertisedHost { get; set; }

    /// <summary>The ACL of the registration nodes.</summary>
    /// <value>
    /// The default value is null: <c>[READ world:anyone]</c>, plus <c>[ALL auth:]</c> when the session has
    /// authenticated with digest credentials (so the world can read the node and only the registrant can change it).
    /// </value>
    public IReadOnlyList<ZooKeeperAcl>? Acl { get; set; }
}
