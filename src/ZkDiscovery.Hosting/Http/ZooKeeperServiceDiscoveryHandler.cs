using System.Collections.Immutable;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using ZkDiscovery.Hosting.Diagnostics;
using ZkDiscovery.Hosting.Discovery;

namespace ZkDiscovery.Hosting.Http;

/// <summary>The connect-failure retry pipeline of the HttpClient integration, built once.</summary>
internal sealed class ZooKeeperHttpRetryPipeline
{
    public ZooKeeperHttpRetryPipeline(IOptions<ZooKeeperServiceDiscoveryOptions> options, TimeProvider time)
    {
        var attempts = Math.Max(1, options.Value.MaxConnectAttempts);
        Pipeline = attempts == 1
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder { TimeProvider = time }
                .AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>(IsConnectFailure),
                    MaxRetryAttempts = attempts - 1,
                    Delay = TimeSpan.Zero,
                    BackoffType = DelayBackoffType.Constant,
                    UseJitter = false,
                })
                .Build();
    }

    public ResiliencePipeline Pipeline { get; }

    /// <summary>True when the request never reached the server: nothing was sent, so another endpoint may be tried.</summary>
    public static bool IsConnectFailure(HttpRequestException exception) =>
        exception.HttpRequestError == HttpRequestError.ConnectionError
        || exception.InnerException is SocketException;
}

/// <summary>
/// Sends <c>http://SERVICE/path</c> to a live endpoint of SERVICE: the host of the request URI is the service name; the
/// scheme, host, port (and path prefix) come from the endpoint's URI. A connection failure tries another endpoint.
/// </summary>
internal sealed partial class ZooKeeperServiceDiscoveryHandler(
    ZooKeeperServiceEndpointResolver resolver,
    IZooKeeperEndpointSelector selector,
    ZooKeeperHttpRetryPipeline retry,
    ILogger<ZooKeeperServiceDiscoveryHandler> logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var original = request.RequestUri;
        if (original is null || !original.IsAbsoluteUri)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        var serviceName = original.IdnHost;
        var snapshot = await resolver.GetSnapshotForRequestAsync(serviceName, cancellationToken).ConfigureAwait(false);
        if (snapshot.Endpoints.IsEmpty)
        {
            throw new ServiceEndpointNotFoundException(serviceName, snapshot.ServicePath, snapshot.IsStale);
        }
        var state = new Attempt(this, request, original, serviceName, snapshot.Endpoints);
        try
        {
            return await retry.Pipeline.ExecuteAsync(static (s, ct) => s.Handler.SendOnceAsync(s, ct), state, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            request.RequestUri = original;
        }
    }

    private async ValueTask<HttpResponseMessage> SendOnceAsync(Attempt attempt, CancellationToken cancellationToken)
    {
        var candidates = attempt.Tried is null ? attempt.Endpoints : attempt.Endpoints.RemoveRange(attempt.Tried);
        if (candidates.IsEmpty)
        {
            candidates = attempt.Endpoints; // Every endpoint failed once: start over.
            attempt.Tried = null;
        }
        var endpoint = selector.Pick(attempt.ServiceName, candidates);
        attempt.Request.RequestUri = Rewrite(attempt.Original, endpoint.Uri);
        endpoint.RequestStarted();
        try
        {
            return await base.SendAsync(attempt.Request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ZooKeeperHttpRetryPipeline.IsConnectFailure(ex))
        {
            Log.EndpointFailed(logger, endpoint.Uri, attempt.ServiceName, ex.Message);
            (attempt.Tried ??= []).Add(endpoint);
            throw;
        }
        finally
        {
            endpoint.RequestCompleted();
        }
    }

    internal static Uri Rewrite(Uri original, Uri endpoint)
    {
        var builder = new UriBuilder(original)
        {
            Scheme = endpoint.Scheme,
            Host = endpoint.Host,
            Port = endpoint.Port,
        };
        var prefix = endpoint.AbsolutePath.TrimEnd('/');
        if (prefix.Length > 0)
        {
            builder.Path = prefix + original.AbsolutePath;
        }
        return builder.Uri;
    }

    private sealed class Attempt(ZooKeeperServiceDiscoveryHandler handler, HttpRequestMessage request, Uri original, string serviceName, ImmutableArray<ZooKeeperServiceEndpoint> endpoints)
    {
        public ZooKeeperServiceDiscoveryHandler Handler { get; } = handler;

        public HttpRequestMessage Request { get; } = request;

        public Uri Original { get; } = original;

        public string ServiceName { get; } = serviceName;

        public ImmutableArray<ZooKeeperServiceEndpoint> Endpoints { get; } = endpoints;

        public List<ZooKeeperServiceEndpoint>? Tried { get; set; }
    }
}
