using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ZkDiscovery.Bench;

/// <summary>
/// `ZkDiscovery.Bench micro [BenchmarkDotNet args]`: BenchmarkDotNet micro-benchmarks of hot paths. They run in
/// process (InProcessEmitToolchain): this assembly is the one src/ZkDiscovery, ZkDiscovery.Hosting and
/// ZkDiscovery.Configuration grant their internals to, and no generated project has to build under the repository's
/// Directory.Build.props. FrameBenchmarks (codec), EndpointSelectionBenchmarks (picking an endpoint from a snapshot),
/// ConfigurationMappingBenchmarks (a 1,000-key node to configuration keys), EndpointProviderBenchmarks
/// (PopulateAsync of the Microsoft.Extensions.ServiceDiscovery provider on a warm cache; starts a real ZooKeeper),
/// RequestTracingBenchmarks (a request with and without a listener on the ZkDiscovery activity source).
/// </summary>
internal static class MicroBenchmarks
{
    public static int Run(string[] args)
    {
        var config = DefaultConfig.Instance
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsDefault())
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
