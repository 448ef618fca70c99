using ZkDiscovery.Connection;
using ZkDiscovery.Protocol;

namespace ZkDiscovery.Tests.Protocol;

/// <summary>
/// The multiRead (opcode 22) of node data behind <see cref="ZooKeeperClient.GetDataManyAsync"/>: request bytes, reply
/// decoding, and the replies a server must never send (each a protocol error that leaves the request to the connection).
/// <see cref="RecordRoundTripTests"/> covers the round trip and every truncation.
/// </summary>
public class MultiGetDataRequestTests
{
    private static readonly NodeStat s_stat = new(11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21);

    [Fact]
    public void WriteBody_OneGetDataPerPathWithChrootAndNoWatch_ThenTheTerminator_GoldenBytes()
    {
        var request = new MultiGetDataRequest(["/a", "/"]);
        using var writer = new JuteWriter();

        request.WriteBody(writer, new RequestContext("/app", new WatchManager()));

        Assert.Equal(OpCode.MultiRead, request.OpCode);
        Assert.Equal(22, (int)request.OpCode);
        Assert.Equal("/a", request.Path);
        Assert.Equal(
            Convert.FromHexString(
                "00000004" + "00" + "FFFFFFFF" + "00000006" + "2F6170702F61" + "00" // getData(4), done=false, err=-1; "/app/a"; watch=false
                + "00000004" + "00" + "FFFFFFFF" + "00000004" + "2F617070" + "00" // "/" is the chroot itself
                + "FFFFFFFF" + "01" + "FFFFFFFF"), // terminator: type -1, done=true, err -1
            writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void WriteBody_WithoutChroot_WritesThePathsAsGiven()
    {
        using var writer = new JuteWriter();

        new MultiGetDataRequest(["/x/y"]).WriteBody(writer, NoChroot());

        var reader = new JuteReader(writer.WrittenSpan);
        Assert.Equal(new MultiHeader(4, false, -1), MultiHeader.Read(ref reader));
        Assert.Equal("/x/y", reader.ReadString());
        Assert.False(reader.ReadBool());
        Assert.Equal(new MultiHeader(-1, true, -1), MultiHeader.Read(ref reader));
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public async Task Reply_ErrorsBeforeAndBetweenData_KeepTheRequestOrder()
    {
        var request = new MultiGetDataRequest(["/gone", "/a", "/locked", "/b"]);
        var body = Encode(w =>
        {
            Error(w, -101);
            Data(w, [1]);
            Error(w, -102);
            Data(w, [2, 2]);
            Terminator(w);
        });

        Complete(request, body, zxid: 7);
        var reply = await request.Task;

        Assert.Equal(["/gone", "/a", "/locked", "/b"], reply.Results.Select(r => r.Path));
        Assert.Equal([ZooKeeperErrorCode.NoNode, ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.NoAuth, ZooKeeperErrorCode.Ok], reply.Results.Select(r => r.Error));
        Assert.Equal([false, true, false, true], reply.Results.Select(r => r.IsOk));
        Assert.Equal([1], reply.Results[1].Data);
        Assert.Equal([2, 2], reply.Results[3].Data);
        Assert.All(reply.Results.Where(r => !r.IsOk), r => Assert.Empty(r.Data));
        Assert.Equal([null, s_stat, null, s_stat], reply.Results.Select(r => r.Stat));
    }

    [Fact]
    public async Task Reply_OnlyErrors_IsAResultNotAnException()
    {
        var request = new MultiGetDataRequest(["/a", "/b"]);

        Complete(request, Encode(w =>
        {
            Error(w, -101);
            Error(w, -101);
            Terminator(w);
        }));

        Assert.All((await request.Task).Results, r => Assert.Equal(ZooKeeperErrorCode.NoNode, r.Error));
    }

    [Fact]
    public async Task Reply_ZxidIsTheReplyHeaders()
    {
        var request = new MultiGetDataRequest(["/a"]);

        Complete(request, Encode(w =>
        {
            Data(w, [9]);
            Terminator(w);
        }), zxid: 0x0000_0005_0000_0123);

        Assert.Equal(0x0000_0005_0000_0123, (await request.Task).Zxid);
    }

    [Fact]
    public void Reply_RegistersNoWatch()
    {
        // The server leaves no watch on a multiRead; the client arms them afterwards with setWatches.
        var watches = new WatchManager();
        var request = new MultiGetDataRequest(["/a"]);
        var reader = new JuteReader(Encode(w =>
        {
            Data(w, [9]);
            Terminator(w);
        }));

        request.Complete(new ReplyHeader(1, 2, 0), ref reader, new RequestContext(null, watches));

        Assert.Equal(0, watches.Count);
    }

    [Fact]
    public void Reply_MoreResultsThanReads_IsAProtocolError()
    {
        var request = new MultiGetDataRequest(["/a"]);
        var body = Encode(w =>
        {
            Data(w, [1]);
            Data(w, [2]);
            Terminator(w);
        });

        var error = Assert.IsType<ZooKeeperProtocolException>(Record.Exception(() => Complete(request, body)));

        Assert.Contains("more than the 1 reads", error.Message, StringComparison.Ordinal);
        Assert.False(request.IsCompleted);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Reply_FewerResultsThanReads_IsAProtocolError(int results)
    {
        var request = new MultiGetDataRequest(["/a", "/b", "/c"]);
        var body = Encode(w =>
        {
            for (var i = 0; i < results; i++)
            {
                Data(w, [1]);
            }
            Terminator(w);
        });

        var error = Assert.IsType<ZooKeeperProtocolException>(Record.Exception(() => Complete(request, body)));

        Assert.Contains($"{results} results for 3 reads", error.Message, StringComparison.Ordinal);
        Assert.False(request.IsCompleted);
    }

    [Fact]
    public void Reply_ErrorResultCarryingCodeZero_IsAProtocolError()
    {
        // In a multi, an error result with code 0 means "rolled back"; a multiRead is no transaction, so it cannot happen.
        var request = new MultiGetDataRequest(["/a", "/b"]);
        var body = Encode(w =>
        {
            Data(w, [1]);
            new MultiHeader(-1, false, 0).Write(w);
            w.WriteInt(0);
            Terminator(w);
        });

        var error = Assert.IsType<ZooKeeperProtocolException>(Record.Exception(() => Complete(request, body)));

        Assert.Contains("without an error code", error.Message, StringComparison.Ordinal);
        Assert.False(request.IsCompleted);
    }

    [Theory]
    [InlineData(8)] // getChildren: allowed in a multiRead, but never asked for here
    [InlineData(5)] // setData: a write result
    [InlineData(0)]
    public void Reply_ResultOfAnotherType_IsAProtocolError(int type)
    {
        var request = new MultiGetDataRequest(["/a"]);
        var body = Encode(w =>
        {
            new MultiHeader(type, false, 0).Write(w);
            w.WriteStringVector(["x"], null);
            Terminator(w);
        });

        var error = Assert.IsType<ZooKeeperProtocolException>(Record.Exception(() => Complete(request, body)));

        Assert.Contains($"result type {type}", error.Message, StringComparison.Ordinal);
        Assert.False(request.IsCompleted);
    }

    [Fact]
    public async Task Reply_HeaderError_FailsTheWholeRequest()
    {
        // What a server before 3.6 answers: the header carries the error, no body follows.
        var request = new MultiGetDataRequest(["/a", "/b"]);
        var reader = new JuteReader(ReadOnlySpan<byte>.Empty);

        request.Complete(new ReplyHeader(1, 2, (int)ZooKeeperErrorCode.Unimplemented), ref reader, NoChroot());
        request.Publish();

        var error = await Assert.ThrowsAsync<UnimplementedException>(() => request.Task);
        Assert.Equal("/a", error.Path);
    }

    [Fact]
    public async Task Renew_ReadsTheSamePathsAgain()
    {
        var request = new MultiGetDataRequest(["/a", "/b"]);
        using var first = new JuteWriter();
        using var second = new JuteWriter();
        request.WriteBody(first, NoChroot());

        var renewed = request.Renew();
        renewed.WriteBody(second, NoChroot());
        Complete(renewed, Encode(w =>
        {
            Data(w, [1]);
            Error(w, -101);
            Terminator(w);
        }));

        Assert.NotSame(request, renewed);
        Assert.Equal(first.WrittenSpan.ToArray(), second.WrittenSpan.ToArray());
        Assert.Equal(["/a", "/b"], (await renewed.Task).Results.Select(r => r.Path));
    }

    private static RequestContext NoChroot() => new(null, new WatchManager());

    private static void Complete(IRequest request, byte[] body, long zxid = 2)
    {
        var reader = new JuteReader(body);
        request.Complete(new ReplyHeader(1, zxid, 0), ref reader, NoChroot());
        request.Publish();
    }

    private static void Data(JuteWriter w, byte[] data)
    {
        new MultiHeader(4, false, 0).Write(w);
        w.WriteBuffer(data);
        w.WriteRaw(JuteCodecTests.EncodeStat(s_stat));
    }

    private static void Error(JuteWriter w, int code)
    {
        new MultiHeader(-1, false, code).Write(w);
        w.WriteInt(code);
    }

    private static void Terminator(JuteWriter w) => new MultiHeader(-1, true, -1).Write(w);

    private static byte[] Encode(Action<JuteWriter> write)
    {
        using var writer = new JuteWriter();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }
}
