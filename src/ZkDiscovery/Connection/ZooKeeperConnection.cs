using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ZkDiscovery.Protocol;

namespace ZkDiscovery.Connection;

/// <summary>
/// One TCP connection to one server within a session: the handshake, then a reader loop, a writer loop and a
/// heartbeat (pings and the read timeout). Requests in flight wait in a FIFO matched in order by the reader.
/// Everything that ends the connection goes through <see cref="Break"/>, which keeps the first reason.
/// </summary>
internal sealed partial class ZooKeeperConnection : IAsyncDisposable
{
    private readonly SessionDriver _driver;
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly CancellationTokenSource _cts = new();
    private readonly ConcurrentQueue<IRequest> _pending = new();
    private readonly ConcurrentQueue<IRequest> _pendingAuth = new();
    private readonly TaskCompletionSource<Exception> _broken = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _maxFrameSize;
    private long _lastSendTimestamp;
    private long _lastReceiveTimestamp;
    private Exception? _breakReason;

    private ZooKeeperConnection(SessionDriver driver, Socket socket, Stream stream, ZooKeeperHost host, int maxFrameSize)
    {
        _driver = driver;
        _socket = socket;
        _stream = stream;
        Host = host;
        _maxFrameSize = maxFrameSize;
        _lastReceiveTimestamp = _lastSendTimestamp = Stopwatch.GetTimestamp();
    }

    public ZooKeeperHost Host { get; }

    public ConnectResponse Response { get; private set; }

    public bool IsBroken => _breakReason is not null;

    /// <summary>True while requests written on this connection wait for their replies.</summary>
    public bool HasRequestsInFlight => !_pending.IsEmpty;

    /// <summary>The negotiated TLS version and cipher, or null for a plain TCP connection.</summary>
    public string? TlsDescription => _stream is System.Net.Security.SslStream ssl ? $"{ssl.SslProtocol} {ssl.NegotiatedCipherSuite}" : null;

