using System.Collections.Immutable;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ZkDiscovery.Hosting.Diagnostics;
using ZkDiscovery.Hosting.Discovery;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Bench.Micro;

/// <summary>
/// Picking one endpoint of a service per request, as the HttpClient handler does: the built-in selectors over a
/// snapshot's <see cref="ImmutableArray{T}"/> of 10 or 1,000 endpoints (made the way the watcher makes them, from
/// <c>HOST:PORT</c> names), and the resolver's synchronous snapshot lookup of a watched service. Target: 0 B per call.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes the resolver and client.
public class EndpointSelectionBenchmarks
#pragma warning restore CA1001
{
    private const string Service = "bench";
    private readonly RoundRobinEndpointSelector _roundRobin = new();
    private readonly RandomEndpointSelector _random = new();
    private readonly PowerOfTwoChoicesEndpointSelector _powerOfTwo = new();
    private ImmutableArray<ZooKeeperServiceEndpoint> _endpoints;
    private ZooKeeperClient _client = null!;
    private ZooKeeperHostingMetrics _metrics = null!;
    private ZooKeeperServiceEndpointResolver _resolver = null!;

    [Params(10, 1000)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var builder = ImmutableArray.CreateBuilder<ZooKeeperServiceEndpoint>(Endpoints);
        for (var i = 0; i < Endpoints; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"10.0.{i / 100}.{i % 100 + 1}:{8000 + i}");
            if (!ZooKeeperServiceEndpoint.TryCreate("svc", "/bench/svc/" + name, name, NodeProperties.Empty, 0, null, out var endpoint))
            {
                throw new InvalidOperationException($"No endpoint from {name}.");
            }
            builder.Add(endpoint);
        }
        _endpoints = builder.MoveToImmutable();
        // A resolver whose client never connects (nothing listens on port 1): GetSnapshot's cost is the lookup of the
        // watched service, the same whether or not its snapshot is loaded.
        _client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = "127.0.0.1:1" });
        var options = new ZooKeeperServiceDiscoveryOptions();
        options.Services[Service] = "/bench/svc";
        _metrics = new ZooKeeperHostingMetrics(null);
        _resolver = new ZooKeeperServiceEndpointResolver(_client, Options.Create(options), NullLoggerFactory.Instance, TimeProvider.System, _metrics);
        _ = _resolver.GetSnapshot(Service);
        _ = _roundRobin.Pick(Service, _endpoints);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _resolver.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _metrics.Dispose();
    }

    /// <summary>The default strategy: a per-service counter (ConcurrentDictionary lookup, Interlocked.Increment).</summary>
    [Benchmark(Baseline = true)]
    public ZooKeeperServiceEndpoint RoundRobinPick() => _roundRobin.Pick(Service, _endpoints);

    [Benchmark]
    public ZooKeeperServiceEndpoint RandomPick() => _random.Pick(Service, _endpoints);

    [Benchmark]
    public ZooKeeperServiceEndpoint PowerOfTwoChoicesPick() => _powerOfTwo.Pick(Service, _endpoints);

    /// <summary>The handler's lookup of the live snapshot of a watched service (synchronous form).</summary>
    [Benchmark]
    public ServiceEndpointSnapshot ResolverGetSnapshot() => _resolver.GetSnapshot(Service);

    /// <summary>Snapshot lookup plus round-robin pick over the prebuilt endpoints (the per-request path).</summary>
    [Benchmark]
    public ZooKeeperServiceEndpoint GetSnapshotThenRoundRobinPick()
    {
        var snapshot = _resolver.GetSnapshot(Service);
        var endpoints = snapshot.Endpoints.IsEmpty ? _endpoints : snapshot.Endpoints;
        return _roundRobin.Pick(snapshot.ServiceName, endpoints);
    }
}
