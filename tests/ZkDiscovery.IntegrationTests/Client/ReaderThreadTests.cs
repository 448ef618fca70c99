using Microsoft.Extensions.Logging;
using ZkDiscovery.Connection;

namespace ZkDiscovery.IntegrationTests.Client;

/// <summary>Run alone: the tests count the process's reader threads and change their cap.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReaderThreadGroup
{
    public const string Name = "Reader threads";
}

/// <summary>
/// A plain connection reads on a thread of its own that the kernel wakes when a reply arrives; the threads are capped
/// per process, end with their connection, and hand reading over to the thread pool when a continuation holds them up.
/// </summary>
[Collection(ReaderThreadGroup.Name)]
public sealed class ReaderThreadTests : ClientTestBase
{
    public ReaderThreadTests()
    {
        // The cap is the processor count (at least 2); these tests need a few threads more than that.
        _cap = ZooKeeperConnection.MaxReaderThreads;
        ZooKeeperConnection.MaxReaderThreads = 64;
        _threadsAtStart = ZooKeeperConnection.ReaderThreadsInUse;
    }

    private readonly int _cap;
    private readonly int _threadsAtStart;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        // The next test counts threads: this one's must be gone (a thread that handed its reading over ends on its own).
        await WaitUntilAsync(() => ZooKeeperConnection.ReaderThreadsInUse <= _threadsAtStart);
        ZooKeeperConnection.MaxReaderThreads = _cap;
    }

    [Fact]
    public void TheCap_IsTheProcessorCount_AtLeastTwo()
    {
        Assert.Equal(Math.Max(2, Environment.ProcessorCount), _cap);
    }

    [Fact]
    public async Task EachPlainConnection_ReadsOnAThreadOfItsOwn_WhichEndsWithTheClient()
    {
        var before = ZooKeeperConnection.ReaderThreadsInUse;
        var osThreadsBefore = NamedThreads();

        var clients = new List<ZooKeeperClient>();
        for (var i = 0; i < 3; i++)
        {
            var client = await ConnectAsync();
            await client.ExistsAsync("/");
            clients.Add(client);
        }

        Assert.Equal(before + 3, ZooKeeperConnection.ReaderThreadsInUse);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(osThreadsBefore + 3, NamedThreads());
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
        await WaitUntilAsync(() => ZooKeeperConnection.ReaderThreadsInUse == before && (!OperatingSystem.IsLinux() || NamedThreads() == osThreadsBefore));
    }

    [Fact]
    public async Task SessionsBeyondTheThreadCap_ReadOnThePool_AndWorkAlike()
    {
        ZooKeeperConnection.MaxReaderThreads = ZooKeeperConnection.ReaderThreadsInUse + 2;
        var clients = new List<ZooKeeperClient>();
        for (var i = 0; i < 5; i++)
        {
            clients.Add(await ConnectAsync());
        }
        Assert.Equal(ZooKeeperConnection.MaxReaderThreads, ZooKeeperConnection.ReaderThreadsInUse);

        // Every session, with or without a thread, reads, writes and gets its watch events.
        await Client.CreateAsync(Root + "/n", Bytes("0"));
        var sinks = clients.Select(_ => new EventSink()).ToArray();
        for (var i = 0; i < clients.Count; i++)
        {
            Assert.Equal("0", Text((await clients[i].GetDataAsync(Root + "/n", sinks[i].Watcher)).Data));
        }
        await clients[^1].SetDataAsync(Root + "/n", Bytes("1"));
        foreach (var sink in sinks)
        {
            Assert.Equal(WatchEventType.NodeDataChanged, (await sink.NextAsync()).Type);
        }
        var replies = await Task.WhenAll(clients.Select(c => c.GetDataAsync(Root + "/n")));
        Assert.All(replies, r => Assert.Equal("1", Text(r.Data)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ContinuationWaitingSynchronouslyForAnotherReply_DoesNotDeadlock_AndTheSessionGoesOn(bool asyncReader)
    {
        var client = await ConnectWithReaderAsync(asyncReader);
        await client.CreateAsync(Root + "/a", Bytes("x"));

        // Sync-over-async in a continuation: it runs where the first reply is published and blocks there until the
        // second reply arrives, which somebody else must read.
        var nested = client.GetDataAsync(Root + "/a").ContinueWith(
            _ => Text(client.GetDataAsync(Root + "/a").GetAwaiter().GetResult().Data),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        Assert.Equal("x", await nested.WaitAsync(Timeout));
        await client.SetDataAsync(Root + "/a", Bytes("y")).WaitAsync(Timeout);
        Assert.Equal("y", Text((await client.GetDataAsync(Root + "/a").WaitAsync(Timeout)).Data));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WatcherWaitingSynchronouslyForAReply_DoesNotDeadlock(bool asyncReader)
    {
        var client = await ConnectWithReaderAsync(asyncReader);
        await client.CreateAsync(Root + "/w", Bytes("1"));
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        // A watcher is a plain callback: reading the node synchronously in it is common, if not advisable.
        await client.GetDataAsync(Root + "/w", _ => seen.TrySetResult(Text(client.GetDataAsync(Root + "/w").GetAwaiter().GetResult().Data)));
        await Client.SetDataAsync(Root + "/w", Bytes("2"));

        Assert.Equal("2", await seen.Task.WaitAsync(Timeout));
        Assert.Equal("2", Text((await client.GetDataAsync(Root + "/w").WaitAsync(Timeout)).Data));
    }

    [Fact]
    public async Task ContinuationHoldingTheReaderThread_HandsReadingToThePool_AndSaysSoOnce()
    {
        var logs = new ZkDiscovery.TestSupport.CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        // Reads on a thread of its own: the class raised the cap of reader threads well above what its tests use.
        await using var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = ConnectionString }, loggerFactory);
        await client.WaitUntilConnectedAsync(Timeout);
        await client.CreateAsync(Root + "/held", Bytes("x"));
        const string Said = "reads on the thread pool from now on";
        Assert.DoesNotContain(logs.Lines, l => l.Contains(Said, StringComparison.Ordinal));

        // A continuation that holds the reader thread (sync-over-async on another reply), twice.
        for (var i = 0; i < 2; i++)
        {
            var held = client.GetDataAsync(Root + "/held").ContinueWith(
                _ => Text(client.GetDataAsync(Root + "/held").GetAwaiter().GetResult().Data),
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            Assert.Equal("x", await held.WaitAsync(Timeout));
        }

        // Reading goes on, on the pool, and the log says so once for the connection, naming the session.
        await WaitUntilAsync(() => logs.Lines.Any(l => l.Contains(Said, StringComparison.Ordinal)));
        Assert.Equal("x", Text((await client.GetDataAsync(Root + "/held").WaitAsync(Timeout)).Data));
        var said = Assert.Single(logs.Lines, l => l.Contains(Said, StringComparison.Ordinal));
        Assert.Contains($"0x{client.SessionId:x}", said, StringComparison.Ordinal);
    }

    /// <summary>A new session that reads on a thread of its own, or (the AppContext switch) on the thread pool as TLS sessions do.</summary>
    private async Task<ZooKeeperClient> ConnectWithReaderAsync(bool asyncReader)
    {
        AppContext.SetSwitch("ZkDiscovery.Connection.AsyncReader", asyncReader);
        try
        {
            // Its own connection, not the process's thread count: threads of the clients of earlier tests may still be ending.
            var client = await ConnectAsync();
            Assert.Equal(!asyncReader, client.ConnectionHasReaderThread);
            return client;
        }
        finally
        {
            AppContext.SetSwitch("ZkDiscovery.Connection.AsyncReader", false);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AWatchEvent_IsDeliveredBeforeTheNewDataIsSeen(bool asyncReader)
    {
        var reader = await ConnectWithReaderAsync(asyncReader);
        await Client.CreateAsync(Root + "/n", Bytes("old"));
        var writer = await ConnectAsync();
        // The asynchronous reader's delivery races with its next read: enough rounds to meet that race (each about 1 ms).
        for (var round = 0; round < 500; round++)
        {
            var eventSeen = 0;
            await reader.GetDataAsync(Root + "/n", _ => Volatile.Write(ref eventSeen, 1));
            var value = "v" + round;

            var write = writer.SetDataAsync(Root + "/n", Bytes(value));
            // Read until the new value shows: by then the watch event must have run (ZooKeeper's ordering guarantee).
            while (true)
            {
                var read = await reader.GetDataAsync(Root + "/n").WaitAsync(Timeout);
                if (Text(read.Data) == value)
                {
                    Assert.True(Volatile.Read(ref eventSeen) == 1, $"Round {round}: the new data was seen before its watch event ran.");
                    break;
                }
            }
            await write;
        }
    }

    [Fact]
    public async Task ConnectionToAClosedPort_FailsFast_AndReleasesItsThread()
    {
        var before = ZooKeeperConnection.ReaderThreadsInUse;
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        await using var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = $"127.0.0.1:{port}" });
        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.WaitUntilConnectedAsync(TimeSpan.FromSeconds(1)));

        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
        await client.DisposeAsync();
        await WaitUntilAsync(() => ZooKeeperConnection.ReaderThreadsInUse == before);
    }

    /// <summary>The OS threads of this process that carry the reader threads' name (Linux).</summary>
    private static int NamedThreads()
    {
        var count = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == ZooKeeperConnection.ReaderThreadName)
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // The thread ended while we looked.
            }
        }
        return count;
    }

    /// <summary>Threads end without an event to await: look again until the condition holds, <see cref="ClientTestBase.Timeout"/> at most.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within the timeout.");
            await Task.Delay(20);
        }
    }
}
