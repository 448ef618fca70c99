using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace ZkDiscovery.Hosting.Discovery;

/// <summary>Collects the endpoints of a service from one or more providers (shape of Microsoft.Extensions.ServiceDiscovery's).</summary>
public interface IServiceEndpointBuilder
{
    /// <summary>The endpoints found so far.</summary>
    IList<ServiceEndpoint> Endpoints { get; }

    /// <summary>More information about the result.</summary>
    IFeatureCollection Features { get; }

    /// <summary>Adds a token that fires when the endpoints found may have changed.</summary>
    /// <param name="changeToken">The token.</param>
    void AddChangeToken(IChangeToken changeToken);
}

/// <summary>Finds the endpoints of one service (shape of Microsoft.Extensions.ServiceDiscovery's).</summary>
public interface IServiceEndpointProvider : IAsyncDisposable
{
    /// <summary>Adds the service's endpoints and a change token to <paramref name="endpoints"/>.</summary>
    /// <param name="endpoints">The builder to add to.</param>
    /// <param name="cancellationToken">Abandons the wait for the first load.</param>
    /// <returns>A task that completes when the endpoints were added.</returns>
    ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken);
}

/// <summary>Creates <see cref="IServiceEndpointProvider"/> instances for queries it understands.</summary>
public interface IServiceEndpointProviderFactory
{
    /// <summary>Creates a provider for <paramref name="query"/>, when this factory can serve it.</summary>
    /// <param name="query">The query.</param>
    /// <param name="provider">The provider, when the result is true.</param>
    /// <returns>True when a provider was created.</returns>
    bool TryCreateProvider(ServiceEndpointQuery query, [NotNullWhen(true)] out IServiceEndpointProvider? provider);
}

/// <summary>
/// A query for a service's endpoints: <c>basket</c>, <c>http://basket</c>, <c>https+http://basket</c> or
/// <c>https://_dashboard.basket</c> (endpoint name <c>dashboard</c>).
/// </summary>
public sealed class ServiceEndpointQuery
{
    private readonly string _original;

    private ServiceEndpointQuery(string original, string[] schemes, string serviceName, string? endpointName)
    {
        _original = original;
        IncludedSchemes = schemes;
        ServiceName = serviceName;
        EndpointName = endpointName;
    }

    /// <summary>The schemes asked for, in order of preference (<c>https+http://x</c> → https, http); empty when none.</summary>
    public IReadOnlyList<string> IncludedSchemes { get; }

    /// <summary>The endpoint name (<c>_dashboard.basket</c> → <c>dashboard</c>), or null.</summary>
    public string? EndpointName { get; }

    /// <summary>The service name (<c>basket</c>).</summary>
    public string ServiceName { get; }

    /// <summary>Parses <paramref name="input"/>.</summary>
    /// <param name="input">The query text.</param>
    /// <param name="query">The query, when the result is true.</param>
    /// <returns>True when <paramref name="input"/> is a valid query.</returns>
    public static bool TryParse(string input, [NotNullWhen(true)] out ServiceEndpointQuery? query)
    {
        query = null;
        if (string.IsNullOrWhiteSpace(input))
        {
            return false;
        }
        var text = input.Trim();
        string[] schemes = [];
        var separator = text.IndexOf("://", StringComparison.Ordinal);
        if (separator >= 0)
        {
            schemes = text[..separator].Split('+', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            text = text[(separator + 3)..];
        }
        var end = text.IndexOfAny(['/', ':', '?', '#']);
        if (end >= 0)
        {
            text = text[..end];
        }
        string? endpointName = null;
        if (text.StartsWith('_'))
        {
            var dot = text.IndexOf('.', StringComparison.Ordinal);
            if (dot < 2)
            {
                return false;
            }
            endpointName = text[1..dot];
            text = text[(dot + 1)..];
        }
        if (text.Length == 0)
        {
            return false;
        }
        query = new ServiceEndpointQuery(input, schemes, text, endpointName);
        return true;
    }

    /// <inheritdoc/>
    public override string? ToString() => _original;
}

/// <summary>The endpoints of a service at one moment, with a token that fires when they change.</summary>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class ServiceEndpointSource
{
    private readonly ServiceEndpoint[] _endpoints;

    /// <summary>Creates the result.</summary>
    /// <param name="endpoints">The endpoints (copied); none when null.</param>
    /// <param name="changeToken">Fires when the endpoints may have changed.</param>
    /// <param name="features">More information.</param>
    /// <exception cref="ArgumentNullException"><paramref name="changeToken"/> or <paramref name="features"/> is null.</exception>
    public ServiceEndpointSource(List<ServiceEndpoint>? endpoints, IChangeToken changeToken, IFeatureCollection features)
        : this(endpoints?.ToArray() ?? [], changeToken, features)
    {
    }

    internal ServiceEndpointSource(ServiceEndpoint[] endpoints, IChangeToken changeToken, IFeatureCollection features)
    {
        ArgumentNullException.ThrowIfNull(changeToken);
        ArgumentNullException.ThrowIfNull(features);
        _endpoints = endpoints;
        ChangeToken = changeToken;
        Features = features;
    }

    /// <summary>The endpoints.</summary>
    public IReadOnlyList<ServiceEndpoint> Endpoints => _endpoints;

    /// <summary>Fires when the endpoints may have changed.</summary>
    public IChangeToken ChangeToken { get; }

    /// <summary>More information.</summary>
    public IFeatureCollection Features { get; }

    /// <inheritdoc/>
    public override string ToString() => _endpoints.Length == 0 ? "[]" : "[" + string.Join(", ", _endpoints.Select(static e => e.ToString())) + "]";
}
