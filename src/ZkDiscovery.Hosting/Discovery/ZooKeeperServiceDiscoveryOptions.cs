namespace ZkDiscovery.Hosting.Discovery;

/// <summary>How services are found in ZooKeeper. Bound from the configuration section <c>ZooKeeper:Discovery</c>.</summary>
public sealed class ZooKeeperServiceDiscoveryOptions
{
    /// <summary>The configuration section the options are bound from: <c>ZooKeeper:Discovery</c>.</summary>
    public const string SectionName = "ZooKeeper:Discovery";

    /// <summary>The path of a service not listed in <see cref="Services"/>: a composite format with the service name as <c>{0}</c>.</summary>
    /// <value>The default value is <c>/{0}/providers</c>: <c>fooservice</c> → <c>/fooservice/providers</c>.</value>
    public string ServicePathFormat { get; set; } = "/{0}/providers";

    /// <summary>Paths of named services (service name → path; the path may go through symbolic links).</summary>
    /// <value>The default value is empty.</value>
    public IDictionary<string, string> Services { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long the first request for a service waits for its endpoints to be read.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan InitialLoadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a service that is not in <see cref="Services"/> and was not asked for through
    /// <see cref="ZooKeeperServiceEndpointResolver"/> itself stays watched after its last use by Microsoft's
    /// ServiceDiscovery (its last provider disposed) or by ZkDiscovery's HttpClient handler (its last request).
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> keeps every service watched until the app stops.
    /// </summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan UnusedServiceTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The built-in selection strategy used when no other <see cref="IZooKeeperEndpointSelector"/> is registered.</summary>
    /// <value>The default value is <see cref="ServiceEndpointSelectionStrategy.RoundRobin"/>.</value>
    public ServiceEndpointSelectionStrategy SelectionStrategy { get; set; } = ServiceEndpointSelectionStrategy.RoundRobin;

    /// <summary>
    /// How many endpoints an HTTP request through <c>AddZooKeeperServiceDiscovery()</c> tries when connecting fails
    /// (connection refused, unreachable): each retry goes to an endpoint not tried yet.
    /// </summary>
    /// <value>The default value is 3.</value>
    public int MaxConnectAttempts { get; set; } = 3;
}

/// <summary>The built-in ways to pick one endpoint of a service.</summary>
public enum ServiceEndpointSelectionStrategy
{
    /// <summary>Each endpoint in turn.</summary>
    RoundRobin,

    /// <summary>An endpoint at random.</summary>
    Random,

    /// <summary>The less loaded (fewer requests in flight from this process) of two endpoints picked at random.</summary>
    PowerOfTwoChoices,
}
