using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.ServiceDiscovery;
using ZkDiscovery.Discovery;
using ZkDiscovery.Hosting.Registration;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Hosting.Discovery;

/// <summary>
/// What ZooKeeper says about one endpoint of a service: set as a feature on every <see cref="ServiceEndpoint"/> that
/// ZkDiscovery discovers (<c>endpoint.Features.Get&lt;IZooKeeperEndpointFeature&gt;()</c>).
/// </summary>
public interface IZooKeeperEndpointFeature
{
    /// <summary>The service the endpoint belongs to.</summary>
    string ServiceName { get; }

    /// <summary>The path of the endpoint's node (after links are followed), e.g. <c>/fooservice/providers/10.0.0.5:8080</c>.</summary>
    string Path { get; }

    /// <summary>The node's properties as registered (<c>pid</c>, <c>uri</c>, <c>version</c>, <c>metadata</c>, ...).</summary>
    NodeProperties Properties { get; }

    /// <summary>
    /// When the endpoint was registered: the <c>started</c> property that ZkDiscovery registrations write, else the time
    /// the node was created; null when neither is known.
    /// </summary>
    DateTimeOffset? RegisteredAt { get; }

    /// <summary>
    /// True while ZooKeeper is not reachable: the endpoint is from the last list read, which may be out of date. Reads
    /// the service's current state, so it turns false again as soon as the session is back.
    /// </summary>
    bool IsStale { get; }
}

/// <summary>
/// An endpoint discovered in ZooKeeper: a live child <c>SERVICEPATH/NAME</c> of the service's node and its properties.
/// Immutable: a change of the node's data yields a new instance.
/// </summary>
/// <remarks>
/// <see cref="ServiceEndpoint.EndPoint"/> is a <see cref="UriEndPoint"/> when the node's data names a <c>uri</c> or a
/// <c>scheme</c> (ZkDiscovery registrations write both), else an <see cref="IPEndPoint"/> or a <see cref="DnsEndPoint"/>
/// from the node name <c>HOST:PORT</c> (what zc.zk and kazoo users register, with data such as <c>{"pid": 4242}</c>):
/// the caller's scheme applies then.
/// </remarks>
[DebuggerDisplay("{Uri} ({Path})")]
public sealed class ZooKeeperServiceEndpoint : ServiceEndpoint, IZooKeeperEndpointFeature
{
    private readonly IStaleSource? _staleSource;
    private int _inFlight;

    internal ZooKeeperServiceEndpoint(string serviceName, string path, string name, Uri uri, EndPoint endPoint, string? endpointName, NodeProperties properties, DateTimeOffset? registeredAt, IStaleSource? staleSource, CuratorServiceInstance? curatorInstance = null)
    {
        CuratorInstance = curatorInstance;
        ServiceName = serviceName;
        Path = path;
        Name = name;
        Uri = uri;
        EndPoint = endPoint;
        EndpointName = endpointName;
        Properties = properties;
        RegisteredAt = registeredAt;
        _staleSource = staleSource;
        var features = new FeatureCollection(2);
        features.Set<IZooKeeperEndpointFeature>(this);
        if (Uri.CheckHostName(uri.IdnHost) == UriHostNameType.Dns)
        {
            features.Set<IHostNameFeature>(new HostNameFeature(uri.IdnHost));
        }
        Features = features;
    }

    /// <inheritdoc/>
    public string ServiceName { get; }

    /// <inheritdoc/>
    public string Path { get; }

    /// <summary>The node's name, usually <c>HOST:PORT</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// The URI that ZkDiscovery's own HttpClient handler sends to: the node's <c>uri</c> property, else
    /// <c>SCHEME://HOST:PORT/</c> (scheme from the <c>scheme</c> property, default http).
    /// </summary>
    public Uri Uri { get; }

    /// <summary>
    /// The named endpoint this is (the node's <c>endpoint</c> property, for queries such as <c>https://_dashboard.fooservice</c>),
    /// or null for the service's default endpoint.
    /// </summary>
    public string? EndpointName { get; }

    /// <inheritdoc/>
    /// <remarks>For a Curator instance: the metadata of its Spring payload, as strings.</remarks>
    public NodeProperties Properties { get; }

    /// <summary>The layout of the node the endpoint was read from: zc.zk's <c>HOST:PORT</c> node, or a Curator x-discovery instance.</summary>
    public ZooKeeperRegistrationLayout Layout => CuratorInstance is null ? ZooKeeperRegistrationLayout.ZcZk : ZooKeeperRegistrationLayout.Curator;

