using System.Diagnostics.Metrics;
using System.Reflection;

namespace ZkDiscovery.Hosting.Diagnostics;

/// <summary>
/// The <c>ZkDiscovery.Hosting</c> meter: registrations, re-registrations and live endpoints per discovered service.
/// Created through <see cref="IMeterFactory"/> when one is registered (the generic host registers one).
/// </summary>
internal sealed class ZooKeeperHostingMetrics : IDisposable
{
    public const string MeterName = "ZkDiscovery.Hosting";
    public const string RegistrationsName = "zookeeper.registration.created";
    public const string ReregistrationsName = "zookeeper.registration.recreated";
    public const string EndpointsName = "zookeeper.discovery.endpoints";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _registrations;
    private readonly Counter<long> _reregistrations;
    private readonly List<Func<IEnumerable<Measurement<int>>>> _endpointSources = [];

    public ZooKeeperHostingMetrics(IMeterFactory? meterFactory)
    {
        var version = typeof(ZooKeeperHostingMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (meterFactory is not null)
        {
            _meter = meterFactory.Create(new MeterOptions(MeterName) { Version = version });
        }
        else
        {
            _meter = new Meter(MeterName, version);
            _ownsMeter = true;
        }
        _registrations = _meter.CreateCounter<long>(RegistrationsName, "{registration}", "Registration nodes created for this app (first registration of each address).");
        _reregistrations = _meter.CreateCounter<long>(ReregistrationsName, "{registration}",
            "Registration nodes found missing, foreign or changed, or re-created in a new session after an expiry.");
        _meter.CreateObservableGauge(EndpointsName, ObserveEndpoints, "{endpoint}", "Live endpoints of each discovered service (tag zookeeper.service.name).");
    }

    public void Registered(string servicePath) =>
        _registrations.Add(1, new KeyValuePair<string, object?>("zookeeper.service.path", servicePath));

    public void Reregistered(string servicePath, string reason) =>
        _reregistrations.Add(1, new KeyValuePair<string, object?>("zookeeper.service.path", servicePath), new KeyValuePair<string, object?>("reason", reason));

    public void AddEndpointSource(Func<IEnumerable<Measurement<int>>> source)
    {
        lock (_endpointSources)
        {
            _endpointSources.Add(source);
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private IEnumerable<Measurement<int>> ObserveEndpoints()
    {
        Func<IEnumerable<Measurement<int>>>[] sources;
        lock (_endpointSources)
        {
            sources = [.. _endpointSources];
        }
        return sources.SelectMany(static s => s()).ToList();
    }
}
