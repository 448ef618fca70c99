using System.Buffers.Binary;
using ZkDiscovery.Connection;
using ZkDiscovery.Protocol;

namespace ZkDiscovery.Tests.Protocol;

public class JuteCodecTests
{
    private static readonly RequestContext s_noChroot = new(null, new WatchManager());

    [Fact]
    public void PingFrame_MatchesTheWireBytes()
    {
        using var writer = new JuteWriter();
        writer.BeginFrame();
        writer.WriteInt(Xids.Ping);
        writer.WriteInt((int)OpCode.Ping);
        writer.EndFrame();

        Assert.Equal(Convert.FromHexString("00000008FFFFFFFE0000000B"), writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void ConnectRequest_Is45BytesWithReadOnlyFlagLast()
    {
        using var writer = new JuteWriter();
        writer.BeginFrame();
        new ConnectRequest(0, 0x0102030405060708, 30000, 0, new byte[16], ReadOnly: true).Write(writer);
        var length = writer.EndFrame();

        var bytes = writer.WrittenSpan.ToArray();
        Assert.Equal(45, length);
        Assert.Equal(49, bytes.Length);
        Assert.Equal(45, BinaryPrimitives.ReadInt32BigEndian(bytes));
        Assert.Equal(0x0102030405060708, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(8)));
        Assert.Equal(30000, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(16, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(28)));
        Assert.Equal(1, bytes[^1]);
    }

    [Fact]
    public void ConnectResponse_WithoutReadOnlyByte_ReadsAsReadWrite()
    {
        // 36-byte payload: what a server answers to a client that omitted the flag.
        using var writer = new JuteWriter();
        writer.WriteInt(0);
        writer.WriteInt(4000);
        writer.WriteLong(0x1234);
        writer.WriteBuffer(new byte[16]);
        var reader = new JuteReader(writer.WrittenSpan);

        var response = ConnectResponse.Read(ref reader);

        Assert.Equal(36, writer.Length);
        Assert.Equal(4000, response.TimeoutMs);
        Assert.Equal(0x1234, response.SessionId);
        Assert.False(response.ReadOnly);
    }

    [Fact]
    public void Stat_RoundTripsThrough68Bytes()
    {
        var expected = new NodeStat(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        var bytes = EncodeStat(expected);
        var reader = new JuteReader(bytes);

        Assert.Equal(68, bytes.Length);
        Assert.Equal(expected, reader.ReadStat());
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void Primitives_RoundTrip()
    {
        using var writer = new JuteWriter(8);
        writer.WriteInt(int.MinValue);
        writer.WriteLong(long.MaxValue);
        writer.WriteBool(true);
        writer.WriteBool(false);
        writer.WriteString("héllo/wörld");
        writer.WriteString(null);
        writer.WriteString(string.Empty);
        writer.WriteBuffer(new byte[] { 1, 2, 3 });
        writer.WriteNullBuffer();
        writer.WriteStringVector(["a", "bb"], null);
        writer.WriteAcls(ZooKeeperAcl.OpenUnsafe);
        var reader = new JuteReader(writer.WrittenSpan);

        Assert.Equal(int.MinValue, reader.ReadInt());
        Assert.Equal(long.MaxValue, reader.ReadLong());
        Assert.True(reader.ReadBool());
        Assert.False(reader.ReadBool());
        Assert.Equal("héllo/wörld", reader.ReadString());
        Assert.Null(reader.ReadString());
        Assert.Equal(string.Empty, reader.ReadString());
        Assert.Equal(new byte[] { 1, 2, 3 }, reader.ReadBuffer());
        Assert.Empty(reader.ReadBuffer());
        Assert.Equal(["a", "bb"], reader.ReadStringVector());
        Assert.Equal(ZooKeeperAcl.OpenUnsafe, reader.ReadAcls());
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void WritePath_WithChroot_PrefixesAndMapsRootToChroot()
    {
        using var writer = new JuteWriter();
        writer.WritePath("/app", "/a/b");
        writer.WritePath("/app", "/");
        var reader = new JuteReader(writer.WrittenSpan);

        Assert.Equal("/app/a/b", reader.ReadString());
        Assert.Equal("/app", reader.ReadString());
    }

    [Fact]
    public void Writer_GrowsPastItsInitialBuffer()
    {
        using var writer = new JuteWriter(16);
        var big = new byte[100_000];
        Random.Shared.NextBytes(big);
        writer.WriteBuffer(big);
        var reader = new JuteReader(writer.WrittenSpan);

        Assert.Equal(big, reader.ReadBuffer());
    }

    [Theory]
    [InlineData("")]
    [InlineData("000000")]
    [InlineData("00000001")]
    public void ReadLong_Truncated_ThrowsProtocolError(string hex)
    {
        var bytes = Convert.FromHexString(hex);

        var error = Assert.Throws<ZooKeeperProtocolException>(() =>
        {
            var reader = new JuteReader(bytes);
            reader.ReadLong();
        });
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadString_LengthBeyondFrame_ThrowsProtocolError()
    {
        var bytes = Convert.FromHexString("0000000A414243");

        var error = Assert.Throws<ZooKeeperProtocolException>(() =>
        {
            var reader = new JuteReader(bytes);
            reader.ReadString();
        });
        Assert.Contains("exceeds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadBuffer_NegativeLength_ThrowsProtocolError()
    {
        var bytes = Convert.FromHexString("FFFFFFF0");

        Assert.Throws<ZooKeeperProtocolException>(() =>
        {
            var reader = new JuteReader(bytes);
            reader.ReadBuffer();
        });
    }

    [Fact]
    public void ReadStringVector_HugeCount_ThrowsWithoutAllocating()
    {
        var bytes = Convert.FromHexString("7FFFFFFF00000000");

        var error = Assert.Throws<ZooKeeperProtocolException>(() =>
        {
            var reader = new JuteReader(bytes);
            reader.ReadStringVector();
        });
        Assert.Contains("cannot fit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadStringVector_NullVector_IsEmpty()
    {
        var reader = new JuteReader(Convert.FromHexString("FFFFFFFF"));

        Assert.Empty(reader.ReadStringVector());
    }

    [Fact]
    public async Task GetDataReply_RegistersWatchOnlyAfterSuccess()
    {
        var watches = new WatchManager();
        var context = new RequestContext(null, watches);
        var request = new GetDataRequest("/a", _ => { });
        var header = new ReplyHeader(1, 5, (int)ZooKeeperErrorCode.NoNode);
        var reader = new JuteReader(ReadOnlySpan<byte>.Empty);

        request.Complete(header, ref reader, context);
        request.Publish();

        var noNode = await Assert.ThrowsAsync<NoNodeException>(() => request.Task);
        Assert.Equal("/a", noNode.Path);
        Assert.Equal(0, watches.Count);
    }

    [Fact]
    public async Task ExistsReply_NoNode_ReturnsNullAndArmsExistWatch()
    {
        var watches = new WatchManager();
        var context = new RequestContext(null, watches);
        var request = new ExistsRequest("/a", _ => { });
        var reader = new JuteReader(ReadOnlySpan<byte>.Empty);

        request.Complete(new ReplyHeader(1, 5, (int)ZooKeeperErrorCode.NoNode), ref reader, context);
        request.Publish();

        Assert.Null(await request.Task);
        Assert.True(watches.Contains("/a", null, WatcherType.Data));
    }

    [Fact]
    public async Task CreateReply_StripsChroot()
    {
        var context = new RequestContext("/app", new WatchManager());
        var request = new CreateRequest("/q-", default, ZooKeeperAcl.OpenUnsafe, CreateMode.PersistentSequential, 0);
        using var writer = new JuteWriter();
        writer.WriteString("/app/q-0000000007");
        writer.WriteRaw(EncodeStat(new NodeStat(1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1)));
        var reader = new JuteReader(writer.WrittenSpan);

        request.Complete(new ReplyHeader(1, 5, 0), ref reader, context);
        request.Publish();

        Assert.Equal("/q-0000000007", (await request.Task).Path);
    }

    [Fact]
    public void CreateReply_TruncatedStat_ThrowsProtocolError_LeavingTheRequestToTheConnection()
    {
        var context = new RequestContext(null, new WatchManager());
        var request = new CreateRequest("/a", default, ZooKeeperAcl.OpenUnsafe, CreateMode.Persistent, 0);
        using var writer = new JuteWriter();
        writer.WriteString("/a");
        writer.WriteInt(1);

        Assert.Throws<ZooKeeperProtocolException>(() =>
        {
            var reader = new JuteReader(writer.WrittenSpan);
            request.Complete(new ReplyHeader(1, 5, 0), ref reader, context);
        });
        Assert.False(request.IsCompleted);
    }

    [Fact]
    public void MultiReply_Failure_ReportsEveryResultAndTheFailingOperation()
    {
        var ops = new[]
        {
            MultiOperation.Create("/m1"),
            MultiOperation.Create("/m2"),
            MultiOperation.Delete("/missing"),
            MultiOperation.SetData("/m1", new byte[] { 1 }),
        };
        var request = new MultiRequest(ops);
        using var writer = new JuteWriter();
        foreach (var err in new[] { 0, 0, -101, -2 })
        {
            new MultiHeader(-1, false, err).Write(writer);
            writer.WriteInt(err);
        }
        new MultiHeader(-1, true, -1).Write(writer);
        var reader = new JuteReader(writer.WrittenSpan);

        request.Complete(new ReplyHeader(1, 5, 0), ref reader, s_noChroot);
        request.Publish();

        var error = Assert.IsType<MultiOperationException>(request.Task.Exception!.InnerException);
        Assert.Equal(2, error.FailedIndex);
        Assert.Equal(ZooKeeperErrorCode.NoNode, error.Code);
        Assert.Equal("/missing", error.Path);
        Assert.IsType<NoNodeException>(error.InnerException);
        Assert.Equal([ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.NoNode, ZooKeeperErrorCode.RuntimeInconsistency],
            error.Results.Select(r => r.Error));
    }

    [Fact]
    public void MultiRequest_EncodesHeadersAndTerminator()
    {
        var request = new MultiRequest([MultiOperation.Check("/a", 3), MultiOperation.Delete("/b", 1)]);
        using var writer = new JuteWriter();

        request.WriteBody(writer, s_noChroot);

        var reader = new JuteReader(writer.WrittenSpan);
        Assert.Equal(new MultiHeader(13, false, -1), MultiHeader.Read(ref reader));
        Assert.Equal("/a", reader.ReadString());
        Assert.Equal(3, reader.ReadInt());
        Assert.Equal(new MultiHeader(2, false, -1), MultiHeader.Read(ref reader));
        Assert.Equal("/b", reader.ReadString());
        Assert.Equal(1, reader.ReadInt());
        Assert.Equal(new MultiHeader(-1, true, -1), MultiHeader.Read(ref reader));
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void SetWatchesSplit_KeepsKindsInOrderAndBatchesBySize()
    {
        var data = Enumerable.Range(0, 3000).Select(i => "/data/" + new string('x', 100) + i).ToList();
        var snapshot = new WatchSnapshot(data, ["/e"], ["/c"], ["/p"], []);

        var batches = SetWatchesRequest.Split(snapshot);

        Assert.True(batches.Count > 1);
        Assert.Equal(data, batches.SelectMany(b => b.Data));
        Assert.Equal(["/e"], batches.SelectMany(b => b.Exist));
        Assert.Equal(["/p"], batches.SelectMany(b => b.Persistent));
        Assert.All(batches.SkipLast(1), b => Assert.InRange(b.Data.Sum(p => p.Length) + b.Exist.Sum(p => p.Length), 128 * 1024, 128 * 1024 + 200));
        Assert.Equal(OpCode.SetWatches, new SetWatchesRequest(0, batches[0]).OpCode);
        Assert.Equal(OpCode.SetWatches2, new SetWatchesRequest(0, batches[^1]).OpCode);
    }

    internal static byte[] EncodeStat(NodeStat s)
    {
        using var writer = new JuteWriter();
        writer.WriteLong(s.Czxid);
        writer.WriteLong(s.Mzxid);
        writer.WriteLong(s.Ctime);
        writer.WriteLong(s.Mtime);
        writer.WriteInt(s.Version);
        writer.WriteInt(s.Cversion);
        writer.WriteInt(s.Aversion);
        writer.WriteLong(s.EphemeralOwner);
        writer.WriteInt(s.DataLength);
        writer.WriteInt(s.NumChildren);
        writer.WriteLong(s.Pzxid);
        return writer.WrittenSpan.ToArray();
    }
}
