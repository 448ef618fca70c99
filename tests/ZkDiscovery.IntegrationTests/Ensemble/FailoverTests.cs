using ZkDiscovery.IntegrationTests.Client;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.Testing;

namespace ZkDiscovery.IntegrationTests.Ensemble;

[Collection(EnsembleCollectionDefinition.Name)]
public sealed class FailoverTests(EnsembleFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly List<ZooKeeperClient> _clients = [];
    private readonly string _root = "/f" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync()
    {
        await fixture.EnsureAllRunningAsync();
        var admin = await ConnectAsync();
        await admin.CreateAsync(_root);
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task ConnectedServerKilled_ClientMovesToAnotherMember_KeepingSessionEphemeralsAndWatches()
    {
        var client = await ConnectAsync(TimeSpan.FromSeconds(10));
        var states = new States(client);
        await client.CreateAsync(_root + "/eph", mode: CreateMode.Ephemeral);
        await client.CreateAsync(_root + "/watched");
        var watched = new TaskCompletionSource<WatchedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.GetDataAsync(_root + "/watched", e => watched.TrySetResult(e));
        var session = client.SessionId;
        var first = client.ConnectedServer;

        await MemberServing(first!).KillAsync();
        await states.WaitForAsync(ConnectionState.Suspended);
        var back = await states.WaitForAsync(ConnectionState.Connected);
        var other = await ConnectAsync();
        await other.SetDataAsync(_root + "/watched", "after failover"u8.ToArray());

        Assert.False(back.IsNewSession);
        Assert.Equal(session, client.SessionId);
        Assert.NotEqual(first, client.ConnectedServer);
        Assert.Equal(session, (await other.ExistsAsync(_root + "/eph"))!.EphemeralOwner);
        Assert.Equal(WatchEventType.NodeDataChanged, (await watched.Task.WaitAsync(s_timeout)).Type);
    }

    [Fact]
    public async Task LeaderKilled_WritesResumeOnTheSameSession()
    {
        var client = await ConnectAsync(TimeSpan.FromSeconds(10));
        var session = client.SessionId;
        var leader = await fixture.Ensemble.GetLeaderAsync();

        await leader.KillAsync();
        var created = await client.ExecuteWithRetryAsync(ct => client.CreateAsync(_root + "/after-leader", mode: CreateMode.Ephemeral, cancellationToken: ct));
        var newLeader = await fixture.Ensemble.GetLeaderAsync();

        Assert.Equal(session, client.SessionId);
        Assert.Equal(session, created.Stat.EphemeralOwner);
        Assert.NotEqual(leader.Id, newLeader.Id);
    }

    [Fact]
    public async Task QuorumLostLongerThanSessionTimeout_SessionSurvivesBecauseReconnectIsPrompt()
    {
        var client = await ConnectAsync(TimeSpan.FromSeconds(4));
        var states = new States(client);
        await client.CreateAsync(_root + "/eph", mode: CreateMode.Ephemeral);
        var session = client.SessionId;
        var victims = fixture.Ensemble.Members.Take(2).ToList();

        foreach (var member in victims)
        {
            await member.KillAsync();
        }
        await states.WaitForAsync(ConnectionState.Suspended);
        // The outage itself: longer than the 4 s session. Without a quorum no session can expire, and once the
        // quorum is back the client must reconnect within its timeout: a capped back-off makes that sure.
        await Task.Delay(TimeSpan.FromSeconds(6));
        foreach (var member in victims)
        {
            await member.StartAsync();
        }
        var back = await states.WaitForAsync(ConnectionState.Connected);

        Assert.False(back.IsNewSession);
        Assert.Equal(session, client.SessionId);
        Assert.DoesNotContain(states.Seen, s => s == ConnectionState.Expired);
        Assert.Equal(session, (await client.GetDataAsync(_root + "/eph")).Stat.EphemeralOwner);
    }

    private ZooKeeperEnsembleMember MemberServing(string server) =>
        fixture.Ensemble.Members.Single(m => server.EndsWith(":" + m.Port, StringComparison.Ordinal));

    private async Task<ZooKeeperClient> ConnectAsync(TimeSpan? sessionTimeout = null)
    {
        var client = new ZooKeeperClient(new ZooKeeperClientOptions
        {
            ConnectionString = fixture.ConnectionString,
            SessionTimeout = sessionTimeout ?? TimeSpan.FromSeconds(10),
        });
        _clients.Add(client);
        await client.WaitUntilConnectedAsync(s_timeout);
        return client;
    }

    private sealed class States
    {
        private readonly System.Threading.Channels.Channel<ConnectionStateChangedEventArgs> _channel = System.Threading.Channels.Channel.CreateUnbounded<ConnectionStateChangedEventArgs>();

        public States(ZooKeeperClient client) => client.StateChanged += (_, e) => _channel.Writer.TryWrite(e);

        public List<ConnectionState> Seen { get; } = [];

        public async Task<ConnectionStateChangedEventArgs> WaitForAsync(ConnectionState state)
        {
            using var cts = new CancellationTokenSource(s_timeout);
            while (true)
            {
                var e = await _channel.Reader.ReadAsync(cts.Token);
                Seen.Add(e.State);
                if (e.State == state)
                {
                    return e;
                }
            }
        }
    }
}
