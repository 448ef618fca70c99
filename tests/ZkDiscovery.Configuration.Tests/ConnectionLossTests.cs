using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.Configuration.Tests;

/// <summary>
/// A connection that drops in the middle of a tree read, injected with a <see cref="PartitionProxy"/> between the
/// provider and the shared server, cut at a chosen read. The tree is a node and three children, every one holding
/// the same generation number, always written together in one multi: any configuration a user sees must hold one
/// generation throughout (never a half-read tree), the last good one is kept while the connection is down, the new
/// one comes when it is back, and a lost connection is not a load failure (no <c>OnLoadException</c>, no
/// <c>LastError</c>, status <c>Current</c>).
/// </summary>
public sealed class ConnectionLossTests : ConfigurationTestBase
{
    private static readonly string[] s_children = ["a", "b", "c"];

    private readonly Channel<ZooKeeperLoadExceptionContext> _loadErrors = Channel.CreateUnbounded<ZooKeeperLoadExceptionContext>();
    private PartitionProxy? _proxy;

    private string AppPath => Root + "/app";

    private PartitionProxy Proxy => _proxy!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _proxy = PartitionProxy.Start([(await SharedZooKeeper.GetAsync()).Port]);
        await Client.CreateAsync(AppPath, Generation(1));
        foreach (var child in s_children)
        {
            await Client.CreateAsync(AppPath + "/" + child, Generation(1));
        }
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync(); // the providers first, then their proxy
        await Proxy.DisposeAsync();
    }

    [Fact]
    public async Task Reload_ReplyLostMidTreeAndTreeChangedMeanwhile_NeverShowsAMix_ThenTheWholeNewTree()
    {
        var configuration = BuildThroughProxy();
        var provider = ProviderOf(configuration);
        using var recorder = new ReloadRecorder(configuration);
        // The read of the last child goes to the server, its reply is lost and the client is cut off.
        var cut = Proxy.CutOn(r => r.OpCode == ProxiedRequest.GetData && r.Path == AppPath + "/c", RequestCut.LoseReply, thenPartition: true);

        await WriteGenerationAsync(2);
        await cut.Done.WaitAsync(Timeout);

        // Cut off half way through reading generation 2: the last good data stays, whole.
        AssertWhole(1, Keys(configuration));
        AssertNotFailed(provider);

        // Generation 3 is written while the client is away, then it comes back.
        await WriteGenerationAsync(3);
        Proxy.Heal();

        await NextWholeAsync(recorder, 3);
        AssertWhole(3, Keys(configuration));
        AssertNotFailed(provider);
    }

    [Fact]
    public async Task Reload_ReadFailsOnAFlappingConnection_PassDiscarded_LastGoodKept_ThenRedone()
    {
        var configuration = BuildThroughProxy();
        var provider = ProviderOf(configuration);
        using var recorder = new ReloadRecorder(configuration);
        // Every attempt at the read of the middle child loses its connection: the first and the client's three
        // retries; after the last one the client stays cut off.
        bool ReadOfB(ProxiedRequest r) => r.OpCode == ProxiedRequest.GetData && r.Path == AppPath + "/b";
        var flaps = Proxy.CutOn(ReadOfB, RequestCut.DropRequest, times: 3);
        var last = Proxy.CutOn(ReadOfB, RequestCut.DropRequest, thenPartition: true);

        await WriteGenerationAsync(2);
        await flaps.Done.WaitAsync(Timeout);
        await last.Done.WaitAsync(Timeout);

        AssertWhole(1, Keys(configuration));
        AssertNotFailed(provider);
        Assert.Equal(0, recorder.Count);

        Proxy.Heal();

        await NextWholeAsync(recorder, 2);
        AssertWhole(2, Keys(configuration));
        AssertNotFailed(provider);
        Assert.Contains(Logs.Entries, e => e.EventId.Id == 6009); // the pass was discarded, not published
    }

    [Fact]
    public async Task Load_ReplyLostMidFirstReadAndTreeChangedMeanwhile_StartsWithOneWholeTree()
    {
        var cut = Proxy.CutOn(r => r.OpCode == ProxiedRequest.GetData && r.Path == AppPath + "/b", RequestCut.LoseReply, thenPartition: true);

        var building = Task.Run(BuildThroughProxy); // Build() blocks in the first load
        await cut.Done.WaitAsync(Timeout);
        Assert.False(building.IsCompleted);
        await WriteGenerationAsync(2);
        Proxy.Heal();
        var configuration = await building.WaitAsync(Timeout);

        AssertWhole(2, Keys(configuration));
        var provider = ProviderOf(configuration);
        Assert.Equal(ZooKeeperConfigurationStatus.Current, provider.Status);
        AssertNotFailed(provider);
    }

    [Fact]
    public async Task Load_FirstReadFailsOnAFlappingConnection_BuildWaitsAndLoadsTheWholeTree()
    {
        var flaps = Proxy.CutOn(r => r.OpCode == ProxiedRequest.GetData && r.Path == AppPath + "/b", RequestCut.DropRequest, times: 4);

        var configuration = await Task.Run(BuildThroughProxy).WaitAsync(Timeout);

        Assert.Equal(4, (await flaps.Done.WaitAsync(Timeout)).Count);
        AssertWhole(1, Keys(configuration));
        var provider = ProviderOf(configuration);
        Assert.Equal(ZooKeeperConfigurationStatus.Current, provider.Status);
        AssertNotFailed(provider);
    }

    private IConfigurationRoot BuildThroughProxy() => Build(
        AppPath,
        s =>
        {
            s.IncludeChildren = true;
            s.OnLoadException = c => _loadErrors.Writer.TryWrite(c);
        },
        connectionString: Proxy.ConnectionString);

    private static byte[] Generation(int generation) => Bytes($$"""{"gen":{{generation}}}""");

    private async Task WriteGenerationAsync(int generation) =>
        await Client.MultiAsync(s_children.Select(c => AppPath + "/" + c).Prepend(AppPath).Select(p => MultiOperation.SetData(p, Generation(generation))));

    private static Dictionary<string, string?> Keys(IConfiguration configuration) =>
        configuration.AsEnumerable().Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>Asserts the keys are the whole tree of one generation: the node's and every child's.</summary>
    private static void AssertWhole(int generation, Dictionary<string, string?> keys)
    {
        var value = generation.ToString(CultureInfo.InvariantCulture);
        var expected = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["gen"] = value };
        foreach (var child in s_children)
        {
            expected[child + ":gen"] = value;
        }
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), keys.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    /// <summary>Waits for the reload that brings <paramref name="generation"/>; every reload on the way must be a whole tree.</summary>
    private static async Task NextWholeAsync(ReloadRecorder recorder, int generation)
    {
        while (true)
        {
            var keys = await recorder.NextAsync();
            var seen = keys.TryGetValue("gen", out var gen) ? int.Parse(gen!, CultureInfo.InvariantCulture) : -1;
            AssertWhole(seen, keys);
            if (seen == generation)
            {
                return;
            }
        }
    }

    /// <summary>A lost connection is not a load failure.</summary>
    private void AssertNotFailed(ZooKeeperConfigurationProvider provider)
    {
        Assert.False(_loadErrors.Reader.TryRead(out var error), error?.Exception.ToString());
        Assert.Null(provider.LastError);
        Assert.Equal(ZooKeeperConfigurationStatus.Current, provider.Status);
    }
}