    /// <summary>The Curator x-discovery instance the node holds (registered by Curator, Spring Cloud Zookeeper or ZkDiscovery's Curator layout), or null.</summary>
    public CuratorServiceInstance? CuratorInstance { get; }

    /// <inheritdoc/>
    public DateTimeOffset? RegisteredAt { get; }

    /// <inheritdoc/>
    public bool IsStale => _staleSource?.IsStale ?? false;

    /// <inheritdoc/>
    public override EndPoint EndPoint { get; }

    /// <inheritdoc/>
    public override IFeatureCollection Features { get; }

    /// <summary>Requests this process has in flight to the endpoint through ZkDiscovery's HttpClient handler (for power-of-two-choices).</summary>
    public int InFlightRequests => Volatile.Read(ref _inFlight);

    /// <summary>The URI scheme the endpoint was registered with, or null when its data names none (a bare <c>HOST:PORT</c>).</summary>
    internal string? Scheme => EndPoint is UriEndPoint u ? u.Uri.Scheme : null;

    internal void RequestStarted() => Interlocked.Increment(ref _inFlight);

    internal void RequestCompleted() => Interlocked.Decrement(ref _inFlight);

    internal void InheritLoad(ZooKeeperServiceEndpoint previous) => Interlocked.Add(ref _inFlight, previous.InFlightRequests);

    /// <inheritdoc/>
    public override string ToString() => EndPoint is UriEndPoint ? Uri.ToString() : Name;

    /// <summary>
    /// Makes the endpoint of node <paramref name="name"/> from its properties; false when they name no usable address
    /// (neither a valid <c>uri</c> nor a <c>HOST:PORT</c> node name).
    /// </summary>
    internal static bool TryCreate(string serviceName, string path, string name, NodeProperties properties, long createdMs, IStaleSource? staleSource, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ZooKeeperServiceEndpoint? endpoint)
    {
        endpoint = null;
        EndPoint? endPoint = null;
        Uri? uri = null;
        if (TryGetString(properties, "uri", out var uriText) && Uri.TryCreate(uriText, UriKind.Absolute, out var parsed) && !string.IsNullOrEmpty(parsed.Host))
        {
            uri = parsed;
            endPoint = new UriEndPoint(parsed);
        }
        if (uri is null)
        {
            var hasScheme = TryGetString(properties, "scheme", out var scheme);
            var colon = name.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(name.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                return false;
            }
            if (!Uri.TryCreate($"{(hasScheme ? scheme : Uri.UriSchemeHttp)}://{name}/", UriKind.Absolute, out uri))
            {
                return false;
            }
            if (hasScheme)
            {
                endPoint = new UriEndPoint(uri);
            }
            else
            {
                var host = name[..colon];
                endPoint = IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port);
            }
        }
        TryGetString(properties, "endpoint", out var endpointName);
        DateTimeOffset? registeredAt = TryGetString(properties, "started", out var started)
            && DateTimeOffset.TryParse(started, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
            ? at
            : createdMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(createdMs) : null;
        endpoint = new ZooKeeperServiceEndpoint(serviceName, path, name, uri, endPoint!, endpointName, properties, registeredAt, staleSource);
        return true;
    }

    /// <summary>
    /// Makes the endpoint of a Curator instance: its URI from the instance (https on its TLS port when it has one), its
    /// metadata as the properties; false when the instance names no usable address.
    /// </summary>
    internal static bool TryCreate(string serviceName, string path, string name, CuratorServiceInstance instance, NodeProperties metadata, IStaleSource? staleSource, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ZooKeeperServiceEndpoint? endpoint)
    {
        endpoint = null;
        if (instance.GetUri(preferSsl: true) is not { } uri || string.IsNullOrEmpty(uri.Host))
        {
            return false;
        }
        TryGetString(metadata, "endpoint", out var endpointName);
        DateTimeOffset? registeredAt = instance.RegistrationTimeUtc > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(instance.RegistrationTimeUtc) : null;
        endpoint = new ZooKeeperServiceEndpoint(serviceName, path, name, uri, new UriEndPoint(uri), endpointName, metadata, registeredAt, staleSource, instance);
        return true;
    }

    private static bool TryGetString(NodeProperties properties, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = properties.TryGetValue(name, out var node) && node is JsonValue v && v.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text)
            ? text.Trim()
            : null;
        return value is not null;
    }

    private sealed class HostNameFeature(string hostName) : IHostNameFeature
    {
        public string HostName { get; } = hostName;
    }
}

/// <summary>Tells whether the list an endpoint came from is stale right now.</summary>
internal interface IStaleSource
{
    bool IsStale { get; }
}
