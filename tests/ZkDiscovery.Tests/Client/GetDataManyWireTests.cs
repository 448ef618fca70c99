using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using ZkDiscovery.Connection;
using ZkDiscovery.Protocol;
using ZkDiscovery.Tests.Protocol;
using ZkDiscovery.TestSupport;
using static ZkDiscovery.TestSupport.ScriptedPeer;

namespace ZkDiscovery.Tests.Client;

/// <summary>
/// What <see cref="ZooKeeperClient.GetDataManyAsync"/> puts on the wire after the multiRead: the setWatches that arms
/// the data watches (relative to the zxid of the read's reply, with the chroot's server paths, only for nodes read), or
/// nothing. The peer answers with hand-written bytes so that the frames can be checked exactly; the integration tests
/// cover the behaviour against a real server.
/// </summary>
public class GetDataManyWireTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(15);
    private static readonly byte[] s_stat = JuteCodecTests.EncodeStat(new NodeStat(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));

    [Fact]
    public async Task GetDataManyAsync_WithWatcher_ArmsTheNodesReadWithOneSetWatchesAtTheReadsZxid()
    {
        var multiRead = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var arming = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new ConcurrentQueue<int>();
        await using var peer = new ScriptedPeer(async (stream, connection) =>
        {
            await HandshakeAsync(stream);
            if (connection == 1)
            {
                // A getData answered at zxid 500, then the read at 100: a real server's zxids never go down, but this
                // tells the read's zxid from the client's last one without a race.
                var earlier = await ReadFrameAsync(stream);
                await WriteFrameAsync(stream, Reply(earlier, 500, w =>
                {
                    w.WriteBuffer("X"u8);
                    w.WriteRaw(s_stat);
                }));
                var read = await ReadFrameAsync(stream);
                multiRead.TrySetResult(read);
                await WriteFrameAsync(stream, Reply(read, 100, w =>
                {
                    Data(w, "A");
                    Error(w, ZooKeeperErrorCode.NoNode);
                    Data(w, "C");
                    Terminator(w);
                }));
                var setWatches = await ReadFrameAsync(stream);
                arming.TrySetResult(setWatches);
                // As the server does for a node that changed after relativeZxid: the event comes before the reply.
                await WriteFrameAsync(stream, Notification(WatchEventType.NodeDeleted, "/app/c"));
                await WriteFrameAsync(stream, Reply(setWatches, 500, _ => { }));
            }
            await ServeAsync(stream, seen);
        });
        await using var client = await ConnectAsync(peer.ConnectionString + "/app");
        var events = Channel.CreateUnbounded<WatchedEvent>();

        await client.GetDataAsync("/x").WaitAsync(s_timeout);
        var results = await client.GetDataManyAsync(["/a", "/b", "/c"], e => events.Writer.TryWrite(e)).WaitAsync(s_timeout);
        var request = Parse(await multiRead.Task.WaitAsync(s_timeout));
        var sent = ParseSetWatches(await arming.Task.WaitAsync(s_timeout));
        var deleted = await events.Reader.ReadAsync().AsTask().WaitAsync(s_timeout);

        Assert.Equal(22, request.OpCode);
        Assert.Equal((101, 100L), (sent.OpCode, sent.RelativeZxid)); // the read's zxid, not the client's last one (500)
        Assert.Equal(["/app/a", "/app/c"], sent.Data); // server paths of the nodes read; none for the missing one
        Assert.Empty(sent.Exist);
        Assert.Empty(sent.Child);
        Assert.Equal(["/a", "/b", "/c"], results.Select(r => r.Path));
        Assert.Equal([ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.NoNode, ZooKeeperErrorCode.Ok], results.Select(r => r.Error));
        Assert.Equal(["A", "", "C"], results.Select(r => Encoding.UTF8.GetString(r.Data)));
        // The event the setWatches itself caused reached the watcher: it was registered before the setWatches went out.
        Assert.Equal(new WatchedEvent(WatchEventType.NodeDeleted, KeeperState.SyncConnected, "/c"), deleted);
        Assert.Equal(1, client.WatchCount); // /a still armed, /c fired, /b never armed
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetDataManyAsync_NoWatcherOrNoNodeRead_SendsNoSetWatches(bool withWatcher)
    {
        var next = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new ConcurrentQueue<int>();
        await using var peer = new ScriptedPeer(async (stream, connection) =>
        {
            await HandshakeAsync(stream);
            if (connection == 1)
            {
                var read = await ReadFrameAsync(stream);
                await WriteFrameAsync(stream, Reply(read, 100, w =>
                {
                    // With a watcher every read fails (nothing to arm); without one every read succeeds.
                    if (withWatcher)
                    {
                        Error(w, ZooKeeperErrorCode.NoNode);
                        Error(w, ZooKeeperErrorCode.NoAuth);
                    }
                    else
                    {
                        Data(w, "A");
                        Data(w, "B");
                    }
                    Terminator(w);
                }));
                var frame = await ReadFrameAsync(stream);
                next.TrySetResult(frame);
                await WriteFrameAsync(stream, Reply(frame, 100, w =>
                {
                    w.WriteBuffer("N"u8);
                    w.WriteRaw(s_stat);
                }));
            }
            await ServeAsync(stream, seen);
        });
        await using var client = await ConnectAsync(peer.ConnectionString);

        var results = await client.GetDataManyAsync(["/a", "/b"], withWatcher ? _ => { } : null).WaitAsync(s_timeout);
        await client.GetDataAsync("/next").WaitAsync(s_timeout);
        var after = Parse(await next.Task.WaitAsync(s_timeout));

        Assert.Equal(2, results.Count);
        Assert.Equal((4, "/next"), (after.OpCode, after.Path)); // the getData sent after the call, no setWatches before it
        Assert.Equal(0, client.WatchCount);
    }

    [Fact]
    public async Task GetDataManyAsync_ServerBefore36_ThrowsUnimplemented_AndArmsNothing()
    {
        await using var peer = new ScriptedPeer(async (stream, _) =>
        {
            await HandshakeAsync(stream);
            var read = await ReadFrameAsync(stream);
            await WriteFrameAsync(stream, ReplyHeader(BinaryPrimitives.ReadInt32BigEndian(read), (int)ZooKeeperErrorCode.Unimplemented));
            await ServeAsync(stream, new ConcurrentQueue<int>());
        });
        await using var client = await ConnectAsync(peer.ConnectionString);

        var error = await Assert.ThrowsAsync<UnimplementedException>(() => client.GetDataManyAsync(["/a", "/b"], _ => { }).WaitAsync(s_timeout));

        Assert.Equal("/a", error.Path);
        Assert.Equal(0, client.WatchCount);
    }

    [Fact]
    public async Task GetDataManyAsync_ReplyWithMoreResultsThanReads_FailsWithProtocolError_AndArmsNothing()
    {
        var seen = new ConcurrentQueue<int>();
        await using var peer = new ScriptedPeer(async (stream, connection) =>
        {
            await HandshakeAsync(stream);
            if (connection == 1)
            {
                var read = await ReadFrameAsync(stream);
                await WriteFrameAsync(stream, Reply(read, 100, w =>
                {
                    Data(w, "A");
                    Data(w, "B");
                    Terminator(w);
                }));
                await ReadFrameAsync(stream); // the client breaks this connection
                return;
            }
            await ServeAsync(stream, seen);
        });
        await using var client = await ConnectAsync(peer.ConnectionString);

        await Assert.ThrowsAsync<ZooKeeperProtocolException>(() => client.GetDataManyAsync(["/a"], _ => { }).WaitAsync(s_timeout));
        // Answered on the next connection, after any setWatches its preamble would carry.
        await client.GetDataAsync("/next").WaitAsync(s_timeout);

        Assert.Equal([4], seen); // the getData only
        Assert.Equal(0, client.WatchCount);
        Assert.True(peer.Connections >= 2);
    }

    private static async Task<ZooKeeperClient> ConnectAsync(string connectionString)
    {
        var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = connectionString, Retry = { MaxRetryAttempts = 0 } });
        await client.WaitUntilConnectedAsync(s_timeout);
        return client;
    }

    /// <summary>Answers getData with data and setWatches (or anything else) with an empty reply, until closeSession.</summary>
    private static async Task ServeAsync(NetworkStream stream, ConcurrentQueue<int> seen)
    {
        while (true)
        {
            var frame = await ReadFrameAsync(stream);
            var request = Parse(frame);
            seen.Enqueue(request.OpCode);
            await WriteFrameAsync(stream, Reply(frame, 300, w =>
            {
                if (request.OpCode == (int)OpCode.GetData)
                {
                    w.WriteBuffer("x"u8);
                    w.WriteRaw(s_stat);
                }
            }));
            if (request.OpCode == (int)OpCode.CloseSession)
            {
                return;
            }
        }
    }

    private static (int Xid, int OpCode, string? Path) Parse(byte[] frame)
    {
        var reader = new JuteReader(frame);
        var xid = reader.ReadInt();
        var opCode = reader.ReadInt();
        var path = opCode == (int)OpCode.GetData ? reader.ReadString() : null;
        return (xid, opCode, path);
    }

    private static (int OpCode, long RelativeZxid, IReadOnlyList<string> Data, IReadOnlyList<string> Exist, IReadOnlyList<string> Child) ParseSetWatches(byte[] frame)
    {
        var reader = new JuteReader(frame);
        reader.ReadInt();
        var opCode = reader.ReadInt();
        var zxid = reader.ReadLong();
        var data = reader.ReadStringVector();
        var exist = reader.ReadStringVector();
        var child = reader.ReadStringVector();
        Assert.Equal(0, reader.Remaining);
        return (opCode, zxid, data, exist, child);
    }

    private static byte[] Reply(byte[] request, long zxid, Action<JuteWriter> body)
    {
        using var writer = new JuteWriter();
        writer.WriteInt(BinaryPrimitives.ReadInt32BigEndian(request));
        writer.WriteLong(zxid);
        writer.WriteInt(0);
        body(writer);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] Notification(WatchEventType type, string serverPath)
    {
        using var writer = new JuteWriter();
        writer.WriteInt(Xids.Notification);
        writer.WriteLong(-1);
        writer.WriteInt(0);
        writer.WriteInt((int)type);
        writer.WriteInt((int)KeeperState.SyncConnected);
        writer.WriteString(serverPath);
        return writer.WrittenSpan.ToArray();
    }

    private static void Data(JuteWriter w, string data)
    {
        new MultiHeader((int)OpCode.GetData, false, 0).Write(w);
        w.WriteBuffer(Encoding.UTF8.GetBytes(data));
        w.WriteRaw(s_stat);
    }

    private static void Error(JuteWriter w, ZooKeeperErrorCode code)
    {
        new MultiHeader(-1, false, (int)code).Write(w);
        w.WriteInt((int)code);
    }

    private static void Terminator(JuteWriter w) => new MultiHeader(-1, true, -1).Write(w);
}
