using System.Diagnostics;
using System.Diagnostics.Metrics;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.Testing;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Client;

public class SessionTests : ClientTestBase
{
    [Fact]
    public async Task StateEvents_ConnectSuspendReconnectClose()
    {
        var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = ConnectionString });
        var states = new StateSink(client);

        client.Start();
        var connected = await states.WaitForAsync(ConnectionState.Connected);
        client.DropConnection();
        await states.WaitForAsync(ConnectionState.Suspended);
        var resumed = await states.WaitForAsync(ConnectionState.Connected);
        await client.DisposeAsync();
        await states.WaitForAsync(ConnectionState.Closed);

        Assert.True(connected.IsNewSession);
        Assert.Equal(ConnectionState.Connecting, connected.PreviousState);
        Assert.Equal(ConnectionString, connected.Server);
        Assert.False(resumed.IsNewSession);
        Assert.Equal(connected.SessionId, resumed.SessionId);
    }

    [Fact]
    public async Task StateChanged_HandlerAddedAfterAChange_IsNotToldOfIt_EvenWhileItWaitsToBeDispatched()
    {
        await using var client = await ZooKeeperClient.ConnectAsync(ConnectionString);
        using var gate = new ManualResetEventSlim();
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += (_, e) =>
        {
            if (e.State == ConnectionState.Suspended && holding.TrySetResult())
            {
                gate.Wait(Timeout); // Holds the dispatcher: the reconnection's event waits behind this one.
            }
        };
        client.DropConnection();
        await holding.Task.WaitAsync(Timeout);
        await client.WaitUntilConnectedAsync(Timeout);

        // Added once reconnected, while the event of that reconnection is still to be dispatched.
        var states = new StateSink(client);
        gate.Set();
        client.DropConnection();
        await states.WaitForAsync(ConnectionState.Connected);

        Assert.Equal([ConnectionState.Suspended, ConnectionState.Connected], states.Seen.Select(e => e.State));
    }

    [Fact]
    public async Task SessionTimeout_IsNegotiatedByTheServer()
    {
        var shortSession = await ConnectAsync(o => o.SessionTimeout = TimeSpan.FromMilliseconds(100));
        var longSession = await ConnectAsync(o => o.SessionTimeout = TimeSpan.FromMinutes(10));

        // The shared server runs with tickTime 200 ms and maxSessionTimeout 30 s: sessions are clamped to [400 ms, 30 s].
        Assert.Equal(TimeSpan.FromMilliseconds(400), shortSession.SessionTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), longSession.SessionTimeout);
    }

    [Fact]
    public async Task ShortSession_StaysAliveThroughPings()
    {
        var client = await ConnectAsync(o => o.SessionTimeout = TimeSpan.FromMilliseconds(1200));
        var states = new StateSink(client);
        await client.CreateAsync(Root + "/e", mode: CreateMode.Ephemeral);
        var session = client.SessionId;

        // Several session timeouts of idleness (the scenario itself, not a wait for an event): only pings keep the session.
        await Task.Delay(TimeSpan.FromSeconds(5));

        Assert.Equal(session, client.SessionId);
        Assert.Equal(session, (await Client.ExistsAsync(Root + "/e"))!.EphemeralOwner);
        Assert.DoesNotContain(states.Seen, s => s.State == ConnectionState.Expired);
    }

    [Fact]
    public async Task ForcedExpiry_ReportsExpired_DropsEphemeralsAndWatches_ThenWorksOnANewSession()
    {
        var victim = await ConnectAsync(o => o.SessionTimeout = TimeSpan.FromSeconds(10));
        var states = new StateSink(victim);
        await victim.CreateAsync(Root + "/mine", mode: CreateMode.Ephemeral);
        var lostWatch = new EventSink();
        await victim.GetDataAsync(Root, lostWatch.Watcher);
        var observer = new EventSink();
        await Client.ExistsAsync(Root + "/mine", observer.Watcher);
        var oldSession = victim.SessionCredentials!;

        // A second connection joins the same session and closes it: the server ends the session.
        Assert.True(await ZooKeeperSessionKiller.ExpireAsync(ConnectionString, oldSession.SessionId, oldSession.Password));

        Assert.Equal(WatchEventType.NodeDeleted, (await observer.NextAsync()).Type);
        var expired = await states.WaitForAsync(ConnectionState.Expired);
        var renewed = await states.WaitForAsync(ConnectionState.Connected);
        var lost = await lostWatch.NextAsync();
        var created = await victim.CreateAsync(Root + "/again", mode: CreateMode.Ephemeral);

        Assert.Equal(oldSession.SessionId, expired.SessionId);
        Assert.True(renewed.IsNewSession);
        Assert.NotEqual(oldSession.SessionId, victim.SessionId);
        Assert.Equal(new WatchedEvent(WatchEventType.None, KeeperState.Expired, Root), lost);
        Assert.True(lost.IsWatchLost);
        Assert.Null(await Client.ExistsAsync(Root + "/mine"));
        Assert.Equal(victim.SessionId, created.Stat.EphemeralOwner);
    }

    [Fact]
    public async Task JoiningAnExpiredSession_ReportsExpired_AndStartsANewOne()
    {
        var owner = await ConnectAsync();
        var credentials = owner.SessionCredentials!;
        Assert.True(await ZooKeeperSessionKiller.ExpireAsync(ConnectionString, credentials.SessionId, credentials.Password));

        var heir = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = ConnectionString, Session = credentials });
        await using (heir)
        {
            var states = new StateSink(heir);
            heir.Start();
            var expired = await states.WaitForAsync(ConnectionState.Expired);
            var connected = await states.WaitForAsync(ConnectionState.Connected);

            Assert.Equal(credentials.SessionId, expired.SessionId);
            Assert.True(connected.IsNewSession);
            Assert.NotEqual(credentials.SessionId, heir.SessionId);
        }
    }

    [Fact]
    public async Task UnreachableServer_WaitUntilConnectedTimesOut_NamingTheServer()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var client = new ZooKeeperClient($"127.0.0.1:{port}");

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.WaitUntilConnectedAsync(TimeSpan.FromSeconds(1)));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.Equal(ConnectionState.Connecting, client.State);
    }

    [Fact]
    public async Task RequestsQueuedWhileDisconnected_GoOutAfterReconnect()
    {
        var states = new StateSink(Client);

        Client.DropConnection();
        var during = Client.CreateAsync(Root + "/queued");
        await states.WaitForAsync(ConnectionState.Connected);

        Assert.Equal(Root + "/queued", (await during.WaitAsync(Timeout)).Path);
    }

    [Fact]
    public async Task Metrics_CountRequestsAndErrors()
    {
        var measurements = new List<(string Instrument, long Value, string? Error)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ZkDiscovery")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? error = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "error.type")
                {
                    error = tag.Value as string;
                }
            }
            lock (measurements)
            {
                measurements.Add((instrument.Name, value, error));
            }
        });
        listener.Start();
        var client = await ConnectAsync();

        await client.GetDataAsync(Root);
        await Assert.ThrowsAsync<NoNodeException>(() => client.GetDataAsync(Root + "/missing"));

        lock (measurements)
        {
            Assert.Contains(measurements, m => m.Instrument == "zookeeper.client.requests");
            Assert.Contains(measurements, m => m.Instrument == "zookeeper.client.errors" && m.Error == "NoNode");
        }
    }
}

