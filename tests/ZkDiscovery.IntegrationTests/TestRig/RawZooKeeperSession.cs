using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ZkDiscovery.IntegrationTests.TestRig;

/// <summary>
/// Just enough of the ZooKeeper wire protocol (connect, create, close) to put data on a server in the rig's own
/// tests, independently of the client library under test.
/// </summary>
internal sealed class RawZooKeeperSession : IAsyncDisposable
{
    private const int OpCreate = 1;
    private const int OpCloseSession = -11;
    private const int PermsAll = 31;

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private int _xid;

    private RawZooKeeperSession(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawZooKeeperSession> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        var session = new RawZooKeeperSession(client);
        var request = new List<byte>();
        AppendInt(request, 0);          // protocolVersion
        AppendLong(request, 0);         // lastZxidSeen
        AppendInt(request, 10_000);     // timeOut (ms)
        AppendLong(request, 0);         // sessionId: new session
        AppendBuffer(request, new byte[16]);
        request.Add(0);                 // readOnly = false
        await session.SendAsync(request, cancellationToken);
        byte[] response = await session.ReceiveAsync(cancellationToken);
        long sessionId = BinaryPrimitives.ReadInt64BigEndian(response.AsSpan(8));
        if (sessionId == 0)
        {
            throw new InvalidOperationException("The server refused the session.");
        }

        return session;
    }

    /// <summary>Creates a persistent, world-writable node; returns the server's error code (0 = OK).</summary>
    public async Task<int> CreateAsync(string path, byte[] data, CancellationToken cancellationToken)
    {
        var request = new List<byte>();
        AppendInt(request, ++_xid);
        AppendInt(request, OpCreate);
        AppendBuffer(request, Encoding.UTF8.GetBytes(path));
        AppendBuffer(request, data);
        AppendInt(request, 1);          // one ACL: world:anyone, all permissions
        AppendInt(request, PermsAll);
        AppendBuffer(request, "world"u8.ToArray());
        AppendBuffer(request, "anyone"u8.ToArray());
        AppendInt(request, 0);          // flags: persistent
        await SendAsync(request, cancellationToken);
        byte[] reply = await ReceiveAsync(cancellationToken);
        return BinaryPrimitives.ReadInt32BigEndian(reply.AsSpan(12));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            var request = new List<byte>();
            AppendInt(request, ++_xid);
            AppendInt(request, OpCloseSession);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await SendAsync(request, timeout.Token);
            await ReceiveAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or EndOfStreamException)
        {
            // The server went away: nothing to close.
        }
        finally
        {
            _client.Dispose();
        }
    }

    private async Task SendAsync(List<byte> payload, CancellationToken cancellationToken)
    {
        var frame = new byte[4 + payload.Count];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Count);
        payload.CopyTo(frame, 4);
        await _stream.WriteAsync(frame, cancellationToken);
    }

    private async Task<byte[]> ReceiveAsync(CancellationToken cancellationToken)
    {
        var length = new byte[4];
        await _stream.ReadExactlyAsync(length, cancellationToken);
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(length)];
        await _stream.ReadExactlyAsync(body, cancellationToken);
        return body;
    }

    private static void AppendInt(List<byte> target, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        target.AddRange(bytes);
    }

    private static void AppendLong(List<byte> target, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        target.AddRange(bytes);
    }

    private static void AppendBuffer(List<byte> target, byte[] value)
    {
        AppendInt(target, value.Length);
        target.AddRange(value);
    }
}
