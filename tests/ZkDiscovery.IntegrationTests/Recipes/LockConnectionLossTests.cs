using Microsoft.Extensions.Logging;
using ZkDiscovery.Diagnostics;
using ZkDiscovery.IntegrationTests.Chaos;
using ZkDiscovery.IntegrationTests.Client;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.Recipes;
using ZkDiscovery.Testing;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Recipes;

/// <summary>
/// The lock's protected-mode recovery under fault injection: the participant's client talks to the shared server
/// through a <see cref="PartitionProxy"/> that breaks the connection exactly at the create of the lock node, either
/// after the server applied it (the reply is lost) or before the server saw it. The participant must end up with one
/// node (its own, found again by the GUID prefix), acquire the lock, and leave nothing behind after the release.
/// </summary>
public sealed class LockConnectionLossTests : ClientTestBase
{
    private static readonly TimeSpan s_acquireTimeout = TimeSpan.FromSeconds(10);

    private string LockPath => Root + "/lock";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Client.CreateAsync(LockPath);
    }

    [Fact]
    public async Task AcquireAsync_CreateReplyLost_FindsItsOwnNodeAndHoldsTheLock()
    {
        await using var proxy = await StartProxyAsync();
        var logs = new LockLogSink();
        var client = await ConnectAsync(connectionString: proxy.ConnectionString);
        var session = client.SessionId;
        var zkLock = new ZooKeeperLock(client, LockPath, "victim", logger: logs.Logger);
        var cut = proxy.CutOn(r => r.IsCreateUnder(LockPath), RequestCut.LoseReply);

        await using var handle = await zkLock.AcquireAsync(s_acquireTimeout);

        var lostCreate = Assert.Single(await cut.Done.WaitAsync(Timeout));
        Assert.Equal(2, proxy.Accepted); // the create's connection, then the one the participant recovered on
        Assert.Equal(session, client.SessionId);
        var node = Assert.Single((await Client.GetChildrenAsync(LockPath)).Children);
        Assert.StartsWith(ZooKeeperPath.GetName(lostCreate.Path!), node, StringComparison.Ordinal); // the node whose reply was lost
        Assert.Equal(LockPath + "/" + node, handle.NodePath);
        Assert.True(handle.IsHeld);
        Assert.Equal(ZooKeeperLock.SequenceOf(node), handle.Holder.Sequence);
        Assert.Contains(handle.NodePath, logs.Recovered);

        await handle.ReleaseAsync();

        Assert.False(handle.IsHeld);
        Assert.Empty((await Client.GetChildrenAsync(LockPath)).Children);
    }

    [Fact]
    public async Task AcquireAsync_CreateReplyLostWhileHeld_QueuesOnceAndIsWokenByTheRelease()
    {
        var holderLock = new ZooKeeperLock(await ConnectAsync(), LockPath, "holder");
        await using var holder = await holderLock.AcquireAsync(Timeout);
        await using var proxy = await StartProxyAsync();
        var logs = new LockLogSink();
        var zkLock = new ZooKeeperLock(await ConnectAsync(connectionString: proxy.ConnectionString), LockPath, "waiter", logger: logs.Logger);
        var cut = proxy.CutOn(r => r.IsCreateUnder(LockPath), RequestCut.LoseReply);

        var waiting = zkLock.AcquireAsync(s_acquireTimeout);
        var lostCreate = Assert.Single(await cut.Done.WaitAsync(Timeout));
        var predecessor = await logs.Waiting.WaitAsync(Timeout); // recovered and watching its predecessor

        // Queued exactly once: behind the holder, not behind a second node of its own.
        Assert.Equal(holder.NodePath, predecessor);
        var children = (await Client.GetChildrenAsync(LockPath)).Children;
        Assert.Equal(2, children.Count);
        var queued = Assert.Single(children, c => c.StartsWith(ZooKeeperPath.GetName(lostCreate.Path!), StringComparison.Ordinal));
        Assert.False(waiting.IsCompleted);

        await holder.ReleaseAsync();
        await using var handle = await waiting.WaitAsync(Timeout);

        Assert.True(handle.IsHeld);
        Assert.Equal(LockPath + "/" + queued, handle.NodePath);
        Assert.Equal([queued], (await Client.GetChildrenAsync(LockPath)).Children);
        await handle.ReleaseAsync();
        Assert.Empty((await Client.GetChildrenAsync(LockPath)).Children);
    }

    [Fact]
    public async Task AcquireAsync_CreateNeverReachedServer_CreatesItsNodeOnReconnect()
    {
        await using var proxy = await StartProxyAsync();
        var logs = new LockLogSink();
        var zkLock = new ZooKeeperLock(await ConnectAsync(connectionString: proxy.ConnectionString), LockPath, "victim", logger: logs.Logger);
        var cut = proxy.CutOn(r => r.IsCreateUnder(LockPath), RequestCut.DropRequest);

        await using var handle = await zkLock.AcquireAsync(s_acquireTimeout);

        var droppedCreate = Assert.Single(await cut.Done.WaitAsync(Timeout));
        var node = Assert.Single((await Client.GetChildrenAsync(LockPath)).Children);
        Assert.StartsWith(ZooKeeperPath.GetName(droppedCreate.Path!), node, StringComparison.Ordinal);
        Assert.Equal(LockPath + "/" + node, handle.NodePath);
        Assert.True(handle.IsHeld);
        Assert.Empty(logs.Recovered); // nothing to recover: the node was created after the reconnect

        await handle.ReleaseAsync();
        Assert.Empty((await Client.GetChildrenAsync(LockPath)).Children);
    }

    [Fact]
    public async Task AcquireAsync_CreateReplyLostThenConnectionFlaps_StillOneNodeAndAcquires()
    {
        // The create is applied and its reply lost; then every attempt (the first and its three retries) of the
        // listing that looks for the node is cut too, so the look-up fails and the create is retried as a whole.
        await using var proxy = await StartProxyAsync();
        var logs = new LockLogSink();
        var zkLock = new ZooKeeperLock(await ConnectAsync(connectionString: proxy.ConnectionString), LockPath, "victim", logger: logs.Logger);
        var createCut = proxy.CutOn(r => r.IsCreateUnder(LockPath), RequestCut.LoseReply);
        var listCut = proxy.CutOn(r => r.IsGetChildrenOf(LockPath), RequestCut.DropRequest, times: 4);

        var acquiring = zkLock.AcquireAsync(s_acquireTimeout);
        var lostCreate = Assert.Single(await createCut.Done.WaitAsync(Timeout));
        Assert.Equal(4, (await listCut.Done.WaitAsync(Timeout)).Count);
        await using var handle = await acquiring.WaitAsync(Timeout);

        var node = Assert.Single((await Client.GetChildrenAsync(LockPath)).Children);
        Assert.StartsWith(ZooKeeperPath.GetName(lostCreate.Path!), node, StringComparison.Ordinal);
        Assert.Equal(LockPath + "/" + node, handle.NodePath);
        Assert.True(handle.IsHeld);
        Assert.Contains(handle.NodePath, logs.Recovered); // found again by the retry, not created twice

        await handle.ReleaseAsync();
        Assert.Empty((await Client.GetChildrenAsync(LockPath)).Children);
    }

    [Fact]
    public async Task ReleaseAsync_SessionExpiresWhileTheDeleteWaits_ThrowsAndReportsTheLockLost()
    {
        // The release's delete waits for a connection; meanwhile the session expires (and with it the lock node), and
        // the release fails: the handle must end lost (once), not held, since another participant may hold the lock.
        await using var proxy = await StartProxyAsync();
        var (client, handle, lost) = await AcquireThroughAsync(proxy);
        var lostEvents = 0;
        var lostEvent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        handle.Lost += (_, _) =>
        {
            Interlocked.Increment(ref lostEvents);
            lostEvent.TrySetResult();
        };
        var credentials = client.SessionCredentials!;

        await CutOffAsync(proxy, client);
        var release = handle.ReleaseAsync();
        Assert.True(await ZooKeeperSessionKiller.ExpireAsync(ConnectionString, credentials.SessionId, credentials.Password));
        proxy.Heal();

        await Assert.ThrowsAsync<SessionExpiredException>(() => release.WaitAsync(Timeout));
        await lost.WaitAsync(Timeout);
        await lostEvent.Task.WaitAsync(Timeout);
        Assert.True(handle.IsLost);
        Assert.False(handle.IsHeld);
        Assert.Equal(1, Volatile.Read(ref lostEvents));
        Assert.Empty((await Client.GetChildrenAsync(LockPath)).Children);
        await handle.DisposeAsync(); // a lost handle disposes quietly
    }

    [Fact]
    public async Task ReleaseAsync_ClientClosedWhileTheDeleteWaits_ThrowsAndReportsTheLockLost()
    {
        // The client is closed while the release's delete waits for a connection. The handle hears "closed" while the
        // release is still under way, and only then does the release fail: it must report the loss then, not go back to
        // "held" on a client that is gone.
        await using var proxy = await StartProxyAsync();
        var (client, handle, lost) = await AcquireThroughAsync(proxy);
        using var closedTold = new ManualResetEventSlim();
        client.StateChanged += (_, e) =>
        {
            if (e.State == ConnectionState.Closed)
            {
                closedTold.Set(); // Handlers run in order: the handle's, subscribed first, has run.
            }
        };

        await CutOffAsync(proxy, client);
        // Queued before the delete, so its failure is delivered first: its continuation holds the delivery of the
        // delete's failure up until the handle has been told of the close.
        var ahead = client.ExistsAsync(LockPath).ContinueWith(
            _ => closedTold.Wait(Timeout), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var release = handle.ReleaseAsync();
        await client.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => release.WaitAsync(Timeout));
        Assert.True(await ahead.WaitAsync(Timeout), "The close was never told.");
        await lost.WaitAsync(Timeout);
        Assert.True(handle.IsLost);
        Assert.False(handle.IsHeld);
    }

    /// <summary>A client through <paramref name="proxy"/> holding the lock; <c>Lost</c> completes when its token is cancelled.</summary>
    private async Task<(ZooKeeperClient Client, ZooKeeperLockHandle Handle, Task Lost)> AcquireThroughAsync(PartitionProxy proxy)
    {
        var client = await ConnectAsync(connectionString: proxy.ConnectionString);
        var handle = await new ZooKeeperLock(client, LockPath, "victim").AcquireAsync(s_acquireTimeout);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        handle.LockLost.Register(() => lost.TrySetResult());
        return (client, handle, lost.Task);
    }

    /// <summary>Cuts <paramref name="client"/> off (the proxy refuses it from now on) and waits until it knows.</summary>
    private static async Task CutOffAsync(PartitionProxy proxy, ZooKeeperClient client)
    {
        var suspended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnStateChanged(object? sender, ConnectionStateChangedEventArgs e)
        {
            if (e.State == ConnectionState.Suspended)
            {
                suspended.TrySetResult();
            }
        }
        client.StateChanged += OnStateChanged;
        try
        {
            proxy.Partition();
            client.DropConnection();
            await suspended.Task.WaitAsync(Timeout);
        }
        finally
        {
            client.StateChanged -= OnStateChanged;
        }
    }

    private static async Task<PartitionProxy> StartProxyAsync() =>
        PartitionProxy.Start([(await SharedZooKeeper.GetAsync()).Port]);

    /// <summary>The lock's log: the recovered nodes, and the first predecessor waited for.</summary>
    private sealed class LockLogSink : ILogger
    {
        private readonly TaskCompletionSource<string> _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<string> _recovered = [];

        public ILogger Logger => this;

        public Task<string> Waiting => _waiting.Task;

        public IReadOnlyList<string> Recovered
        {
            get
            {
                lock (_recovered)
                {
                    return [.. _recovered];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            string? Value(string name) => values.FirstOrDefault(p => p.Key == name).Value as string;
            switch (eventId.Id)
            {
                case ZooKeeperEventIds.LockNodeRecovered:
                    lock (_recovered)
                    {
                        _recovered.Add(Value("Node")!);
                    }
                    break;
                case ZooKeeperEventIds.LockWaiting:
                    _waiting.TrySetResult(Value("Predecessor")!);
                    break;
            }
        }
    }
}
