using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;
using ZkDiscovery.Hosting.Diagnostics;
using ZkDiscovery.Hosting.Discovery;
using ZkDiscovery.Testing;

namespace ZkDiscovery.Bench.Micro;

/// <summary>
/// <see cref="IServiceEndpointProvider.PopulateAsync"/> of the ZooKeeper provider on a warm cache, as
/// Microsoft.Extensions.ServiceDiscovery calls it on every refresh: a service of 10 live instances in a real ZooKeeper
/// (started by the set-up), already loaded by the shared resolver. Target: 0 B per call beyond what the builder itself
/// grows by (here a reused builder, cleared each call).
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes everything.
public class EndpointProviderBenchmarks
#pragma warning restore CA1001
{
    private const string Service = "bench";
    private readonly ReusedBuilder _builder = new();
    private ZooKeeperTestServer _server = null!;
    private ZooKeeperClient _client = null!;
    private ZooKeeperHostingMetrics _metrics = null!;
    private ZooKeeperServiceEndpointResolver _resolver = null!;
    private IServiceEndpointProvider _provider = null!;
    private IServiceEndpointProvider _httpsProvider = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _server = await ZooKeeperTestServer.StartAsync();
        _client = await ZooKeeperClient.ConnectAsync(_server.ConnectionString);
        await _client.CreateAsync("/bench", ReadOnlyMemory<byte>.Empty);
        await _client.CreateAsync("/bench/svc", ReadOnlyMemory<byte>.Empty);
        for (var i = 0; i < 10; i++)
        {
            var scheme = i % 2 == 0 ? "http" : "https";
            await _client.CreateAsync($"/bench/svc/10.0.0.{i + 1}:8080", Encoding.UTF8.GetBytes($"{{\"scheme\":\"{scheme}\",\"pid\":{i}}}"), CreateMode.Ephemeral);
        }
        var options = new ZooKeeperServiceDiscoveryOptions();
        options.Services[Service] = "/bench/svc";
        _metrics = new ZooKeeperHostingMetrics(null);
        _resolver = new ZooKeeperServiceEndpointResolver(_client, Options.Create(options), NullLoggerFactory.Instance, TimeProvider.System, _metrics);
        var factory = new ZooKeeperServiceEndpointProviderFactory(_resolver, Options.Create(new ServiceDiscoveryOptions()), TimeProvider.System, NullLogger<ZooKeeperServiceEndpointProviderFactory>.Instance);
        _provider = Create(factory, "http://bench");
        _httpsProvider = Create(factory, "https+http://bench");
        await _provider.PopulateAsync(_builder, CancellationToken.None); // Loads the service (first read and watches).
        if (_builder.Endpoints.Count != 5)
        {
            throw new InvalidOperationException($"Expected 5 http endpoints, got {_builder.Endpoints.Count}.");
        }
    }

    private static IServiceEndpointProvider Create(ZooKeeperServiceEndpointProviderFactory factory, string query)
    {
        if (!ServiceEndpointQuery.TryParse(query, out var parsed) || !factory.TryCreateProvider(parsed, out var provider))
        {
            throw new InvalidOperationException($"No provider for {query}.");
        }
        return provider;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _resolver.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _metrics.Dispose();
    }

    /// <summary><c>http://bench</c>: the 5 http endpoints of 10.</summary>
    [Benchmark(Baseline = true)]
    public int PopulateHttp()
    {
        _builder.Clear();
        var pending = _provider.PopulateAsync(_builder, CancellationToken.None);
        if (!pending.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("A warm cache answers synchronously.");
        }
        return _builder.Endpoints.Count;
    }

    /// <summary><c>https+http://bench</c>: the https endpoints preferred.</summary>
    [Benchmark]
    public int PopulateHttpsPlusHttp()
    {
        _builder.Clear();
        var pending = _httpsProvider.PopulateAsync(_builder, CancellationToken.None);
        if (!pending.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("A warm cache answers synchronously.");
        }
        return _builder.Endpoints.Count;
    }

    /// <summary>An <see cref="IServiceEndpointBuilder"/> reused across calls, so only the provider's own allocations count.</summary>
    private sealed class ReusedBuilder : IServiceEndpointBuilder
    {
        private readonly List<ServiceEndpoint> _endpoints = new(16);

        public IList<ServiceEndpoint> Endpoints => _endpoints;

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public IChangeToken? ChangeToken { get; private set; }

        public void AddChangeToken(IChangeToken changeToken) => ChangeToken = changeToken;

        public void Clear()
        {
            _endpoints.Clear();
            ChangeToken = null;
        }
    }
}
