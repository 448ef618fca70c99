using System.Buffers.Binary;
using System.Text;
using Xunit.Abstractions;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.BadInput;

/// <summary>Wrong credentials, missing credentials, and peers that are not (well-behaved) ZooKeeper servers.</summary>
[Trait("Category", "BadInput")]
public class AuthAndPeerBadInputTests(ITestOutputHelper output) : BadInputTestBase(output)
{
    private static readonly TimeSpan s_peerTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task WrongDigestPassword_NoAuthOnProtectedNode_OwnerUnaffected()
    {
        var owner = await ConnectAsync(o => o.DigestCredentials = "alice:right-password");
        var path = Root + "/secret";
        await owner.CreateAsync(path, Bytes("{\"v\":1}"), acl: ZooKeeperAcl.CreatorAll);
        var intruder = await ConnectAsync(o => o.DigestCredentials = "alice:wrong-password");

        var read = await Assert.ThrowsAsync<NoAuthException>(() => intruder.GetDataAsync(path));
        var write = await Assert.ThrowsAsync<NoAuthException>(() => intruder.SetDataAsync(path, Bytes("{\"v\":2}")));

        Assert.Equal(path, read.Path);
        Assert.Equal(path, write.Path);
        Assert.False(read.IsTransient);
        Assert.DoesNotContain("wrong-password", read.Message, StringComparison.Ordinal);
        Assert.Equal(ConnectionState.Connected, intruder.State);
        Assert.Equal("{\"v\":1}", Text((await owner.GetDataAsync(path)).Data));
        await AssertOthersUnharmedAsync();
        Report("wrong digest password", read);
    }

    [Fact]
    public async Task NoCredentials_NoAuthOnReadOnlyForOthersNode()
    {
        var owner = await ConnectAsync(o => o.DigestCredentials = "bob:pw");
        var path = Root + "/registration";
        await owner.CreateAsync(path, Bytes("{\"v\":1}"), acl: [.. ZooKeeperAcl.CreatorAll, .. ZooKeeperAcl.ReadUnsafe]);

        var error = await Assert.ThrowsAsync<NoAuthException>(() => Client.SetDataAsync(path, Bytes("{\"v\":2}")));
        var child = await Assert.ThrowsAsync<NoAuthException>(() => Client.CreateAsync(path + "/child"));

        Assert.Equal(path, error.Path);
        Assert.Equal(path + "/child", child.Path);
        Assert.Equal("{\"v\":1}", Text((await Client.GetDataAsync(path)).Data));
        await AssertOthersUnharmedAsync();
        Report("NoAuth (no credentials, setData on a read-only node)", error);
    }

