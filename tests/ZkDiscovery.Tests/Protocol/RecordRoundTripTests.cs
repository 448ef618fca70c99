using ZkDiscovery.Connection;
using ZkDiscovery.Protocol;

namespace ZkDiscovery.Tests.Protocol;

/// <summary>
/// Every request record is written and read back field by field; every reply record is read from bytes written by
/// hand, then from every truncation of them (which must give a protocol error, never another exception or a hang).
/// </summary>
public class RecordRoundTripTests
{
    private static readonly RequestContext s_context = new("/chroot", new WatchManager());
    private static readonly Action<WatchedEvent> s_watcher = _ => { };
    private static readonly NodeStat s_stat = new(11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21);
    private static readonly ZooKeeperAcl[] s_acl = [new(Permissions.Read | Permissions.Admin, "digest", "alice:hash"), new(Permissions.All, "world", "anyone")];

    public static TheoryData<string> RequestNames => new(Requests().Keys);

    [Theory]
    [MemberData(nameof(RequestNames))]
    public void Request_WritesItsRecord(string name)
    {
        var (request, check) = Requests()[name];
        using var writer = new JuteWriter();

        request.WriteBody(writer, s_context);
        var reader = new JuteReader(writer.WrittenSpan);
        check(ref reader);

        Assert.Equal(0, reader.Remaining);
    }

    public static TheoryData<string> ReplyNames => new(Replies().Keys);

    [Theory]
    [MemberData(nameof(ReplyNames))]
    public async Task Reply_ReadsItsRecord_AndEveryTruncationIsAProtocolError(string name)
    {
        var (factory, body, check) = Replies()[name];

        var complete = factory();
        Complete(complete, body);
        check(await complete.TaskOf());

        for (var length = 0; length < body.Length; length++)
        {
            var truncated = factory();
            var error = Record.Exception(() => Complete(truncated, body.AsSpan(0, length).ToArray()));
            Assert.IsType<ZooKeeperProtocolException>(error);
            // The connection fails the request after breaking; the record reader leaves it pending.
            Assert.False(truncated.IsCompleted);
        }
    }

    [Fact]
    public void ConnectRecords_RoundTrip()
    {
        var password = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        using var writer = new JuteWriter();
        new ConnectRequest(0, 77, 4000, 0x55, password, true).Write(writer);
        var request = new JuteReader(writer.WrittenSpan);

        Assert.Equal(0, request.ReadInt());
        Assert.Equal(77, request.ReadLong());
        Assert.Equal(4000, request.ReadInt());
        Assert.Equal(0x55, request.ReadLong());
        Assert.Equal(password, request.ReadBuffer());
        Assert.True(request.ReadBool());
        Assert.Equal(0, request.Remaining);

        using var reply = new JuteWriter();
        reply.WriteInt(0);
        reply.WriteInt(4000);
        reply.WriteLong(0x55);
        reply.WriteBuffer(password);
        reply.WriteBool(true);
        var response = new JuteReader(reply.WrittenSpan);
        var parsed = ConnectResponse.Read(ref response);

        Assert.Equal((0, 4000, 0x55L, true), (parsed.ProtocolVersion, parsed.TimeoutMs, parsed.SessionId, parsed.ReadOnly));
        Assert.Equal(password, parsed.Password);
    }

    [Fact]
    public void WatcherEvent_Reads()
    {
        using var writer = new JuteWriter();
        writer.WriteInt(3);
        writer.WriteInt(3);
        writer.WriteString("/probe/w");
        var reader = new JuteReader(writer.WrittenSpan);

        Assert.Equal(new WatcherEventRecord(3, 3, "/probe/w"), WatcherEventRecord.Read(ref reader));
    }

    private static void Complete(IRequest request, byte[] body)
    {
        var reader = new JuteReader(body);
        request.Complete(new ReplyHeader(1, 2, 0), ref reader, s_context);
        request.Publish();
    }

    private delegate void Check(ref JuteReader reader);