public class FaultTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task RequestInFlightWhenConnectionDrops_FailsWithConnectionLoss_ReadsAreRetried()
    {
        await using var server = await FreshZooKeeper.StartAsync();
        await using var client = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { ConnectionString = server.ConnectionString, SessionTimeout = TimeSpan.FromSeconds(20) });
        await client.CreateAsync("/a");
        var states = new StateSinkLite(client);

        // Freeze the server so that the requests stay in flight, then drop the connection under them.
        Signal(server.ProcessId, "STOP");
        Task write, read;
        try
        {
            write = client.SetDataAsync("/a", "x"u8.ToArray());
            read = client.GetDataAsync("/a");
            client.DropConnection();
            await states.WaitForAsync(ConnectionState.Suspended);
        }
        finally
        {
            Signal(server.ProcessId, "CONT");
        }

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => write.WaitAsync(s_timeout));
        Assert.True(error.IsTransient);
        Assert.Equal("/a", error.Path);
        await read.WaitAsync(s_timeout);
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {pid}");
        kill.WaitForExit();
    }

    private sealed class StateSinkLite
    {
        private readonly System.Threading.Channels.Channel<ConnectionState> _states = System.Threading.Channels.Channel.CreateUnbounded<ConnectionState>();

        public StateSinkLite(ZooKeeperClient client) => client.StateChanged += (_, e) => _states.Writer.TryWrite(e.State);

        public async Task WaitForAsync(ConnectionState state)
        {
            using var cts = new CancellationTokenSource(s_timeout);
            while (await _states.Reader.ReadAsync(cts.Token) != state)
            {
            }
        }
    }
}
