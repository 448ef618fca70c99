using Xunit.Abstractions;
using ZkDiscovery.TestSupport;
using ZkDiscovery.Soak;

namespace ZkDiscovery.Hosting.Tests;

/// <summary>
/// The one-minute soak in CI: the engine of <c>ZkDiscovery.Bench soak</c>
/// (bench/ZkDiscovery.Bench/Soak/SoakEngine.cs, compiled into this project) for 60 s against a private server on
/// 127.0.0.1: churn, configuration writes and a connection cut every 20 s, samples every 10 s. It runs alone (its
/// heap, socket and thread samples are the whole process's).
/// </summary>
[Collection(SoakCollectionDefinition.Name)]
[Trait("Category", "Soak")]
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OneMinuteSoak_ChurnConfigurationWritesAndCuts_MemoryFlatAndNothingMissed()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await using var server = await FreshZooKeeper.StartAsync(cancellationToken: bound.Token);
        var report = await SoakEngine.RunAsync(
            new SoakOptions
            {
                ServerPort = server.Port,
                Duration = TimeSpan.FromSeconds(60),
                WarmUp = TimeSpan.FromSeconds(30),
                SampleInterval = TimeSpan.FromSeconds(10),
                CutInterval = TimeSpan.FromSeconds(20),
                CutOutage = TimeSpan.FromSeconds(1),
                Instances = 500,
                ChangesPerSecond = 20,
                ConfigWriteInterval = TimeSpan.FromSeconds(1),
                Log = output.WriteLine,
            },
            bound.Token);
        output.WriteLine(report.ToMarkdown());

        Assert.True(report.ViewEqualsServer, "the discovery view did not reach the server's children: " + report.Verdict);
        Assert.True(report.ConfigurationCurrent, "the configuration did not reach the last write: " + report.Verdict);
        Assert.True(report.Cuts >= 2, $"only {report.Cuts} cuts in 60 s");
        Assert.True(report.Changes >= 200, $"only {report.Changes} changes in 60 s");
        Assert.True(report.WatchesFlat, report.Verdict);
        Assert.True(report.SocketsFlat, report.Verdict);
        Assert.True(report.MemoryFlat, report.Verdict);
    }
}

/// <summary>The soak test's collection: it never runs in parallel with another test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollectionDefinition
{
    /// <summary>The collection name, "Soak".</summary>
    public const string Name = "Soak";
}
