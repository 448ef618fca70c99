using System.Collections.Immutable;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;

namespace ZkDiscovery.Hosting.Discovery;

/// <summary>
/// The endpoints of a service at one moment: immutable, replaced as a whole when anything changes, so reading it on a
/// hot path costs no lock. <see cref="ChangeToken"/> fires when a newer snapshot exists.
/// </summary>
/// <remarks>
/// A snapshot shares all but the changed part of its endpoints with the one before it, so a change of one instance in
/// a service of thousands costs little; <see cref="Endpoints"/> is laid out as an array the first time it is asked for
/// (once per snapshot). <see cref="Count"/> and <see cref="TryGetEndpoint"/> never need that.
/// </remarks>
[DebuggerDisplay("{ServiceName} {ServicePath}: {Count} endpoint(s), stale={IsStale}")]
public sealed class ServiceEndpointSnapshot
{
    private readonly EndpointList? _list;
    private ZooKeeperServiceEndpoint[]? _array;
    private ServiceEndpointSource? _source;
    private SnapshotChangeToken? _providerToken;

    internal ServiceEndpointSnapshot(string serviceName, string servicePath, ImmutableArray<ZooKeeperServiceEndpoint> endpoints, bool isLoaded, bool pathExists, bool isStale, IChangeToken changeToken, DateTimeOffset updated)
        : this(serviceName, servicePath, (EndpointList?)null, isLoaded, pathExists, isStale, changeToken, updated)
    {
        _array = ImmutableCollectionsMarshal.AsArray(endpoints) ?? [];
    }

    internal ServiceEndpointSnapshot(string serviceName, string servicePath, EndpointList? endpoints, bool isLoaded, bool pathExists, bool isStale, IChangeToken changeToken, DateTimeOffset updated)
    {
        _list = endpoints;
        PathExists = pathExists;
        ServiceName = serviceName;
        ServicePath = servicePath;
        IsLoaded = isLoaded;
        IsStale = isStale;
        ChangeToken = changeToken;
        Updated = updated;
    }

    /// <summary>The service name.</summary>
    public string ServiceName { get; }

    /// <summary>The service path the endpoints are the children of.</summary>
    public string ServicePath { get; }

    /// <summary>The live endpoints, in the order of their node names.</summary>
    public ImmutableArray<ZooKeeperServiceEndpoint> Endpoints =>
        ImmutableCollectionsMarshal.AsImmutableArray(Volatile.Read(ref _array) ?? MakeArray());

    /// <summary>How many live endpoints there are.</summary>
    public int Count => _list?.Count ?? _array!.Length;

    /// <summary>The endpoint of the node named <paramref name="name"/> (for example <c>10.0.0.5:8080</c>), if it is live.</summary>
    /// <param name="name">The node's name (not its path).</param>
    /// <param name="endpoint">The endpoint, or null.</param>
    /// <returns>True when the snapshot holds an endpoint of that name.</returns>
    public bool TryGetEndpoint(string name, [NotNullWhen(true)] out ZooKeeperServiceEndpoint? endpoint)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_list is not null)
        {
            return _list.TryGet(name, out endpoint);
        }
        endpoint = Array.Find(_array!, e => string.Equals(e.Name, name, StringComparison.Ordinal));
        return endpoint is not null;
    }

    /// <summary>The endpoints as a persistent list, for the next snapshot to share.</summary>
    internal EndpointList List => _list ?? EndpointList.FromSorted([.. _array!.OrderBy(e => e.Name, StringComparer.Ordinal)]);

    /// <summary>False until the service path was read for the first time.</summary>
    public bool IsLoaded { get; }

    /// <summary>
    /// True when the service path was found in ZooKeeper (with live children or none); false before the first load, and
    /// when the path does not exist (no instance of the service ever registered there).
    /// </summary>
    public bool PathExists { get; }

    /// <summary>
    /// True while ZooKeeper is not connected (or before the first load): <see cref="Endpoints"/> is then the last
    /// known list, which may be out of date.
    /// </summary>
    public bool IsStale { get; }

    /// <summary>Fires when this snapshot is replaced by a newer one (a watch event or a connection state change; no polling).</summary>
    public IChangeToken ChangeToken { get; }

    /// <summary>When this snapshot was made.</summary>
    public DateTimeOffset Updated { get; }

    private ZooKeeperServiceEndpoint[] MakeArray()
    {
        var array = _list!.ToArray();
        return Interlocked.CompareExchange(ref _array, array, null) ?? array;
    }

    /// <summary>The change token handed to Microsoft.Extensions.ServiceDiscovery (created once per snapshot).</summary>
    internal SnapshotChangeToken GetProviderToken(TimeProvider time)
    {
        var token = Volatile.Read(ref _providerToken);
        if (token is null)
        {
            token = new SnapshotChangeToken(ChangeToken, time);
            Volatile.Write(ref _providerToken, token);
        }
        return token;
    }

    /// <summary>
    /// The snapshot as Microsoft.Extensions.ServiceDiscovery's <see cref="ServiceEndpointSource"/>, every endpoint
    /// included (created once per snapshot; the snapshot itself is a feature of the result).
    /// </summary>
    /// <returns>The endpoints, with <see cref="ChangeToken"/>.</returns>
    public ServiceEndpointSource ToSource()
    {
        var source = Volatile.Read(ref _source);
        if (source is null)
        {
            var features = new FeatureCollection();
            features.Set(this);
            List<ServiceEndpoint> endpoints = [.. Endpoints];
            source = new ServiceEndpointSource(endpoints, ChangeToken, features);
            Volatile.Write(ref _source, source);
        }
        return source;
    }
}
