using ZkDiscovery.Discovery;

namespace ZkDiscovery.Hosting.Registration;

/// <summary>
/// How the app registers itself in ZooKeeper. Bound from the configuration section <c>ZooKeeper:Registration</c>.
/// </summary>
public sealed class ZooKeeperRegistrationOptions
{
    /// <summary>The configuration section the options are bound from: <c>ZooKeeper:Registration</c>.</summary>
    public const string SectionName = "ZooKeeper:Registration";

    /// <summary>Whether the app registers at all.</summary>
    /// <value>The default value is true.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The service path the ephemeral <c>HOST:PORT</c> nodes are created under; missing parents are created. With
    /// <see cref="ZooKeeperRegistrationLayout.Curator"/>, the service's node (<c>/services/fooservice</c>), whose last
    /// segment is the Curator service name.
    /// </summary>
    /// <value>
    /// The default value is null: <c>/{ApplicationName}/providers</c>, e.g. <c>/fooservice/providers</c>; with the Curator
    /// layout <c>/services/{ApplicationName}</c>, as Spring Cloud Zookeeper.
    /// </value>
    public string? ServicePath { get; set; }

    /// <summary>The node layout: zc.zk's <c>HOST:PORT</c> nodes, or Curator x-discovery instances (Spring Cloud Zookeeper).</summary>
    /// <value>The default value is <see cref="ZooKeeperRegistrationLayout.ZcZk"/>.</value>
    public ZooKeeperRegistrationLayout Layout { get; set; } = ZooKeeperRegistrationLayout.ZcZk;

    /// <summary>
    /// With the Curator layout, the instance id (the node's name); when several addresses are registered, the second gets
    /// <c>{InstanceId}-2</c>, and so on. Not allowed with the zc.zk layout.
    /// </summary>
    /// <value>The default value is null: a random UUID per address, chosen at start.</value>
    public string? InstanceId { get; set; }

    /// <summary>With the Curator layout, the instance payload: Spring's <c>ZookeeperInstance</c> with <see cref="Metadata"/>, or none.</summary>
    /// <value>The default value is <see cref="ZooKeeperCuratorPayload.Spring"/>.</value>
    public ZooKeeperCuratorPayload CuratorPayload { get; set; } = ZooKeeperCuratorPayload.Spring;

    /// <summary>
    /// The host to register instead of the bound one (the address clients reach: NAT, container port mapping, DNS name).
    /// First in the address order; see <see cref="AddressEnvironmentVariables"/> for the rest.
    /// </summary>
    /// <value>The default value is null.</value>
    public string? AdvertisedHost { get; set; }

    /// <summary>The port to register instead of the bound one (for example a published container port).</summary>
    /// <value>The default value is null: the port Kestrel really bound (port 0 resolved).</value>
    public int? AdvertisedPort { get; set; }

    /// <summary>
    /// Environment variables that, when set, name the host to register (after <see cref="AdvertisedHost"/>, before the
    /// bound address); the first one set wins.
    /// </summary>
    /// <value>The default value is <c>POD_IP</c>, <c>HOST_IP</c>.</value>
    public IList<string> AddressEnvironmentVariables { get; set; } = ["POD_IP", "HOST_IP"];

    /// <summary>
    /// Addresses to register instead of the ones the server bound, as absolute URIs (<c>http://10.0.0.5:8080</c>);
    /// for apps without Kestrel (worker services) or to register a subset. Wildcard hosts are expanded as for Kestrel.
    /// </summary>
    /// <value>The default value is empty: the addresses of <c>IServer</c>'s <c>IServerAddressesFeature</c>.</value>
    public IList<string> Addresses { get; set; } = [];

    /// <summary>The version written into the node data.</summary>
    /// <value>The default value is null: the entry assembly's informational version.</value>
    public string? Version { get; set; }

    /// <summary>
    /// User metadata written into the node data under <c>metadata</c>; with the Curator layout into the Spring payload's
    /// <c>metadata</c>, next to <c>instance_status</c>.
    /// </summary>
    public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// How long to wait after deleting the nodes when the app stops, before the server stops accepting requests, so
    /// that clients notice the removal and stop sending new requests. With the Curator layout the instance is first
    /// marked out of service (<c>instance_status</c> <c>OUT_OF_SERVICE</c> and <c>enabled</c> false) for this long, then
    /// deleted.
    /// </summary>
    /// <value>The default value is zero.</value>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.Zero;

    /// <summary>The pause between two attempts to register while ZooKeeper cannot be reached or refuses the nodes.</summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The ACL of the nodes; see <see cref="ServiceRegistrationOptions.Acl"/>.</summary>
    /// <value>The default value is null: world-readable, writable only by the registering digest identity (if any).</value>
    public IReadOnlyList<ZooKeeperAcl>? Acl { get; set; }

    /// <summary>
    /// Called before the nodes are created (and never again for them): may add, change or remove properties of the
    /// node data. Runs on the registration's background task; an exception fails that attempt. Not called with the
    /// Curator layout (the data is a Curator instance; use <see cref="Metadata"/>).
    /// </summary>
    public Action<ServiceRegisteringEventArgs>? OnRegistering { get; set; }
}
