using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http.Features;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Hosting.Discovery;

/// <summary>
/// An endpoint of a service: where to send requests, and what else is known about it. Same shape as
/// Microsoft.Extensions.ServiceDiscovery's <c>ServiceEndpoint</c>, so an adapter to it is a thin wrapper.
/// </summary>
public abstract class ServiceEndpoint
{
    /// <summary>Creates an endpoint.</summary>
    protected ServiceEndpoint()
    {
    }

    /// <summary>The endpoint's address; a <see cref="UriEndPoint"/> for endpoints discovered in ZooKeeper.</summary>
    public abstract EndPoint EndPoint { get; }

    /// <summary>More information about the endpoint.</summary>
    public abstract IFeatureCollection Features { get; }

    /// <summary>Creates an endpoint for <paramref name="endPoint"/>.</summary>
    /// <param name="endPoint">The address.</param>
    /// <param name="features">More information; an empty collection when null.</param>
    /// <returns>The endpoint.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endPoint"/> is null.</exception>
    public static ServiceEndpoint Create(EndPoint endPoint, IFeatureCollection? features = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return new SimpleServiceEndpoint(endPoint, features ?? new FeatureCollection());
    }

    /// <inheritdoc/>
    public override string? ToString() => EndPoint is UriEndPoint uri ? uri.Uri.ToString() : EndPoint.ToString();

    private sealed class SimpleServiceEndpoint(EndPoint endPoint, IFeatureCollection features) : ServiceEndpoint
    {
        public override EndPoint EndPoint { get; } = endPoint;

        public override IFeatureCollection Features { get; } = features;
    }
}

/// <summary>An endpoint given as an absolute URI (scheme, host, port and an optional path prefix).</summary>
public sealed class UriEndPoint : EndPoint
{
    /// <summary>Creates the endpoint.</summary>
    /// <param name="uri">An absolute URI.</param>
    /// <exception cref="ArgumentNullException"><paramref name="uri"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="uri"/> is not absolute.</exception>
    public UriEndPoint(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException($"\"{uri}\" is not an absolute URI.", nameof(uri));
        }
        Uri = uri;
    }

    /// <summary>The URI.</summary>
    public Uri Uri { get; }

    /// <inheritdoc/>
    public override string ToString() => Uri.ToString();
}

/// <summary>
/// An endpoint discovered in ZooKeeper: the registration node <c>SERVICEPATH/HOST:PORT</c> and its properties
/// (<c>uri</c>, <c>scheme</c>, <c>pid</c>, <c>version</c>, <c>metadata</c>, ...). Immutable: a change of the node's data
/// yields a new instance.
/// </summary>
[DebuggerDisplay("{Uri} ({Path})")]
public sealed class ZooKeeperServiceEndpoint : ServiceEndpoint
{
    private int _inFlight;

    internal ZooKeeperServiceEndpoint(string path, string name, Uri uri, NodeProperties properties)
    {
        Path = path;
        Name = name;
        Uri = uri;
        Properties = properties;
        EndPoint = new UriEndPoint(uri);
        var features = new FeatureCollection();
        features.Set(this);
        Features = features;
    }

    /// <summary>The registration node's path.</summary>
    public string Path { get; }

    /// <summary>The registration node's name, <c>HOST:PORT</c>.</summary>
    public string Name { get; }

    /// <summary>The URI to call: the node's <c>uri</c> property, else <c>SCHEME://HOST:PORT/</c> (scheme from <c>scheme</c>, default http).</summary>
    public Uri Uri { get; }

    /// <summary>The node's properties as registered.</summary>
    public NodeProperties Properties { get; }

    /// <inheritdoc/>
    public override EndPoint EndPoint { get; }

    /// <inheritdoc/>
    public override IFeatureCollection Features { get; }

    /// <summary>Requests this process has in flight to the endpoint through the HttpClient integration (for power-of-two-choices).</summary>
    public int InFlightRequests => Volatile.Read(ref _inFlight);

    internal void RequestStarted() => Interlocked.Increment(ref _inFlight);

    internal void RequestCompleted() => Interlocked.Decrement(ref _inFlight);

    internal void InheritLoad(ZooKeeperServiceEndpoint previous) => Interlocked.Add(ref _inFlight, previous.InFlightRequests);

    /// <inheritdoc/>
    public override string ToString() => Uri.ToString();
}
