using System.Text;
using Microsoft.Extensions.Logging;
using ZkDiscovery.Hosting.Discovery;
using ZkDiscovery.TestSupport;
using ZkDiscovery.Testing;

namespace ZkDiscovery.Hosting.Tests;

/// <summary>
/// How the endpoint list follows the providers' data (not only the list of children): data changes, property links,
/// unreadable and unusable providers, a session expiry and a reconnect. Each test runs twice: with multiRead batches
/// whose watches are armed by setWatches (ZooKeeper 3.6+), and with a getData and data watch per provider (older servers).
/// </summary>
public sealed class EndpointWatcherTests
{
    private const string Service = "svc";

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    private sealed class Fixture : IAsyncDisposable
    {
        private Fixture(string root, ZooKeeperClient writer, ZooKeeperClient reader, ServiceEndpointWatcher watcher, CapturingLoggerProvider logs, ILoggerFactory loggerFactory)
        {
            Root = root;
            Writer = writer;
            Reader = reader;
            Watcher = watcher;
            Logs = logs;
            LoggerFactory = loggerFactory;
        }

        public string Root { get; }

        public string ServicePath => Root + "/providers";

        public ZooKeeperClient Writer { get; }

        public ZooKeeperClient Reader { get; }

        public ServiceEndpointWatcher Watcher { get; }

        public CapturingLoggerProvider Logs { get; }

        private ILoggerFactory LoggerFactory { get; }

        /// <summary>Creates the tree with <paramref name="arrange"/>, then starts a watcher on its own session (through <paramref name="readerConnectionString"/> when given).</summary>
        public static async Task<Fixture> StartAsync(string connectionString, bool perProviderReads, Func<ZooKeeperClient, string, Task> arrange, string? readerConnectionString = null, TimeSpan? readerSessionTimeout = null)
        {
            var root = $"/watcher-{Guid.NewGuid():N}";
            var writer = await ZooKeeperClient.ConnectAsync(connectionString);
            await writer.EnsurePathAsync(root + "/providers");
            await arrange(writer, root);
            var readerOptions = new ZooKeeperClientOptions { ConnectionString = readerConnectionString ?? connectionString };
            if (readerSessionTimeout is { } timeout)
            {
                readerOptions.SessionTimeout = timeout;
            }
            var reader = await ZooKeeperClient.ConnectAsync(readerOptions);
            var logs = new CapturingLoggerProvider();
            var loggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
            var watcher = new ServiceEndpointWatcher(reader, Service, root + "/providers", loggerFactory, TimeProvider.System) { PerProviderReads = perProviderReads };
            watcher.Start();
            return new Fixture(root, writer, reader, watcher, logs, loggerFactory);
        }

        /// <summary>Waits (on change tokens) for a snapshot that satisfies <paramref name="predicate"/>.</summary>
        public async Task<ServiceEndpointSnapshot> WaitAsync(Func<ServiceEndpointSnapshot, bool> predicate)
        {
            using var cts = new CancellationTokenSource(ZooKeeperWaits.Timeout);
            try
            {
                await Watcher.Loaded.WaitAsync(cts.Token);
                return await ZooKeeperWaits.WaitForSnapshotAsync(() => Watcher.Snapshot, predicate, cts.Token);
            }
            catch (OperationCanceledException ex)
            {
                var last = Watcher.Snapshot;
                throw new TimeoutException(
                    $"The endpoint list never matched. Last: [{string.Join(", ", Uris(last))}] stale={last.IsStale}. Log:\n{string.Join('\n', Logs.Lines)}", ex);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Watcher.DisposeAsync();
            await Reader.DisposeAsync();
            await Writer.DisposeAsync();
            LoggerFactory.Dispose();
        }
    }

    private static string[] Uris(ServiceEndpointSnapshot snapshot) => [.. snapshot.Endpoints.Select(e => e.Uri.ToString()).Order(StringComparer.Ordinal)];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ProviderDataChange_UpdatesItsEndpoint_AndLeavesTheOthersAsTheyWere(bool perProviderReads)
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        await using var f = await Fixture.StartAsync(cs, perProviderReads, async (w, root) =>
        {
            await w.CreateAsync(root + "/providers/10.1.1.1:80", Json("{}"));
            await w.CreateAsync(root + "/providers/10.1.1.2:80", Json("{\"version\":\"1\"}"));
        });
        var before = await f.WaitAsync(s => s.Endpoints.Length == 2);
        Assert.Equal(["http://10.1.1.1/", "http://10.1.1.2/"], Uris(before));

        await f.Writer.SetDataAsync(f.ServicePath + "/10.1.1.1:80", Json("{\"uri\":\"https://api.example:8443/v1/\"}"));
        var after = await f.WaitAsync(s => s.Endpoints.Any(e => e.Uri.Scheme == "https"));

        Assert.Equal(["http://10.1.1.2/", "https://api.example:8443/v1/"], Uris(after));
        var untouched = Assert.Single(after.Endpoints, e => e.Name == "10.1.1.2:80");
        Assert.Same(before.Endpoints.Single(e => e.Name == "10.1.1.2:80"), untouched); // Not rebuilt: its data did not change.
        Assert.Equal("1", untouched.Properties["version"]!.GetValue<string>());

        // And again: the data watch was re-armed by the read that followed the first change.
        await f.Writer.SetDataAsync(f.ServicePath + "/10.1.1.1:80", Json("{\"scheme\":\"https\"}"));
        var third = await f.WaitAsync(s => s.Endpoints.Any(e => e.Uri.ToString() == "https://10.1.1.1:80/"));
        Assert.Equal(["http://10.1.1.2/", "https://10.1.1.1:80/"], Uris(third));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PropertyLinks_AreFollowed_TheirTargetsWatched_AndDroppedWhenTheLinkGoes(bool perProviderReads)
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        await using var f = await Fixture.StartAsync(cs, perProviderReads, async (w, root) =>
        {
            await w.CreateAsync(root + "/common", Json("{\"scheme\":\"https\"}"));
            await w.CreateAsync(root + "/providers/10.1.1.3:8443", Json($"{{\"scheme =>\":\"{root}/common scheme\",\"zone\":\"a\"}}"));
            await w.CreateAsync(root + "/providers/10.1.1.4:80", Json("{}"));
        });
        var linked = await f.WaitAsync(s => s.Endpoints.Length == 2);
        Assert.Equal(["http://10.1.1.4/", "https://10.1.1.3:8443/"], Uris(linked));
        var endpoint = linked.Endpoints.Single(e => e.Name == "10.1.1.3:8443");
        Assert.Equal(["scheme", "zone"], endpoint.Properties.Keys.Order(StringComparer.Ordinal)); // The link is read through.

        // The target changes: the provider's endpoint follows.
        await f.Writer.SetDataAsync(f.Root + "/common", Json("{\"scheme\":\"http\"}"));
        var followed = await f.WaitAsync(s => s.Endpoints.Any(e => e.Uri.ToString() == "http://10.1.1.3:8443/"));
        Assert.Equal(["http://10.1.1.3:8443/", "http://10.1.1.4/"], Uris(followed));

        // The provider drops its link: plain data from then on, and the old target no longer matters.
        await f.Writer.SetDataAsync(f.ServicePath + "/10.1.1.3:8443", Json("{\"scheme\":\"https\"}"));
        var plain = await f.WaitAsync(s => s.Endpoints.Any(e => e.Uri.ToString() == "https://10.1.1.3:8443/"));
        await f.Writer.SetDataAsync(f.Root + "/common", Json("{\"scheme\":\"ftp\"}"));
        await f.Writer.SetDataAsync(f.ServicePath + "/10.1.1.4:80", Json("{\"zone\":\"b\"}")); // A later change, to wait on.
        var later = await f.WaitAsync(s => s.Endpoints.Any(e => e.Properties.ContainsKey("zone") && e.Name == "10.1.1.4:80"));
        Assert.Equal(["http://10.1.1.4/", "https://10.1.1.3:8443/"], Uris(later));
        Assert.Same(plain.Endpoints.Single(e => e.Name == "10.1.1.3:8443"), later.Endpoints.Single(e => e.Name == "10.1.1.3:8443"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnreadableAndUnusableProviders_AreLeftOut_OnceLogged_AndTheRestServed(bool perProviderReads)
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        await using var f = await Fixture.StartAsync(cs, perProviderReads, async (w, root) =>
        {
            await w.AddAuthAsync(ZooKeeperAuthInfo.Digest("owner", "owner-secret"));
            await w.CreateAsync(root + "/providers/10.1.1.5:80", Json("{}"), CreateMode.Persistent, ZooKeeperAcl.CreatorAll); // NoAuth for the reader.
            await w.CreateAsync(root + "/providers/junk", Json("{}")); // Neither a uri nor HOST:PORT.
            await w.CreateAsync(root + "/providers/10.1.1.6:80", Json("not json")); // Read as string_value, still usable.
        });
        var snapshot = await f.WaitAsync(s => s.IsLoaded && s.Endpoints.Length == 1);
        Assert.Equal(["http://10.1.1.6/"], Uris(snapshot));
        Assert.Equal("not json", snapshot.Endpoints[0].Properties["string_value"]!.GetValue<string>());

        // The unusable one is watched all the same: made usable, it joins.
        await f.Writer.SetDataAsync(f.ServicePath + "/junk", Json("{\"uri\":\"http://junk.example:81/\"}"));
        var fixedUp = await f.WaitAsync(s => s.Endpoints.Length == 2);
        Assert.Equal(["http://10.1.1.6/", "http://junk.example:81/"], Uris(fixedUp));

        var lines = f.Logs.Lines;
        Assert.Single(lines, l => l.Contains("Leaving " + f.ServicePath + "/10.1.1.5:80 out", StringComparison.Ordinal) && l.Contains("Not authorized", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("Ignoring junk under", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains(f.ServicePath + "/10.1.1.6:80", StringComparison.Ordinal) && l.Contains("string_value", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AfterSessionExpiry_ProvidersAreReadAgain_AndTheirChangesStillSeen(bool perProviderReads)
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        await using var f = await Fixture.StartAsync(cs, perProviderReads, async (w, root) =>
        {
            await w.CreateAsync(root + "/providers/10.1.1.7:80", Json("{\"zone\":\"a\"}"));
            await w.CreateAsync(root + "/providers/10.1.1.8:80", Json("{\"zone\":\"a\"}"));
        });
        await f.WaitAsync(s => s.Endpoints.Length == 2);

        var newSession = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Reader.StateChanged += (_, e) =>
        {
            if (e.State == ConnectionState.Connected && e.IsNewSession)
            {
                newSession.TrySetResult();
            }
        };
        var credentials = f.Reader.SessionCredentials!;
        Assert.True(await ZooKeeperSessionKiller.ExpireAsync(cs, credentials.SessionId, credentials.Password));
        await newSession.Task.WaitAsync(ZooKeeperWaits.Timeout);

        // The old session's data watches are gone; a change now is seen only if the provider was read (and watched) again.
        await f.Writer.SetDataAsync(f.ServicePath + "/10.1.1.8:80", Json("{\"zone\":\"b\"}"));
        var after = await f.WaitAsync(s => s.Endpoints.Any(e => e.Name == "10.1.1.8:80" && e.Properties["zone"]!.GetValue<string>() == "b"));
        Assert.False(after.IsStale);
        Assert.Equal(["http://10.1.1.7/", "http://10.1.1.8/"], Uris(after));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChangesMadeWhileDisconnected_AreSeenAfterReconnectingOnTheSameSession(bool perProviderReads)
    {
        await using var server = await FreshZooKeeper.StartAsync();
        await using var proxy = PartitionProxy.Start([server.Port]);
        await using var f = await Fixture.StartAsync(server.ConnectionString, perProviderReads, async (w, root) =>
        {
            await w.CreateAsync(root + "/providers/10.1.1.9:80", Json("{\"zone\":\"a\"}"));
        }, proxy.ConnectionString, TimeSpan.FromSeconds(10));
        await f.WaitAsync(s => s.Endpoints.Length == 1);
        var session = f.Reader.SessionId;

        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnected = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Reader.StateChanged += (_, e) =>
        {
            if (e.State == ConnectionState.Suspended)
            {
                disconnected.TrySetResult();
            }
            else if (e.State == ConnectionState.Connected && disconnected.Task.IsCompleted)
            {
                reconnected.TrySetResult(e.IsNewSession);
            }
        };
        proxy.Partition();
        await disconnected.Task.WaitAsync(ZooKeeperWaits.Timeout);
        var stale = await f.WaitAsync(s => s.IsStale);
        Assert.Equal(["http://10.1.1.9/"], Uris(stale)); // The last list is kept while disconnected.

        await f.Writer.SetDataAsync(f.ServicePath + "/10.1.1.9:80", Json("{\"zone\":\"b\"}"));
        proxy.Heal();
        Assert.False(await reconnected.Task.WaitAsync(ZooKeeperWaits.Timeout)); // Same session: only watches tell.

        var after = await f.WaitAsync(s => !s.IsStale && s.Endpoints[0].Properties["zone"]!.GetValue<string>() == "b");
        Assert.Equal(session, f.Reader.SessionId);
        Assert.Equal(["http://10.1.1.9/"], Uris(after));
    }

    [Fact]
    public async Task ProvidersTooLargeToReadInOneFrame_AreReadOneByOne()
    {
        // 100 providers of 12 KB each: one multiRead reply would be 1.2 MB, over the client's 1 MiB frame limit, and
        // every such read drops the connection. The watcher gives batches up and reads each provider on its own.
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var padding = new string('p', 12 * 1024);
        await using var f = await Fixture.StartAsync(cs, perProviderReads: false, async (w, root) =>
        {
            var creates = Enumerable.Range(1, 100).Select(i => w.CreateAsync($"{root}/providers/10.2.0.{i}:80", Json($"{{\"padding\":\"{padding}\"}}")));
            await Task.WhenAll(creates);
        });

        var snapshot = await f.WaitAsync(s => s.Endpoints.Length == 100);

        Assert.False(snapshot.IsStale);
        Assert.All(snapshot.Endpoints, e => Assert.Equal(padding.Length, e.Properties["padding"]!.GetValue<string>().Length));
        Assert.True(f.Watcher.PerProviderReads);
        Assert.Single(f.Logs.Lines, l => l.Contains("reading each provider with its own request from now on", StringComparison.Ordinal));
    }

    /// <summary>The server's providers under <paramref name="servicePath"/>, name → data, as a reader sees them now.</summary>
    private static async Task<SortedDictionary<string, string>> ServerViewAsync(ZooKeeperClient client, string servicePath)
    {
        var view = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in (await client.GetChildrenAsync(servicePath)).Children)
        {
            view[name] = Encoding.UTF8.GetString((await client.GetDataAsync($"{servicePath}/{name}")).Data);
        }
        return view;
    }

    private static bool SameAs(ServiceEndpointSnapshot snapshot, SortedDictionary<string, string> server) =>
        snapshot.Endpoints.Length == server.Count
        && snapshot.Endpoints.All(e => server.TryGetValue(e.Name, out var data) && e.Properties["zone"]?.GetValue<string>() == System.Text.Json.Nodes.JsonNode.Parse(data)!["zone"]!.GetValue<string>());

    [Fact]
    public async Task TreeMode_ChurnReadsOnlyTheChangedProviders_NeverTheChildList_AndTheViewEqualsTheServer()
    {
        await using var server = await FreshZooKeeper.StartAsync();
        await using var proxy = PartitionProxy.Start([server.Port]);
        const int Providers = 300;
        await using var f = await Fixture.StartAsync(server.ConnectionString, perProviderReads: false, async (w, root) =>
            await Task.WhenAll(Enumerable.Range(0, Providers).Select(i => w.CreateAsync($"{root}/providers/10.3.{i / 250}.{i % 250}:80", Json("{\"zone\":\"a\"}")))),
            proxy.ConnectionString);
        await f.WaitAsync(s => s.Endpoints.Length == Providers);
        Assert.Contains(f.Logs.Lines, l => l.Contains("one persistent recursive watch", StringComparison.Ordinal));

        // Every request the watcher's session sends from now on, seen on its way to the server (never cut).
        var listings = 0;
        var reads = 0;
        proxy.CutOn(r =>
        {
            if (r.OpCode is ProxiedRequest.GetChildren or ProxiedRequest.GetChildren2)
            {
                Interlocked.Increment(ref listings);
            }
            else if (r.OpCode is ProxiedRequest.GetData or 22 /* multiRead */)
            {
                Interlocked.Increment(ref reads);
            }
            return false;
        }, RequestCut.DropRequest);

        // A rolling restart of 40 instances: each one deleted and a new one created; plus 10 data changes.
        const int Changes = 40;
        for (var i = 0; i < Changes; i++)
        {
            await f.Writer.DeleteAsync($"{f.ServicePath}/10.3.0.{i}:80");
            await f.Writer.CreateAsync($"{f.ServicePath}/10.4.0.{i}:80", Json("{\"zone\":\"b\"}"));
        }
        for (var i = 100; i < 110; i++)
        {
            await f.Writer.SetDataAsync($"{f.ServicePath}/10.3.0.{i}:80", Json("{\"zone\":\"c\"}"));
        }
        var expected = await ServerViewAsync(f.Writer, f.ServicePath);
        await f.WaitAsync(s => SameAs(s, expected));

        Assert.Equal(0, Volatile.Read(ref listings)); // A children watcher would list all 300 on every creation and deletion.
        Assert.InRange(Volatile.Read(ref reads), 1, Changes + 10); // At most one read per created or changed provider.
    }

    [Fact]
    public async Task TreeMode_ProviderDeletedAndRecreatedBetweenTwoEvents_EndsWithItsNewData()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        await using var f = await Fixture.StartAsync(cs, perProviderReads: false, async (w, root) =>
        {
            await w.CreateAsync(root + "/providers/10.5.0.1:80", Json("{\"zone\":\"a\"}"));
            await w.CreateAsync(root + "/providers/10.5.0.2:80", Json("{\"zone\":\"a\"}"));
        });
        var before = await f.WaitAsync(s => s.Endpoints.Length == 2);

        // In one transaction: the watcher gets NodeDeleted and NodeCreated back to back, and reads after both.
        await f.Writer.MultiAsync([MultiOperation.Delete(f.ServicePath + "/10.5.0.1:80"), MultiOperation.Create(f.ServicePath + "/10.5.0.1:80", Json("{\"zone\":\"b\"}"))]);
        var after = await f.WaitAsync(s => s.Endpoints.Any(e => e.Name == "10.5.0.1:80" && e.Properties["zone"]!.GetValue<string>() == "b"));
        Assert.Equal(2, after.Endpoints.Length);
        Assert.Same(before.Endpoints.Single(e => e.Name == "10.5.0.2:80"), after.Endpoints.Single(e => e.Name == "10.5.0.2:80")); // Untouched.

        // And as separate requests in quick succession, the last one a data change.
        var deleted = f.Writer.DeleteAsync(f.ServicePath + "/10.5.0.2:80");
        var created = f.Writer.CreateAsync(f.ServicePath + "/10.5.0.2:80", Json("{\"zone\":\"c\"}"));
        var changed = f.Writer.SetDataAsync(f.ServicePath + "/10.5.0.2:80", Json("{\"zone\":\"d\"}"));
        await Task.WhenAll(deleted, created, changed);
        var expected = await ServerViewAsync(f.Writer, f.ServicePath);
        await f.WaitAsync(s => SameAs(s, expected));
    }

    [Fact]
    public async Task TreeMode_ServicePathCreatedLater_AndDeleted_IsFollowed()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var root = $"/watcher-{Guid.NewGuid():N}";
        await using var writer = await ZooKeeperClient.ConnectAsync(cs);
        await using var reader = await ZooKeeperClient.ConnectAsync(cs);
        await using var watcher = new ServiceEndpointWatcher(reader, Service, root + "/providers", Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TimeProvider.System);
        watcher.Start();
        using var cts = new CancellationTokenSource(ZooKeeperWaits.Timeout);
        await watcher.Loaded.WaitAsync(cts.Token);
        Assert.False(watcher.Snapshot.PathExists);

        await writer.EnsurePathAsync(root + "/providers");
        await writer.CreateAsync(root + "/providers/10.6.0.1:80", Json("{\"zone\":\"a\"}"));
        var found = await ZooKeeperWaits.WaitForSnapshotAsync(() => watcher.Snapshot, s => s.Endpoints.Length == 1, cts.Token);
        Assert.True(found.PathExists);

        await writer.DeleteAsync(root + "/providers/10.6.0.1:80");
        await writer.DeleteAsync(root + "/providers");
        var gone = await ZooKeeperWaits.WaitForSnapshotAsync(() => watcher.Snapshot, s => !s.PathExists, cts.Token);
        Assert.Empty(gone.Endpoints);
        await writer.DeleteAsync(root);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LargeService_IsTakenInOffTheConnectionsReaderThread_AndItsChangesFollowed(bool perProviderReads)
    {
        // Thousands of providers take tens of milliseconds to take in: done on the connection's reader thread (where the
        // replies resume their awaiters), that would hold up every other reply of the session and make the connection
        // give up reading on a thread of its own.
        const int Providers = 3_000;
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var root = $"/watcher-{Guid.NewGuid():N}";
        await using var writer = await ZooKeeperClient.ConnectAsync(cs);
        await writer.EnsurePathAsync(root + "/providers");
        for (var start = 0; start < Providers; start += 500)
        {
            await writer.MultiAsync(Enumerable.Range(start, 500).Select(i =>
                MultiOperation.Create($"{root}/providers/10.7.{i / 250}.{i % 250}:80", Json("{\"pid\":1}"))));
        }
        await using var reader = await ZooKeeperClient.ConnectAsync(cs);
        await using var watcher = new ServiceEndpointWatcher(reader, Service, root + "/providers", Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TimeProvider.System) { PerProviderReads = perProviderReads };
        // The name of the thread the first snapshot with every provider was published on.
        var loadedOn = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Follow(ServiceEndpointSnapshot snapshot) => snapshot.ChangeToken.RegisterChangeCallback(_ =>
        {
            // Change tokens fire on the thread that published the next snapshot.
            var next = watcher.Snapshot;
            if (next.Count == Providers)
            {
                loadedOn.TrySetResult(Thread.CurrentThread.Name);
            }
            Follow(next);
        }, null);
        Follow(watcher.Snapshot);
        watcher.Start();
        using var cts = new CancellationTokenSource(ZooKeeperWaits.Timeout);

        Assert.NotEqual("ZooKeeperReader", await loadedOn.Task.WaitAsync(cts.Token));

        // And a change of one provider after it (deleted and another created) is followed.
        await writer.DeleteAsync(root + "/providers/10.7.0.0:80");
        await writer.CreateAsync(root + "/providers/10.8.0.1:80", Json("{\"pid\":2}"));
        var after = await ZooKeeperWaits.WaitForSnapshotAsync(
            () => watcher.Snapshot,
            s => s.Endpoints.Length == Providers && s.Endpoints.Any(e => e.Name == "10.8.0.1:80"),
            cts.Token);
        Assert.DoesNotContain(after.Endpoints, e => e.Name == "10.7.0.0:80");
    }
}
