namespace ZkDiscovery.IntegrationTests.Client;

public class OperationsTests : ClientTestBase
{
    [Fact]
    public async Task Create_Persistent_ReturnsPathAndStat_AndDataReadsBack()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);

        var created = await Client.CreateAsync(Root + "/a", Bytes("hello"));
        var read = await Client.GetDataAsync(Root + "/a");

        Assert.Equal(Root + "/a", created.Path);
        Assert.Equal(0, created.Stat.Version);
        Assert.Equal(5, created.Stat.DataLength);
        Assert.False(created.Stat.IsEphemeral);
        Assert.True(created.Stat.Created > before);
        Assert.Equal("hello", Text(read.Data));
        Assert.Equal(created.Stat, read.Stat);
    }

    [Fact]
    public async Task Create_Existing_ThrowsNodeExistsWithPath()
    {
        await Client.CreateAsync(Root + "/a");

        var error = await Assert.ThrowsAsync<NodeExistsException>(() => Client.CreateAsync(Root + "/a"));

        Assert.Equal(Root + "/a", error.Path);
        Assert.Contains(Root + "/a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_MissingParent_ThrowsNoNode()
    {
        await Assert.ThrowsAsync<NoNodeException>(() => Client.CreateAsync(Root + "/x/y"));
    }

    [Fact]
    public async Task Create_Sequential_AppendsTenDigitCounter()
    {
        var first = await Client.CreateAsync(Root + "/q-", mode: CreateMode.PersistentSequential);
        var second = await Client.CreateAsync(Root + "/q-", mode: CreateMode.PersistentSequential);
        var bare = await Client.CreateAsync(Root + "/", mode: CreateMode.PersistentSequential);

        Assert.Equal(Root + "/q-0000000000", first.Path);
        Assert.Equal(Root + "/q-0000000001", second.Path);
        Assert.Equal(Root + "/0000000002", bare.Path);
    }

    [Fact]
    public async Task Create_Ephemeral_IsOwnedByTheSession_AndCannotHaveChildren()
    {
        var created = await Client.CreateAsync(Root + "/e", mode: CreateMode.Ephemeral);

        Assert.Equal(Client.SessionId, created.Stat.EphemeralOwner);
        await Assert.ThrowsAsync<NoChildrenForEphemeralsException>(() => Client.CreateAsync(Root + "/e/child"));
        Assert.Equal([Root + "/e"], await Client.GetEphemeralsAsync(Root));
    }

    [Fact]
    public async Task Create_ContainerAndTtl_AreCreatedWithStat()
    {
        var container = await Client.CreateAsync(Root + "/c", mode: CreateMode.Container);
        var ttl = await Client.CreateAsync(Root + "/ttl", mode: CreateMode.PersistentWithTtl, ttl: TimeSpan.FromMinutes(5));

        Assert.Equal(Root + "/c", container.Path);
        Assert.Equal(Root + "/ttl", ttl.Path);
        Assert.NotNull(await Client.ExistsAsync(Root + "/ttl"));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Client.CreateAsync(Root + "/t2", mode: CreateMode.PersistentWithTtl); });
        Assert.Throws<ArgumentException>(() => { _ = Client.CreateAsync(Root + "/t3", ttl: TimeSpan.FromSeconds(1)); });
    }

    [Fact]
    public async Task SetData_WithVersion_ChecksIt()
    {
        await Client.CreateAsync(Root + "/a", Bytes("1"));

        var stat = await Client.SetDataAsync(Root + "/a", Bytes("2"), version: 0);
        var error = await Assert.ThrowsAsync<BadVersionException>(() => Client.SetDataAsync(Root + "/a", Bytes("3"), version: 0));

        Assert.Equal(1, stat.Version);
        Assert.Equal(Root + "/a", error.Path);
        Assert.Equal("2", Text((await Client.GetDataAsync(Root + "/a")).Data));
    }

    [Fact]
    public async Task Delete_WithVersionAndChildren_Checks()
    {
        await Client.CreateAsync(Root + "/a");
        await Client.CreateAsync(Root + "/a/b");

        await Assert.ThrowsAsync<NotEmptyException>(() => Client.DeleteAsync(Root + "/a"));
        await Assert.ThrowsAsync<BadVersionException>(() => Client.DeleteAsync(Root + "/a/b", version: 7));
        await Client.DeleteAsync(Root + "/a/b", version: 0);
        await Client.DeleteAsync(Root + "/a");

        Assert.Null(await Client.ExistsAsync(Root + "/a"));
        await Assert.ThrowsAsync<NoNodeException>(() => Client.DeleteAsync(Root + "/a"));
    }

    [Fact]
    public async Task GetChildren_ReturnsNamesAndParentStat()
    {
        await Client.CreateAsync(Root + "/x");
        await Client.CreateAsync(Root + "/y");

        var children = await Client.GetChildrenAsync(Root);

        Assert.Equal(["x", "y"], children.Children.Order());
        Assert.Equal(2, children.Stat.NumChildren);
        Assert.Equal(2, await Client.GetAllChildrenNumberAsync(Root));
    }

    [Fact]
    public async Task Data_NullEmptyAndLarge_RoundTrip()
    {
        var large = new byte[900_000];
        Random.Shared.NextBytes(large);

        await Client.CreateAsync(Root + "/empty");
        await Client.CreateAsync(Root + "/large", large);

        Assert.Empty((await Client.GetDataAsync(Root + "/empty")).Data);
        Assert.Equal(large, (await Client.GetDataAsync(Root + "/large")).Data);
        Assert.Throws<ArgumentException>(() => { _ = Client.SetDataAsync(Root + "/large", new byte[2_000_000]); });
    }

    [Fact]
    public async Task Acl_SetAndGet_WithVersion()
    {
        await Client.CreateAsync(Root + "/a");

        IReadOnlyList<ZooKeeperAcl> readAdmin = [new ZooKeeperAcl(Permissions.Read | Permissions.Admin, "world", "anyone")];

        var stat = await Client.SetAclAsync(Root + "/a", readAdmin, aclVersion: 0);
        var acl = await Client.GetAclAsync(Root + "/a");

        Assert.Equal(1, stat.Aversion);
        Assert.Equal(readAdmin, acl.Acl);
        await Assert.ThrowsAsync<BadVersionException>(() => Client.SetAclAsync(Root + "/a", ZooKeeperAcl.OpenUnsafe, aclVersion: 0));
        await Assert.ThrowsAsync<InvalidAclException>(() => Client.CreateAsync(Root + "/b", acl: [new ZooKeeperAcl(Permissions.All, "world", "nobody")]));
        await Assert.ThrowsAsync<NoAuthException>(() => Client.SetDataAsync(Root + "/a", Bytes("x")));
    }

    [Fact]
    public async Task EnsurePath_CreatesMissingAncestors_AndIsIdempotent()
    {
        await Client.EnsurePathAsync(Root + "/a/b/c");
        await Client.EnsurePathAsync(Root + "/a/b/c");

        Assert.NotNull(await Client.ExistsAsync(Root + "/a/b/c"));
    }

    [Fact]
    public async Task SyncAndWhoAmI_Work()
    {
        await Client.SyncAsync(Root);

        var identities = await Client.WhoAmIAsync();

        Assert.Contains(identities, i => i.Scheme == "ip" && i.User == "127.0.0.1");
    }

    [Fact]
    public async Task Pipelining_10000Requests_CompleteInOrder()
    {
        await Client.CreateAsync(Root + "/counter");
        const int Count = 10_000;
        var tasks = new Task<NodeStat>[Count];

        for (var i = 0; i < Count; i++)
        {
            tasks[i] = Client.SetDataAsync(Root + "/counter", BitConverter.GetBytes(i));
        }
        var stats = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));

        // Replies are matched in order: the i-th set is the (i+1)-th version of the node.
        for (var i = 0; i < Count; i++)
        {
            Assert.Equal(i + 1, stats[i].Version);
        }
        Assert.Equal(Count - 1, BitConverter.ToInt32((await Client.GetDataAsync(Root + "/counter")).Data));
    }

    [Fact]
    public async Task Continuation_WaitingSynchronouslyForALaterReplyOfTheSameBurst_DoesNotDeadlock()
    {
        await Client.CreateAsync(Root + "/n", Bytes("v"));
        const int Count = 200;
        var tasks = new Task<NodeData>[Count];
        for (var i = 0; i < Count; i++)
        {
            tasks[i] = Client.GetDataAsync(Root + "/n");
        }

        // Runs where the first reply is published, and blocks there until the last reply, read in the same burst, arrives.
        var sawLast = tasks[0].ContinueWith(_ => tasks[^1].Wait(Timeout), TaskContinuationOptions.ExecuteSynchronously);

        Assert.True(await sawLast.WaitAsync(Timeout * 2), "the blocked continuation never saw the later reply");
        Assert.All(await Task.WhenAll(tasks).WaitAsync(Timeout), d => Assert.Equal("v", Text(d.Data)));
    }

    [Fact]
    public async Task Continuation_ThatBlocks_DoesNotHoldUpLaterRepliesOrWatchEvents()
    {
        await Client.CreateAsync(Root + "/n", Bytes("v"));
        using var release = new ManualResetEventSlim();
        var blocked = Client.GetDataAsync(Root + "/n").ContinueWith(_ => release.Wait(Timeout * 2), TaskContinuationOptions.ExecuteSynchronously);
        var sink = new EventSink();

        // While that continuation holds its thread, the session keeps reading replies and delivering events.
        await Client.ExistsAsync(Root + "/n", sink.Watcher).WaitAsync(Timeout);
        var writer = await ConnectAsync();
        await writer.SetDataAsync(Root + "/n", Bytes("w")).WaitAsync(Timeout);
        Assert.Equal(WatchEventType.NodeDataChanged, (await sink.NextAsync()).Type);
        Assert.Equal("w", Text((await Client.GetDataAsync(Root + "/n").WaitAsync(Timeout)).Data));
        Assert.False(blocked.IsCompleted);

        release.Set();
        Assert.True(await blocked.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Multi_ThirdOperationFails_NothingChanges_AndEachResultIsReported()
    {
        await Client.CreateAsync(Root + "/existing", Bytes("old"));

        var error = await Assert.ThrowsAsync<MultiOperationException>(() => Client.MultiAsync(
        [
            MultiOperation.Create(Root + "/new1"),
            MultiOperation.SetData(Root + "/existing", Bytes("new")),
            MultiOperation.Check(Root + "/existing", version: 5),
            MultiOperation.Create(Root + "/new2"),
        ]));

        Assert.Equal(2, error.FailedIndex);
        Assert.IsType<BadVersionException>(error.InnerException);
        Assert.Equal(Root + "/existing", error.Path);
        Assert.Equal([ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.BadVersion, ZooKeeperErrorCode.RuntimeInconsistency], error.Results.Select(r => r.Error));
        Assert.Null(await Client.ExistsAsync(Root + "/new1"));
        Assert.Null(await Client.ExistsAsync(Root + "/new2"));
        Assert.Equal("old", Text((await Client.GetDataAsync(Root + "/existing")).Data));
    }

    [Fact]
    public async Task Multi_Success_ReturnsResultsPerOperation()
    {
        await Client.CreateAsync(Root + "/a");

        var results = await Client.MultiAsync(
        [
            MultiOperation.Check(Root + "/a", 0),
            MultiOperation.Create(Root + "/s-", Bytes("x"), CreateMode.PersistentSequential),
            MultiOperation.SetData(Root + "/a", Bytes("y"), 0),
            MultiOperation.Delete(Root + "/a", 1),
        ]);

        Assert.All(results, r => Assert.Equal(ZooKeeperErrorCode.Ok, r.Error));
        Assert.Equal(Root + "/s-0000000001", results[1].Path);
        Assert.Equal(1, results[2].Stat!.Version);
        Assert.Null(await Client.ExistsAsync(Root + "/a"));
    }

    [Fact]
    public async Task DigestAcl_OtherClientGetsNoAuth_AuthenticatedClientReads()
    {
        var owner = await ConnectAsync(o => o.DigestCredentials = "alice:s3cret");
        await owner.CreateAsync(Root + "/secret", Bytes("data"), acl: ZooKeeperAcl.CreatorAll);
        var stranger = await ConnectAsync();
        var friend = await ConnectAsync();
        await friend.AddAuthAsync(ZooKeeperAuthInfo.Digest("alice", "s3cret"));

        var error = await Assert.ThrowsAsync<NoAuthException>(() => stranger.GetDataAsync(Root + "/secret"));
        var acl = await owner.GetAclAsync(Root + "/secret");

        Assert.Equal(Root + "/secret", error.Path);
        Assert.Equal("data", Text((await friend.GetDataAsync(Root + "/secret")).Data));
        Assert.Equal([new ZooKeeperAcl(Permissions.All, "digest", "alice:uLxpHc/uhT86OXPoSjJTp1M8CJY=")], acl.Acl);
        Assert.Contains(await owner.WhoAmIAsync(), i => i.Scheme == "digest" && i.User == "alice");
        Assert.NotNull(await stranger.ExistsAsync(Root + "/secret"));
    }

    [Fact]
    public async Task Chroot_AppliesToRequestsCreatedPathsEventsAndMulti()
    {
        await Client.CreateAsync(Root + "/app");
        var chrooted = await ConnectAsync(connectionString: ConnectionString + Root + "/app");
        var events = new EventSink();

        var created = await chrooted.CreateAsync("/node", Bytes("v"));
        var sequential = await chrooted.CreateAsync("/s-", mode: CreateMode.EphemeralSequential);
        await chrooted.GetDataAsync("/node", events.Watcher);
        await Client.SetDataAsync(Root + "/app/node", Bytes("w"));
        var e = await events.NextAsync();
        var multi = await chrooted.MultiAsync([MultiOperation.Create("/m")]);
        var rootChildren = await chrooted.GetChildrenAsync("/");

        Assert.Equal("/node", created.Path);
        Assert.Equal("/s-0000000001", sequential.Path);
        Assert.Equal(new WatchedEvent(WatchEventType.NodeDataChanged, KeeperState.SyncConnected, "/node"), e);
        Assert.Equal("/m", multi[0].Path);
        Assert.Equal(["m", "node", "s-0000000001"], rootChildren.Children.Order());
        Assert.Equal(["/s-0000000001"], await chrooted.GetEphemeralsAsync());
    }

    [Fact]
    public async Task Dispose_ClosesSession_EphemeralsVanishAtOnce()
    {
        var owner = await ConnectAsync(o => o.SessionTimeout = TimeSpan.FromSeconds(30));
        await owner.CreateAsync(Root + "/e", mode: CreateMode.Ephemeral);
        var events = new EventSink();
        Assert.NotNull(await Client.ExistsAsync(Root + "/e", events.Watcher));

        await owner.DisposeAsync();

        // With a 30 s session, only closeSession can delete the node within the test's timeout.
        Assert.Equal(WatchEventType.NodeDeleted, (await events.NextAsync()).Type);
        Assert.Equal(ConnectionState.Closed, owner.State);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => owner.GetDataAsync(Root));
    }

    [Fact]
    public async Task Cancellation_AbandonsTheWait()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client.GetDataAsync(Root, null, cts.Token));
        Assert.NotNull(await Client.ExistsAsync(Root));
    }
}
