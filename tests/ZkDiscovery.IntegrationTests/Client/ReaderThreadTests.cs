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
        var cap = ZooKeeperConnection.MaxReaderThreads;
        ZooKeeperConnection.MaxReaderThreads = ZooKeeperConnection.ReaderThreadsInUse + 2;
        try
        {
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
        finally
        {
            ZooKeeperConnection.MaxReaderThreads = cap;
        }
    }

    [Fact]
    public async Task ContinuationWaitingSynchronouslyForAnotherReply_DoesNotDeadlock_AndTheSessionGoesOn()
    {
        await Client.CreateAsync(Root + "/a", Bytes("x"));

        // Sync-over-async in a continuation: it runs where the first reply is published and blocks there until the
        // second reply arrives, which somebody else must read.
        var nested = Client.GetDataAsync(Root + "/a").ContinueWith(
            _ => Text(Client.GetDataAsync(Root + "/a").GetAwaiter().GetResult().Data),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        Assert.Equal("x", await nested.WaitAsync(Timeout));
        await Client.SetDataAsync(Root + "/a", Bytes("y")).WaitAsync(Timeout);
        Assert.Equal("y", Text((await Client.GetDataAsync(Root + "/a").WaitAsync(Timeout)).Data));
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
