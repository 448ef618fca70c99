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
    // An endpoint read from plain data keeps the data and builds what it is asked for (a service of thousands of
    // endpoints mostly never asks): the path from the parent, the URI and EndPoint from the node name, the properties
    // from the data. Each is built once; a race builds it twice and keeps the first.
    private readonly string? _parentPath;
    private readonly byte[]? _data;
    private readonly bool _dataHasSymbolicLinks;
    private readonly bool _addressFromName;
    private readonly string? _nameScheme;
    private string? _path;
    private Uri? _uri;
    private EndPoint? _endPoint;
    private IFeatureCollection? _features;
    private NodeProperties? _properties;
    private int _inFlight;

    internal ZooKeeperServiceEndpoint(string serviceName, string path, string name, Uri uri, EndPoint endPoint, string? endpointName, NodeProperties properties, DateTimeOffset? registeredAt, IStaleSource? staleSource, CuratorServiceInstance? curatorInstance = null)
    {
        CuratorInstance = curatorInstance;
        ServiceName = serviceName;
        _path = path;
        Name = name;
        _uri = uri;
        _endPoint = endPoint;
        EndpointName = endpointName;
        _properties = properties;
        RegisteredAt = registeredAt;
        _staleSource = staleSource;
    }

    private ZooKeeperServiceEndpoint(string serviceName, string parentPath, string name, Uri? uri, string? nameScheme, string? endpointName, byte[] data, bool dataHasSymbolicLinks, DateTimeOffset? registeredAt, IStaleSource? staleSource)
    {
        ServiceName = serviceName;
        _parentPath = parentPath;
        Name = name;
        _uri = uri;
        _addressFromName = uri is null;
        _nameScheme = nameScheme;
        EndpointName = endpointName;
        _data = data;
        _dataHasSymbolicLinks = dataHasSymbolicLinks;
        RegisteredAt = registeredAt;
        _staleSource = staleSource;
    }

    /// <inheritdoc/>
    public string ServiceName { get; }

    /// <inheritdoc/>
    public string Path => _path ?? Init(ref _path, ZooKeeperPath.Combine(_parentPath!, Name));

    /// <summary>The node's name, usually <c>HOST:PORT</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// The URI that ZkDiscovery's own HttpClient handler sends to: the node's <c>uri</c> property, else
    /// <c>SCHEME://HOST:PORT/</c> (scheme from the <c>scheme</c> property, default http).
    /// </summary>
    public Uri Uri => _uri ?? Init(ref _uri, new Uri($"{_nameScheme ?? Uri.UriSchemeHttp}://{Name}/", UriKind.Absolute));

    /// <summary>
    /// The named endpoint this is (the node's <c>endpoint</c> property, for queries such as <c>https://_dashboard.fooservice</c>),
    /// or null for the service's default endpoint.
    /// </summary>
    public string? EndpointName { get; }

    /// <inheritdoc/>
    /// <remarks>For a Curator instance: the metadata of its Spring payload, as strings.</remarks>
    public NodeProperties Properties => _properties ?? Init(ref _properties, ParseData());

    /// <summary>The layout of the node the endpoint was read from: zc.zk's <c>HOST:PORT</c> node, or a Curator x-discovery instance.</summary>
    public ZooKeeperRegistrationLayout Layout => CuratorInstance is null ? ZooKeeperRegistrationLayout.ZcZk : ZooKeeperRegistrationLayout.Curator;

    /// <summary>The Curator x-discovery instance the node holds (registered by Curator, Spring Cloud Zookeeper or ZkDiscovery's Curator layout), or null.</summary>
    public CuratorServiceInstance? CuratorInstance { get; }

    /// <inheritdoc/>
    public DateTimeOffset? RegisteredAt { get; }

    /// <inheritdoc/>
    public bool IsStale => _staleSource?.IsStale ?? false;

    /// <inheritdoc/>
    public override EndPoint EndPoint => _endPoint ?? Init(ref _endPoint, MakeEndPoint());

    /// <inheritdoc/>
    public override IFeatureCollection Features => _features ?? Init(ref _features, MakeFeatures());

    /// <summary>Requests this process has in flight to the endpoint through ZkDiscovery's HttpClient handler (for power-of-two-choices).</summary>
    public int InFlightRequests => Volatile.Read(ref _inFlight);

    /// <summary>The URI scheme the endpoint was registered with, or null when its data names none (a bare <c>HOST:PORT</c>).</summary>
    internal string? Scheme => _addressFromName ? _nameScheme : EndPoint is UriEndPoint u ? u.Uri.Scheme : null;

    internal void RequestStarted() => Interlocked.Increment(ref _inFlight);

    internal void RequestCompleted() => Interlocked.Decrement(ref _inFlight);

    internal void InheritLoad(ZooKeeperServiceEndpoint previous) => Interlocked.Add(ref _inFlight, previous.InFlightRequests);

    /// <inheritdoc/>
    public override string ToString() => (_addressFromName ? _nameScheme is null : EndPoint is not UriEndPoint) ? Name : Uri.ToString();

    /// <summary>
    /// Makes the endpoint of node <paramref name="name"/> from its properties; false when they name no usable address
    /// (neither a valid <c>uri</c> nor a <c>HOST:PORT</c> node name).
    /// </summary>
    internal static bool TryCreate(string serviceName, string path, string name, NodeProperties properties, long createdMs, IStaleSource? staleSource, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ZooKeeperServiceEndpoint? endpoint)
    {
        endpoint = null;
        var uri = UriFrom(TryGetString(properties, "uri"));
        EndPoint endPoint;
        if (uri is not null)
        {
            endPoint = new UriEndPoint(uri);
        }
        else
        {
            var scheme = TryGetString(properties, "scheme");
            if (!IsAddressName(name, scheme))
            {
                return false;
            }
            uri = new Uri($"{scheme ?? Uri.UriSchemeHttp}://{name}/", UriKind.Absolute);
            endPoint = scheme is not null ? new UriEndPoint(uri) : EndPointFromName(name);
        }
        var registeredAt = RegisteredAtFrom(TryGetString(properties, "started"), createdMs);
        endpoint = new ZooKeeperServiceEndpoint(serviceName, path, name, uri, endPoint, TryGetString(properties, "endpoint"), properties, registeredAt, staleSource);
        return true;
    }

    /// <summary>
    /// Makes the endpoint of node <paramref name="name"/> under <paramref name="parentPath"/> from its plain data (no
    /// property links, <paramref name="scan"/> conclusive), keeping the data: the properties, the path and, for an
    /// address from the node name, the URI and EndPoint are built when first asked for. False as for the other overload.
    /// </summary>
    internal static bool TryCreate(string serviceName, string parentPath, string name, byte[] data, in ProviderData scan, long createdMs, IStaleSource? staleSource, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ZooKeeperServiceEndpoint? endpoint)
    {
        Debug.Assert(scan.IsPlain && !scan.HasPropertyLinks, "Only plain data is kept.");
        endpoint = null;
        var uri = UriFrom(Clean(scan.Uri));
        string? scheme = null;
        if (uri is null)
        {
            scheme = Clean(scan.Scheme);
            if (!IsAddressName(name, scheme))
            {
                return false;
            }
        }
        var registeredAt = RegisteredAtFrom(Clean(scan.Started), createdMs);
        endpoint = new ZooKeeperServiceEndpoint(serviceName, parentPath, name, uri, scheme, Clean(scan.Endpoint), data, scan.HasSymbolicLinks, registeredAt, staleSource);
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
        DateTimeOffset? registeredAt = instance.RegistrationTimeUtc > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(instance.RegistrationTimeUtc) : null;
        endpoint = new ZooKeeperServiceEndpoint(serviceName, path, name, uri, new UriEndPoint(uri), TryGetString(metadata, "endpoint"), metadata, registeredAt, staleSource, instance);
        return true;
    }

    /// <summary>The absolute URI <paramref name="text"/> names, when it has a host.</summary>
    private static Uri? UriFrom(string? text) =>
        text is not null && Uri.TryCreate(text, UriKind.Absolute, out var parsed) && !string.IsNullOrEmpty(parsed.Host) ? parsed : null;

    /// <summary>True when <paramref name="name"/> is <c>HOST:PORT</c> (a valid host, a port 1-65535) and <paramref name="scheme"/>, if any, a valid scheme.</summary>
    private static bool IsAddressName(string name, string? scheme)
    {
        var colon = name.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(name.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }
        var host = name.AsSpan(0, colon);
        if (host.Length > 2 && host[0] == '[' && host[^1] == ']')
        {
            host = host[1..^1];
        }
        return Uri.CheckHostName(host.ToString()) != UriHostNameType.Unknown && (scheme is null || Uri.CheckSchemeName(scheme));
    }

    /// <summary>The IPEndPoint or DnsEndPoint of a <c>HOST:PORT</c> node name (already checked).</summary>
    private static EndPoint EndPointFromName(string name)
    {
        var colon = name.LastIndexOf(':');
        var port = int.Parse(name.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture);
        var host = name[..colon];
        return IPAddress.TryParse(host.AsSpan().Trim(['[', ']']), out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port);
    }

    private static DateTimeOffset? RegisteredAtFrom(string? started, long createdMs) =>
        started is not null && DateTimeOffset.TryParse(started, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
            ? at
            : createdMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(createdMs) : null;

    private EndPoint MakeEndPoint() => _addressFromName && _nameScheme is null ? EndPointFromName(Name) : new UriEndPoint(Uri);

    private FeatureCollection MakeFeatures()
    {
        var features = new FeatureCollection(2);
        features.Set<IZooKeeperEndpointFeature>(this);
        if (Uri.CheckHostName(Uri.IdnHost) == UriHostNameType.Dns)
        {
            features.Set<IHostNameFeature>(new HostNameFeature(Uri.IdnHost));
        }
        return features;
    }

    private NodeProperties ParseData()
    {
        var properties = NodeProperties.Parse(_data);
        // Symbolic links are for paths below the provider, not part of what it says about itself.
        return _dataHasSymbolicLinks ? new NodeProperties(properties.Where(p => !NodePropertyNames.IsSymbolicLink(p.Key))) : properties;
    }

    private static T Init<T>(ref T? field, T value)
        where T : class => Interlocked.CompareExchange(ref field, value, null) ?? value;

    private static string? TryGetString(NodeProperties properties, string name) =>
        properties.TryGetValue(name, out var node) && node is JsonValue v && v.TryGetValue<string>(out var text) ? Clean(text) : null;

    private static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

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