    private static Dictionary<string, (IRequest Request, Check Check)> Requests() => new()
    {
        ["create"] = (new CreateRequest("/a", new byte[] { 1, 2 }, s_acl, CreateMode.EphemeralSequential, 0), (ref JuteReader r) =>
        {
            Assert.Equal("/chroot/a", r.ReadString());
            Assert.Equal(new byte[] { 1, 2 }, r.ReadBuffer());
            Assert.Equal(s_acl, r.ReadAcls());
            Assert.Equal(3, r.ReadInt());
        }),
        ["createTtl"] = (new CreateRequest("/a", default, s_acl, CreateMode.PersistentWithTtl, 5000), (ref JuteReader r) =>
        {
            Assert.Equal("/chroot/a", r.ReadString());
            Assert.Empty(r.ReadBuffer());
            Assert.Equal(s_acl, r.ReadAcls());
            Assert.Equal(5, r.ReadInt());
            Assert.Equal(5000, r.ReadLong());
        }),
        ["delete"] = (new DeleteRequest("/a", 4), (ref JuteReader r) =>
        {
            Assert.Equal("/chroot/a", r.ReadString());
            Assert.Equal(4, r.ReadInt());
        }),
        ["exists"] = (new ExistsRequest("/", s_watcher), (ref JuteReader r) =>
        {
            Assert.Equal("/chroot", r.ReadString());
            Assert.True(r.ReadBool());
        }),
        ["getData"] = (new GetDataRequest("/a", null), (ref JuteReader r) =>
        {
            Assert.Equal("/chroot/a", r.ReadString());
            Assert.False(r.ReadBool());
        }),
        ["setData"] = (new SetDataRequest("/a", new byte[] { 9 }, -1), (ref JuteReader r) =>
        {
            Assert.Equal("/chroot/a", r.ReadString());
            Assert.Equal(new byte[] { 9 }, r.ReadBuffer());
            Assert.Equal(-1, r.ReadInt());
        }),
        ["getChildren"] = (new GetChildrenRequest("/a", s_watcher), (ref JuteReader r) =>
        {
            Assert.Equal("/chroot/a", r.ReadString());
            Assert.True(r.ReadBool());
        }),
        ["getAcl"] = (new GetAclRequest("/a"), (ref JuteReader r) => Assert.Equal("/chroot/a", r.ReadString())),
        ["setAcl"] = (new SetAclRequest("/a", s_acl, 2), (ref JuteReader r) =>
        {
            Assert.Equal("/chroot/a", r.ReadString());
            Assert.Equal(s_acl, r.ReadAcls());
            Assert.Equal(2, r.ReadInt());
        }),
        ["sync"] = (new SyncRequest("/a"), (ref JuteReader r) => Assert.Equal("/chroot/a", r.ReadString())),
        ["getEphemerals"] = (new GetEphemeralsRequest("/"), (ref JuteReader r) => Assert.Equal("/chroot", r.ReadString())),
        ["getAllChildrenNumber"] = (new GetAllChildrenNumberRequest("/a"), (ref JuteReader r) => Assert.Equal("/chroot/a", r.ReadString())),
        ["addWatch"] = (new AddWatchRequest("/a", s_watcher, AddWatchMode.PersistentRecursive), (ref JuteReader r) =>
        {
            Assert.Equal("/chroot/a", r.ReadString());
            Assert.Equal(1, r.ReadInt());
        }),
        ["removeWatches"] = (new RemoveWatchesRequest("/a", WatcherType.Any), (ref JuteReader r) =>
        {
            Assert.Equal("/chroot/a", r.ReadString());
            Assert.Equal(3, r.ReadInt());
        }),
        ["setWatches"] = (new SetWatchesRequest(99, new WatchSnapshot(["/d"], ["/e"], ["/c"], [], [])), (ref JuteReader r) =>
        {
            Assert.Equal(99, r.ReadLong());
            Assert.Equal(["/chroot/d"], r.ReadStringVector());
            Assert.Equal(["/chroot/e"], r.ReadStringVector());
            Assert.Equal(["/chroot/c"], r.ReadStringVector());
        }),
        ["setWatches2"] = (new SetWatchesRequest(99, new WatchSnapshot([], [], [], ["/p"], ["/r"])), (ref JuteReader r) =>
        {
            Assert.Equal(99, r.ReadLong());
            Assert.Empty(r.ReadStringVector());
            Assert.Empty(r.ReadStringVector());
            Assert.Empty(r.ReadStringVector());
            Assert.Equal(["/chroot/p"], r.ReadStringVector());
            Assert.Equal(["/chroot/r"], r.ReadStringVector());
        }),
        ["multiRead"] = (new MultiGetDataRequest(["/a", "/", "/b/c"]), (ref JuteReader r) =>
        {
            foreach (var path in new[] { "/chroot/a", "/chroot", "/chroot/b/c" })
            {
                Assert.Equal(new MultiHeader(4, false, -1), MultiHeader.Read(ref r));
                Assert.Equal(path, r.ReadString());
                Assert.False(r.ReadBool()); // the server ignores the watch flag; watches are armed with setWatches
            }
            Assert.Equal(new MultiHeader(-1, true, -1), MultiHeader.Read(ref r));
        }),
        ["auth"] = (new AuthRequest(ZooKeeperAuthInfo.Digest("alice", "pw")), (ref JuteReader r) =>
        {
            Assert.Equal(0, r.ReadInt());
            Assert.Equal("digest", r.ReadString());
            Assert.Equal("alice:pw"u8.ToArray(), r.ReadBuffer());
        }),
        ["closeSession"] = (new CloseSessionRequest(), (ref JuteReader r) => { }),
        ["whoAmI"] = (new WhoAmIRequest(), (ref JuteReader r) => { }),
        ["ping"] = (new PingRequest(), (ref JuteReader r) => { }),
    };

