using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.Testing;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Ensemble;

[Collection(EnsembleCollectionDefinition.Name)]
public sealed class ReadOnlyModeTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task QuorumLost_ReadOnlyClientConnectsAndReads_WritesFail_ThenMovesToReadWrite()
    {
        var options = ZooKeeperTestDefaults.CreateEnsembleOptions();
        // A read-only server can only create local sessions.
        options.SystemProperties["readonlymode.enabled"] = "true";
        options.ExtraConfigLines.Add("localSessionsEnabled=true");
        options.ExtraConfigLines.Add("localSessionsUpgradingEnabled=true");
        await using var ensemble = await ZooKeeperTestEnsemble.StartAsync(options);
        await using (var writer = await ZooKeeperClient.ConnectAsync(ensemble.ConnectionString, s_timeout))
        {
            await writer.CreateAsync("/ro", "before"u8.ToArray());
            await writer.SyncAsync("/ro");
        }
        await using var early = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = ensemble.Members[0].ConnectionString, CanBeReadOnly = true });
        var earlyStates = System.Threading.Channels.Channel.CreateUnbounded<ConnectionState>();
        early.StateChanged += (_, e) => earlyStates.Writer.TryWrite(e.State);
        await early.WaitUntilConnectedAsync(s_timeout);
        var killed = ensemble.Members.Skip(1).ToList();
        foreach (var member in killed)
        {
            await member.KillAsync();
        }

        await using var client = new ZooKeeperClient(new ZooKeeperClientOptions
        {
            ConnectionString = ensemble.ConnectionString,
            SessionTimeout = TimeSpan.FromSeconds(10),
            CanBeReadOnly = true,
        });
        var states = System.Threading.Channels.Channel.CreateUnbounded<ConnectionState>();
        client.StateChanged += (_, e) => states.Writer.TryWrite(e.State);
        client.Start();
        await WaitForAsync(states, ConnectionState.ConnectedReadOnly);

        var read = await client.GetDataAsync("/ro");
        // A client that was connected read-write before the quorum was lost goes read-only too.
        await WaitForAsync(earlyStates, ConnectionState.ConnectedReadOnly);
        Assert.Equal("before", System.Text.Encoding.UTF8.GetString((await early.GetDataAsync("/ro")).Data));
        await Assert.ThrowsAsync<NotReadOnlyException>(() => client.SetDataAsync("/ro", "during"u8.ToArray()));

        foreach (var member in killed)
        {
            await member.StartAsync();
        }
        await WaitForAsync(states, ConnectionState.Connected);
        await client.ExecuteWithRetryAsync(ct => client.SetDataAsync("/ro", "after"u8.ToArray(), cancellationToken: ct));

        Assert.Equal("before", System.Text.Encoding.UTF8.GetString(read.Data));
        Assert.Equal(ConnectionState.Connected, client.State);
    }

    private static async Task WaitForAsync(System.Threading.Channels.Channel<ConnectionState> states, ConnectionState expected)
    {
        using var cts = new CancellationTokenSource(s_timeout);
        while (await states.Reader.ReadAsync(cts.Token) != expected)
        {
        }
    }
}
