using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ZkDiscovery.TestSupport;
using static ZkDiscovery.TestSupport.ScriptedPeer;

namespace ZkDiscovery.Tests.Client;

/// <summary>
/// How the client copes with peers that break the protocol. These peers are not ZooKeeper servers and do not
/// stand in for one: they send what a real server never would, on 127.0.0.1.
/// </summary>
public class FakePeerTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task HttpServerInsteadOfZooKeeper_ConnectFailsWithClearError()
    {
        await using var peer = new ScriptedPeer(async (stream, _) =>
        {
            await ReadFrameAsync(stream);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
        });
        await using var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = peer.ConnectionString, SessionTimeout = TimeSpan.FromSeconds(2) });

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.WaitUntilConnectedAsync(TimeSpan.FromSeconds(2)));

        Assert.Contains("Is this a ZooKeeper server?", error.Message, StringComparison.Ordinal);
        Assert.Contains(peer.ConnectionString, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplyWithUnknownXid_FailsTheRequestWithConnectionLoss_AndReconnects()
    {
        await using var peer = new ScriptedPeer(async (stream, connection) =>
        {
            var first = connection == 1;
            await HandshakeAsync(stream);
            var request = await ReadFrameAsync(stream);
            var xid = BinaryPrimitives.ReadInt32BigEndian(request);
            // The first connection answers with a wrong xid; later ones answer correctly with a NoNode error.
            await WriteFrameAsync(stream, ReplyHeader(first ? xid + 1000 : xid, -101));
            await ReadFrameAsync(stream);
        });
        await using var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = peer.ConnectionString, Retry = { MaxRetryAttempts = 0 } });
        await client.WaitUntilConnectedAsync(s_timeout);

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.SetDataAsync("/a", new byte[] { 1 }).WaitAsync(s_timeout));
        var second = await Assert.ThrowsAsync<NoNodeException>(() => client.SetDataAsync("/a", new byte[] { 1 }).WaitAsync(s_timeout));

        Assert.Contains("out of order", error.Message, StringComparison.Ordinal);
        Assert.Equal("/a", second.Path);
        Assert.True(peer.Connections >= 2);
    }

    [Fact]
    public async Task ServerClosesMidFrame_RequestFailsWithConnectionLoss_NoHang()
    {
        await using var peer = new ScriptedPeer(async (stream, _) =>
        {
            await HandshakeAsync(stream);
            await ReadFrameAsync(stream);
            var partial = new byte[10];
            BinaryPrimitives.WriteInt32BigEndian(partial, 100);
            await stream.WriteAsync(partial);
        });
        await using var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = peer.ConnectionString, Retry = { MaxRetryAttempts = 0 } });
        await client.WaitUntilConnectedAsync(s_timeout);

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.GetDataAsync("/a").WaitAsync(s_timeout));

        Assert.Equal("/a", error.Path);
    }

    [Fact]
    public async Task CorruptReplyBody_FailsWithConnectionLossCarryingTheProtocolError()
    {
        await using var peer = new ScriptedPeer(async (stream, _) =>
        {
            await HandshakeAsync(stream);
            var request = await ReadFrameAsync(stream);
            var xid = BinaryPrimitives.ReadInt32BigEndian(request);
            // A getData reply whose buffer length claims more bytes than the frame holds.
            var reply = new byte[16 + 4];
            ReplyHeader(xid, 0).CopyTo(reply, 0);
            BinaryPrimitives.WriteInt32BigEndian(reply.AsSpan(16), 1_000_000);
            await WriteFrameAsync(stream, reply);
            await ReadFrameAsync(stream);
        });
        await using var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = peer.ConnectionString, Retry = { MaxRetryAttempts = 0 } });
        await client.WaitUntilConnectedAsync(s_timeout);

        var error = await Assert.ThrowsAsync<ZooKeeperProtocolException>(() => client.GetDataAsync("/a").WaitAsync(s_timeout));

        Assert.Contains("exceeds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedFrameLength_IsRejectedBeforeAllocating()
    {
        await using var peer = new ScriptedPeer(async (stream, _) =>
        {
            await HandshakeAsync(stream);
            await ReadFrameAsync(stream);
            var header = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(header, int.MaxValue);
            await stream.WriteAsync(header);
            await ReadFrameAsync(stream);
        });
        await using var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = peer.ConnectionString, Retry = { MaxRetryAttempts = 0 } });
        await client.WaitUntilConnectedAsync(s_timeout);

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.GetDataAsync("/a").WaitAsync(s_timeout));

        Assert.IsType<ZooKeeperProtocolException>(error.InnerException);
        Assert.Contains("Invalid frame length", error.InnerException!.Message, StringComparison.Ordinal);
    }
}