    private static Dictionary<string, (Func<IRequest> Factory, byte[] Body, Action<object?> Check)> Replies()
    {
        var stat = JuteCodecTests.EncodeStat(s_stat);
        return new()
        {
            ["create"] = (() => new CreateRequest("/a", default, s_acl, CreateMode.Persistent, 0), Encode(w => { w.WriteString("/chroot/a"); w.WriteRaw(stat); }),
                result => Assert.Equal(new CreateResult("/a", s_stat), result)),
            ["exists"] = (() => new ExistsRequest("/a", null), stat, result => Assert.Equal(s_stat, result)),
            ["getData"] = (() => new GetDataRequest("/a", null), Encode(w => { w.WriteBuffer([7, 8]); w.WriteRaw(stat); }),
                result => Assert.Equal([7, 8], ((NodeData)result!).Data)),
            ["setData"] = (() => new SetDataRequest("/a", default, -1), stat, result => Assert.Equal(s_stat, result)),
            ["getChildren"] = (() => new GetChildrenRequest("/a", null), Encode(w => { w.WriteStringVector(["x", "y"], null); w.WriteRaw(stat); }),
                result => Assert.Equal(["x", "y"], ((ChildrenResult)result!).Children)),
            ["getAcl"] = (() => new GetAclRequest("/a"), Encode(w => { w.WriteAcls(s_acl); w.WriteRaw(stat); }),
                result => Assert.Equal(s_acl, ((AclResult)result!).Acl)),
            ["setAcl"] = (() => new SetAclRequest("/a", s_acl, -1), stat, result => Assert.Equal(s_stat, result)),
            ["getEphemerals"] = (() => new GetEphemeralsRequest("/"), Encode(w => w.WriteStringVector(["/chroot/e1", "/chroot/x/e2"], null)),
                result => Assert.Equal(["/e1", "/x/e2"], (IReadOnlyList<string>)result!)),
            ["getAllChildrenNumber"] = (() => new GetAllChildrenNumberRequest("/a"), Encode(w => w.WriteInt(42)), result => Assert.Equal(42, result)),
            ["whoAmI"] = (() => new WhoAmIRequest(), Encode(w => { w.WriteInt(1); w.WriteString("digest"); w.WriteString("alice"); }),
                result => Assert.Equal([new ClientIdentity("digest", "alice")], (IReadOnlyList<ClientIdentity>)result!)),
            ["multi"] = (() => new MultiRequest([MultiOperation.Create("/m"), MultiOperation.SetData("/a", default)]), Encode(w =>
            {
                new MultiHeader(15, false, 0).Write(w);
                w.WriteString("/chroot/m");
                w.WriteRaw(stat);
                new MultiHeader(5, false, 0).Write(w);
                w.WriteRaw(stat);
                new MultiHeader(-1, true, -1).Write(w);
            }), result => Assert.Equal(["/m", "/a"], ((IReadOnlyList<MultiOperationResult>)result!).Select(r => r.Path))),
            ["multiRead"] = (() => new MultiGetDataRequest(["/a", "/missing", "/b", "/secret"]), Encode(w =>
            {
                new MultiHeader(4, false, 0).Write(w);
                w.WriteBuffer([7, 8]);
                w.WriteRaw(stat);
                new MultiHeader(-1, false, -101).Write(w);
                w.WriteInt(-101);
                new MultiHeader(4, false, 0).Write(w);
                w.WriteNullBuffer();
                w.WriteRaw(stat);
                new MultiHeader(-1, false, -102).Write(w);
                w.WriteInt(-102);
                new MultiHeader(-1, true, -1).Write(w);
            }), result =>
            {
                var reply = (MultiGetDataReply)result!;
                Assert.Equal(["/a", "/missing", "/b", "/secret"], reply.Results.Select(r => r.Path));
                Assert.Equal([ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.NoNode, ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.NoAuth], reply.Results.Select(r => r.Error));
                Assert.Equal([7, 8], reply.Results[0].Data);
                Assert.Equal([s_stat, null, s_stat, null], reply.Results.Select(r => r.Stat));
                Assert.Empty(reply.Results[2].Data);
                Assert.Equal(2, reply.Zxid); // Complete's reply header
            }),
        };
    }

    private static byte[] Encode(Action<JuteWriter> write)
    {
        using var writer = new JuteWriter();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }
}

internal static class RequestTaskExtensions
{
    /// <summary>The request's task, as object, whatever its result type.</summary>
    public static Task<object?> TaskOf(this IRequest request) => request switch
    {
        Request<CreateResult> r => Box(r.Task),
        Request<NodeStat?> r => Box(r.Task),
        Request<NodeData> r => Box(r.Task),
        Request<ChildrenResult> r => Box(r.Task),
        Request<AclResult> r => Box(r.Task),
        Request<IReadOnlyList<string>> r => Box(r.Task),
        Request<int> r => Box(r.Task),
        Request<IReadOnlyList<ClientIdentity>> r => Box(r.Task),
        Request<IReadOnlyList<MultiOperationResult>> r => Box(r.Task),
        Request<MultiGetDataReply> r => Box(r.Task),
        _ => throw new NotSupportedException(request.GetType().Name),
    };

    private static async Task<object?> Box<T>(Task<T> task) => await task;
}
