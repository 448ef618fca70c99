namespace ZkDiscovery;

/// <summary>
/// The names under which ZkDiscovery publishes traces and metrics, for an OpenTelemetry setup that opts in to them:
/// <c>tracing.AddSource(ZooKeeperTelemetry.ActivitySourceNames)</c> and <c>metrics.AddMeter(ZooKeeperTelemetry.MeterNames)</c>.
/// The libraries depend on <see cref="System.Diagnostics.ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/>
/// only, never on the OpenTelemetry SDK; nothing is recorded unless a listener subscribes to these names.
/// </summary>
/// <remarks>
/// Every source and meter is named after its assembly and carries the assembly's version. docs/telemetry.md lists
/// every span and attribute.
/// </remarks>
public static class ZooKeeperTelemetry
{
    /// <summary>
    /// <c>ZkDiscovery</c>: the activity source of the client (one <c>Client</c> span per request, named after the
    /// operation, such as <c>get_data</c>) and of the service registrar (<c>zookeeper.register</c>,
    /// <c>zookeeper.reregister</c>). Also the name of the client's meter.
    /// </summary>
    public const string ActivitySourceName = "ZkDiscovery";

    /// <summary>
    /// <c>ZkDiscovery.Hosting</c>: the activity source of the hosting integration (registration of the app's
    /// addresses, discovery refreshes). Also the name of its meter.
    /// </summary>
    public const string HostingActivitySourceName = "ZkDiscovery.Hosting";

    /// <summary>
    /// <c>ZkDiscovery.Configuration</c>: the activity source of the configuration provider (loads and reloads). Also
    /// the name of its meter.
    /// </summary>
    public const string ConfigurationActivitySourceName = "ZkDiscovery.Configuration";

    /// <summary>The names of every ZkDiscovery activity source, for <c>TracerProviderBuilder.AddSource</c>; a new array on each call.</summary>
    public static string[] ActivitySourceNames => [ActivitySourceName, HostingActivitySourceName, ConfigurationActivitySourceName];

    /// <summary>
    /// The names of every ZkDiscovery meter (<c>ZkDiscovery</c>, <c>ZkDiscovery.Hosting</c>, <c>ZkDiscovery.Configuration</c>),
    /// for <c>MeterProviderBuilder.AddMeter</c>; a new array on each call.
    /// </summary>
    public static string[] MeterNames => [ActivitySourceName, HostingActivitySourceName, ConfigurationActivitySourceName];
}