    /// <summary>
    /// Opens a TCP connection to <paramref name="host"/>, runs the TLS handshake when <paramref name="tls"/> is given,
    /// and performs the ZooKeeper handshake, all within <paramref name="timeout"/>.
    /// </summary>
    /// <remarks>
    /// With <c>readerThread</c> (false when the session authenticates with SASL, whose exchange runs asynchronously on
    /// the new connection), a plain TCP connection opens and then reads on a thread of its own: see the read side.
    /// </remarks>
    public static async Task<ZooKeeperConnection> OpenAsync(SessionDriver driver, ZooKeeperHost host, ConnectRequest request, TimeSpan timeout, int maxFrameSize, TlsConnector? tls, bool readerThread, CancellationToken cancellationToken)
    {
        if (tls is null && readerThread && TryReserveReaderThread())
        {
            return await OpenOnReaderThreadAsync(driver, host, request, timeout, maxFrameSize, cancellationToken).ConfigureAwait(false);
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        Socket? socket = null;
        Stream? stream = null;
        var handshake = tls is null ? null : new TlsHandshake();
        try
        {
            socket = await ConnectSocketAsync(host, cts.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (tls is not null)
            {
                // The TLS stream owns the network stream, which owns the socket.
                stream = await tls.AuthenticateAsync(stream, host, handshake!, cts.Token).ConfigureAwait(false);
            }
            var connection = new ZooKeeperConnection(driver, socket, stream, host, maxFrameSize);
            socket = null; // Ownership transferred to the connection.
            stream = null;
            try
            {
                await connection.HandshakeAsync(request, cts.Token).ConfigureAwait(false);
                return connection;
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Connecting to ZooKeeper server {host} timed out after {timeout.TotalMilliseconds:0} ms.");
        }
        catch (Exception e) when (tls is not null && tls.Describe(host, handshake!, e) is { } described)
        {
            throw described;
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            socket?.Dispose();
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(ZooKeeperHost host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host.Host, out var literal))
        {
            return [literal];
        }
        var addresses = await Dns.GetHostAddressesAsync(host.Host, cancellationToken).ConfigureAwait(false);
        return addresses.Length > 0 ? addresses : throw new SocketException((int)SocketError.HostNotFound);
    }

    private static async Task<Socket> ConnectSocketAsync(ZooKeeperHost host, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, host.Port), cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    private async Task HandshakeAsync(ConnectRequest request, CancellationToken cancellationToken)
    {
        using (var writer = new JuteWriter(128))
        {
            writer.BeginFrame();
            request.Write(writer);
            writer.EndFrame();
            await _stream.WriteAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        var header = new byte[4];
        await _stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        var body = new byte[HandshakeReplyLength(header)];
        await _stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        AcceptHandshakeReply(body);
    }

    private int HandshakeReplyLength(ReadOnlySpan<byte> header)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length is < 0 or > 1024)
        {
            throw new ZooKeeperProtocolException($"Invalid handshake reply from {Host}: frame length {length}. Is this a ZooKeeper server?");
        }
        return length;
    }

    private void AcceptHandshakeReply(byte[] body)
    {
        var reader = new JuteReader(body);
        var length = body.Length;
        if (length == ReplyHeader.Size)
        {
            // Not a ConnectResponse but an error reply: the server refused to create the session, e.g. a read-only
            // server without local sessions answers NotReadOnly.
            var error = ReplyHeader.Read(ref reader);
            var code = (ZooKeeperErrorCode)error.Err;
            throw new ZooKeeperException(code, null, code == ZooKeeperErrorCode.NotReadOnly
                ? $"ZooKeeper server {Host} is read-only and cannot create sessions (it needs localSessionsEnabled=true)."
                : $"ZooKeeper server {Host} refused the session: {code} ({error.Err}).");
        }
        Response = ConnectResponse.Read(ref reader);
        _lastReceiveTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Runs the SASL DIGEST-MD5 exchange (opcode 102 packets with normal xids, one at a time) before the connection
    /// carries anything else, as the Java client does. A refusal by the server throws <see cref="AuthFailedException"/>
    /// (terminal); I/O failures and timeouts throw as for any connection failure.
    /// </summary>
    public async Task AuthenticateSaslAsync(ZooKeeperSaslOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var sasl = new SaslDigestMd5(options);
        var user = options.Username;
        try
        {
            // Step 1: an empty token (DIGEST-MD5 has no initial response); the server answers with its challenge.
            var challenge = await SaslRoundTripAsync([], user, cts.Token).ConfigureAwait(false);
            if (challenge is null || challenge.Length == 0)
            {
                throw new AuthFailedException(null, $"ZooKeeper server {Host} sent no SASL challenge: is SASL (DigestLoginModule) configured on the server?");
            }
            byte[] response;
            try
            {
                response = sasl.Respond(challenge);
            }
            catch (FormatException e)
            {
                throw new AuthFailedException(null, $"ZooKeeper server {Host} sent a DIGEST-MD5 challenge this client cannot answer: {e.Message}");
            }
            // Step 2: the digest response; the server answers with rspauth, its own proof of the password.
            var final = await SaslRoundTripAsync(response, user, cts.Token).ConfigureAwait(false);
            if (final is null || !sasl.VerifyServer(final))
            {
                throw new AuthFailedException(null, $"ZooKeeper server {Host} did not prove knowledge of the SASL credentials of user '{user}' (rspauth missing or wrong).");
            }
            _lastReceiveTimestamp = Stopwatch.GetTimestamp();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"SASL authentication with ZooKeeper server {Host} timed out after {timeout.TotalMilliseconds:0} ms.");
        }
    }

    private async Task<byte[]?> SaslRoundTripAsync(byte[] token, string? user, CancellationToken cancellationToken)
    {
        var xid = _driver.NextXid();
        using (var writer = new JuteWriter(token.Length + 64))
        {
            writer.BeginFrame();
            writer.WriteInt(xid);
            writer.WriteInt((int)OpCode.Sasl);
            writer.WriteBuffer(token);
            writer.EndFrame();
            await _stream.WriteAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        var header = new byte[4];
        try
        {
            await _stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new ConnectionLossException(null, $"ZooKeeper server {Host} closed the connection during SASL authentication.", e);
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < ReplyHeader.Size || length > _maxFrameSize)
        {
            throw new ZooKeeperProtocolException($"Invalid frame length {length} from ZooKeeper server {Host} during SASL authentication.");
        }
        var body = new byte[length];
        await _stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return ReadSaslReply(body, xid, user);
    }

    private byte[]? ReadSaslReply(byte[] body, int xid, string? user)
    {
        var reader = new JuteReader(body);
        var reply = ReplyHeader.Read(ref reader);
        if (reply.Xid != xid)
        {
            throw new ZooKeeperProtocolException($"ZooKeeper server {Host} answered SASL packet xid {xid} with xid {reply.Xid}.");
        }
        if (reply.Err != 0)
        {
            // The server closes the connection after this reply: AuthFailed (-115), or, when it enforces SASL,
            // SessionClosedRequireSaslAuth (-124). Either way the credentials were refused.
            var code = (ZooKeeperErrorCode)reply.Err;
            throw new AuthFailedException(null, $"ZooKeeper server {Host} rejected SASL {ZooKeeperSaslOptions.DigestMd5} authentication of user '{user}' ({code}, {reply.Err}): wrong user name or password?");
        }
        return reader.Remaining >= 4 ? reader.ReadBuffer() : null;
    }

    /// <summary>
    /// Runs the connection until it breaks: sends <paramref name="preamble"/> (auth, setWatches) first, then the
    /// session's queue. Returns the reason it broke, after failing every request that was in flight.
    /// </summary>
    public async Task<Exception> RunAsync(IReadOnlyList<IRequest> preamble, TimeSpan readTimeout)
    {
        var token = _cts.Token;
        var reader = StartReader(token);
        var writer = Task.Run(() => WriteLoopAsync(preamble, token), CancellationToken.None);
        var heartbeat = HeartbeatLoopAsync(readTimeout, token);
        var reason = await _broken.Task.ConfigureAwait(false);
        await Task.WhenAll(reader, writer, heartbeat).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        FailPending(reason);
        return reason;
    }

    /// <summary>Ends the connection; the first reason wins.</summary>
    public void Break(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _breakReason, reason, null) is not null)
        {
            return;
        }
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        try
        {
            // Wakes the reader thread's poll at once (closing the socket alone need not).
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _socket.Dispose();
        // A reader thread that waits for RunAsync ends now.
        _startReading?.Set();
        _driver.OnConnectionBroken(this, reason);
        _driver.WakeWriter();
        _broken.TrySetResult(reason);
    }

    private void FailPending(Exception reason)
    {
        while (_pendingAuth.TryDequeue(out var auth))
        {
            _driver.FailRequest(auth, reason);
        }
        while (_pending.TryDequeue(out var request))
        {
            _driver.FailRequest(request, reason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Break(new ObjectDisposedException(nameof(ZooKeeperConnection)));
        await _stream.DisposeAsync().ConfigureAwait(false);
        _cts.Dispose();
    }

    private async Task HeartbeatLoopAsync(TimeSpan readTimeout, CancellationToken cancellationToken)
    {
        // Ping when a third of the session timeout (half the read timeout) passed without sending; give up on the
        // connection when nothing at all was received for the read timeout (2/3 of the session timeout).
        var pingInterval = readTimeout / 2;
        var tick = TimeSpan.FromTicks(Math.Max(pingInterval.Ticks / 2, TimeSpan.FromMilliseconds(10).Ticks));
        var time = _driver.TimeProvider;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(tick, time, cancellationToken).ConfigureAwait(false);
                var silent = Stopwatch.GetElapsedTime(Volatile.Read(ref _lastReceiveTimestamp));
                if (silent > readTimeout)
                {
                    Break(new TimeoutException($"No reply from ZooKeeper server {Host} for {silent.TotalMilliseconds:0} ms (read timeout {readTimeout.TotalMilliseconds:0} ms)."));
                    return;
                }
                if (Stopwatch.GetElapsedTime(Volatile.Read(ref _lastSendTimestamp)) >= pingInterval)
                {
                    Volatile.Write(ref _lastSendTimestamp, Stopwatch.GetTimestamp());
                    _driver.Enqueue(new PingRequest());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WriteLoopAsync(IReadOnlyList<IRequest> preamble, CancellationToken cancellationToken)
    {
        var writer = new JuteWriter();
        var batch = new List<IRequest>();
        var index = 0;
        try
        {
            batch.AddRange(preamble);
            while (true)
            {
                if (index == batch.Count)
                {
                    batch.Clear();
                    index = 0;
                    if (!_driver.TakeQueued(batch, this))
                    {
                        if (IsBroken)
                        {
                            return;
                        }
                        await _driver.WaitForQueuedAsync().ConfigureAwait(false);
                        continue;
                    }
                }
                while (index < batch.Count && writer.Length < 64 * 1024)
                {
                    var request = batch[index++];
                    if (request.IsCompleted)
                    {
                        continue;
                    }
                    Serialize(writer, request);
                }
                if (writer.Length > 0)
                {
                    if (_startReading is null)
                    {
                        await _stream.WriteAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await SendAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                    }
                    Volatile.Write(ref _lastSendTimestamp, Stopwatch.GetTimestamp());
                    writer.Reset();
                }
            }
        }
        catch (Exception e)
        {
            Break(e is OperationCanceledException ? new ConnectionLossException(null, "The connection was closed.") : e);
            // Requests taken from the queue but not yet written were still queued when the connection dropped.
            var reason = _breakReason ?? e;
            for (; index < batch.Count; index++)
            {
                _driver.FailRequest(batch[index], reason);
            }
        }
        finally
        {
            writer.Dispose();
        }
    }

    private void Serialize(JuteWriter writer, IRequest request)
    {
        writer.BeginFrame();
        var xid = request.OpCode switch
        {
            OpCode.Ping => Xids.Ping,
            OpCode.Auth => Xids.Auth,
            _ => _driver.NextXid(),
        };
        request.Xid = xid;
        request.Completions ??= _driver.Completions;
        writer.WriteInt(xid);
        writer.WriteInt((int)request.OpCode);
        request.WriteBody(writer, _driver.Context);
        var length = writer.EndFrame();
        if (length > _maxFrameSize)
        {
            writer.AbandonFrame();
            _driver.RejectOversized(request, length, _maxFrameSize);
            return;
        }
        if (request.Activity is { } activity)
        {
            RequestTracing.Sent(activity, Host, Response.SessionId);
        }
        if (!request.IsSpecial)
        {
            _pending.Enqueue(request);
        }
        else if (request.OpCode == OpCode.Auth)
        {
            // Auth replies carry xid -4 and come back in the order the packets were sent.
            _pendingAuth.Enqueue(request);
        }
    }
}