    [Fact]
    public async Task HttpServerInsteadOfZooKeeper_ClearErrorNamingTheHost()
    {
        await using var peer = new ScriptedPeer(async (stream, _) =>
        {
            await ScriptedPeer.ReadFrameAsync(stream);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
        });
        await using var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = peer.ConnectionString, SessionTimeout = TimeSpan.FromSeconds(2) });

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.WaitUntilConnectedAsync(TimeSpan.FromSeconds(2)));

        Assert.Contains("Is this a ZooKeeper server?", error.Message, StringComparison.Ordinal);
        Assert.Contains(peer.ConnectionString, error.Message, StringComparison.Ordinal);
        await AssertOthersUnharmedAsync();
        Report("HTTP server instead of ZooKeeper", error);
    }

    [Fact]
    public async Task ServerClosesMidFrame_ConnectionLossNamingThePath_NoHang()
    {
        await using var peer = new ScriptedPeer(async (stream, _) =>
        {
            await ScriptedPeer.HandshakeAsync(stream);
            await ScriptedPeer.ReadFrameAsync(stream);
            var partial = new byte[10];
            BinaryPrimitives.WriteInt32BigEndian(partial, 100);
            await stream.WriteAsync(partial);
        });
        await using var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = peer.ConnectionString, Retry = { MaxRetryAttempts = 0 } });
        await client.WaitUntilConnectedAsync(s_peerTimeout);

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.GetDataAsync("/a").WaitAsync(s_peerTimeout));

        Assert.Equal("/a", error.Path);
        Assert.True(error.IsTransient);
        await AssertOthersUnharmedAsync();
        Report("server closes the socket mid-frame", error);
    }

    [Fact]
    public async Task ReplyForUnknownXid_ConnectionLoss_ThenReconnectsAndWorks()
    {
        await using var peer = new ScriptedPeer(async (stream, connection) =>
        {
            await ScriptedPeer.HandshakeAsync(stream);
            var request = await ScriptedPeer.ReadFrameAsync(stream);
            var xid = BinaryPrimitives.ReadInt32BigEndian(request);
            // The first connection answers with an xid nobody asked for; later ones answer correctly (NoNode).
            await ScriptedPeer.WriteFrameAsync(stream, ScriptedPeer.ReplyHeader(connection == 1 ? xid + 1000 : xid, -101));
            await ScriptedPeer.ReadFrameAsync(stream);
        });
        await using var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = peer.ConnectionString, Retry = { MaxRetryAttempts = 0 } });
        await client.WaitUntilConnectedAsync(s_peerTimeout);

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.SetDataAsync("/a", new byte[] { 1 }).WaitAsync(s_peerTimeout));
        var next = await Assert.ThrowsAsync<NoNodeException>(() => client.SetDataAsync("/a", new byte[] { 1 }).WaitAsync(s_peerTimeout));

        Assert.Contains("expected xid", error.Message, StringComparison.Ordinal);
        Assert.Equal("/a", next.Path);
        Assert.True(peer.Connections >= 2);
        await AssertOthersUnharmedAsync();
        Report("reply for an unknown xid", error);
    }

    [Fact]
    public async Task CorruptReplyBody_ProtocolErrorNamingTheProblem()
    {
        await using var peer = new ScriptedPeer(async (stream, _) =>
        {
            await ScriptedPeer.HandshakeAsync(stream);
            var request = await ScriptedPeer.ReadFrameAsync(stream);
            var xid = BinaryPrimitives.ReadInt32BigEndian(request);
            var reply = new byte[16 + 4];
            ScriptedPeer.ReplyHeader(xid, 0).CopyTo(reply, 0);
            BinaryPrimitives.WriteInt32BigEndian(reply.AsSpan(16), 1_000_000);
            await ScriptedPeer.WriteFrameAsync(stream, reply);
            await ScriptedPeer.ReadFrameAsync(stream);
        });
        await using var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = peer.ConnectionString, Retry = { MaxRetryAttempts = 0 } });
        await client.WaitUntilConnectedAsync(s_peerTimeout);

        var error = await Assert.ThrowsAsync<ZooKeeperProtocolException>(() => client.GetDataAsync("/a").WaitAsync(s_peerTimeout));

        Assert.Contains("buffer length 1000000 exceeds", error.Message, StringComparison.Ordinal);
        await AssertOthersUnharmedAsync();
        Report("corrupt reply body (buffer length past the frame)", error);
    }

    [Fact]
    public async Task OversizedFrameLength_RejectedBeforeAllocating()
    {
        await using var peer = new ScriptedPeer(async (stream, _) =>
        {
            await ScriptedPeer.HandshakeAsync(stream);
            await ScriptedPeer.ReadFrameAsync(stream);
            var header = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(header, int.MaxValue);
            await stream.WriteAsync(header);
            await ScriptedPeer.ReadFrameAsync(stream);
        });
        await using var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = peer.ConnectionString, Retry = { MaxRetryAttempts = 0 } });
        await client.WaitUntilConnectedAsync(s_peerTimeout);

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.GetDataAsync("/a").WaitAsync(s_peerTimeout));

        var inner = Assert.IsType<ZooKeeperProtocolException>(error.InnerException);
        Assert.Contains("Invalid frame length 2147483647", inner.Message, StringComparison.Ordinal);
        await AssertOthersUnharmedAsync();
        Report("frame length over jute.maxbuffer", inner);
    }
}
