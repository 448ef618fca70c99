using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace ZkDiscovery.TestSupport;

/// <summary>
/// A TCP peer on 127.0.0.1 that runs a script for every connection, then closes it: it is not a ZooKeeper server
/// and breaks the protocol on purpose. Shared by the unit and integration test projects (linked into both).
/// </summary>
internal sealed class ScriptedPeer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;
    private int _connections;

    public ScriptedPeer(Func<NetworkStream, int, Task> script)
    {
        _listener.Start();
        ConnectionString = "127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(async () =>
        {
            while (!_cts.IsCancellationRequested)
            {
                var socket = await _listener.AcceptTcpClientAsync(_cts.Token);
                var number = Interlocked.Increment(ref _connections);
                _ = Task.Run(async () =>
                {
                    using (socket)
                    {
                        try
                        {
                            await script(socket.GetStream(), number).WaitAsync(TimeSpan.FromSeconds(30), _cts.Token);
                        }
                        catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException or EndOfStreamException or SocketException)
                        {
                        }
                    }
                });
            }
        });
    }

    public string ConnectionString { get; }

    public int Connections => Volatile.Read(ref _connections);

    public static byte[] ReplyHeader(int xid, int err)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, xid);
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(4), 42);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), err);
        return header;
    }

    /// <summary>Reads the connect request and accepts it with a 10 s session.</summary>
    public static async Task HandshakeAsync(NetworkStream stream)
    {
        await ReadFrameAsync(stream);
        var response = new byte[4 + 4 + 8 + 4 + 16 + 1];
        BinaryPrimitives.WriteInt32BigEndian(response.AsSpan(4), 10_000);
        BinaryPrimitives.WriteInt64BigEndian(response.AsSpan(8), 0x1234);
        BinaryPrimitives.WriteInt32BigEndian(response.AsSpan(16), 16);
        await WriteFrameAsync(stream, response);
    }

    /// <summary>Reads one request frame, skipping pings (xid -2).</summary>
    public static async Task<byte[]> ReadFrameAsync(NetworkStream stream)
    {
        while (true)
        {
            var header = new byte[4];
            await stream.ReadExactlyAsync(header);
            var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header)];
            await stream.ReadExactlyAsync(body);
            if (body.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(body) != -2)
            {
                return body;
            }
        }
    }

    public static async Task WriteFrameAsync(NetworkStream stream, byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        await stream.WriteAsync(frame);
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        _listener.Stop();
        await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
        _cts.Dispose();
    }
}
