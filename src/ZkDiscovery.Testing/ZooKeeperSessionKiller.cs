using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace ZkDiscovery.Testing;

/// <summary>
/// Forces a ZooKeeper session to expire, as an outage longer than its timeout would, without waiting for it: joins the
/// session with its id and password and closes it at once. The server drops the owner's connection and deletes the
/// session's ephemeral nodes; the owner's next reconnect is told the session expired.
/// </summary>
public static class ZooKeeperSessionKiller
{
    /// <summary>Ends the session <paramref name="sessionId"/> on the server at <paramref name="connectionString"/>.</summary>
    /// <param name="connectionString">A server of the ensemble, <c>host:port</c> (the first one is used; a chroot is ignored).</param>
    /// <param name="sessionId">The session's id.</param>
    /// <param name="password">The session's password (16 bytes, as the server handed it out).</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>True when the server confirmed the close; false when it refused the session (already expired or a wrong password).</returns>
    /// <exception cref="IOException">The server could not be reached.</exception>
    public static async Task<bool> ExpireAsync(string connectionString, long sessionId, byte[] password, CancellationToken cancellationToken = default)
    {
        // The owner may reconnect and take the session back between our handshake and our close: try again then.
        // A later attempt that finds the session refused means an interrupted earlier one did close it.
        var interrupted = false;
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            var result = await TryExpireAsync(connectionString, sessionId, password, cancellationToken).ConfigureAwait(false);
            if (result is not null)
            {
                return result.Value || interrupted;
            }
            interrupted = true;
        }
        return false;
    }

    /// <summary>True when closed, false when the server refused the session, null when the owner took the session back before the close.</summary>
    private static async Task<bool?> TryExpireAsync(string connectionString, long sessionId, byte[] password, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ArgumentNullException.ThrowIfNull(password);
        var first = connectionString.Split('/')[0].Split(',')[0].Trim();
        var colon = first.LastIndexOf(':');
        var host = colon > 0 ? first[..colon].Trim('[', ']') : first;
        var port = colon > 0 ? int.Parse(first[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture) : 2181;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        using var client = new TcpClient { NoDelay = true };
        var address = IPAddress.TryParse(host, out var ip) ? ip : (await Dns.GetHostAddressesAsync(host, timeout.Token).ConfigureAwait(false))[0];
        await client.ConnectAsync(address, port, timeout.Token).ConfigureAwait(false);
        var stream = client.GetStream();

        // ConnectRequest (protocol 0, lastZxid 0, timeout, session id, password, readOnly false) and closeSession
        // (xid 1, type -11) in one write: the server serves the close right after the handshake, leaving the owner
        // no window to take the session back in between.
        var frame = new byte[4 + 45 - 16 + password.Length + 4 + 8];
        var span = frame.AsSpan();
        var connectLength = 4 + 8 + 4 + 8 + 4 + password.Length + 1;
        BinaryPrimitives.WriteInt32BigEndian(span, connectLength);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], 0);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], 0);
        BinaryPrimitives.WriteInt32BigEndian(span[16..], 30000);
        BinaryPrimitives.WriteInt64BigEndian(span[20..], sessionId);
        BinaryPrimitives.WriteInt32BigEndian(span[28..], password.Length);
        password.CopyTo(span[32..]);
        span[32 + password.Length] = 0;
        var close = span[(4 + connectLength)..];
        BinaryPrimitives.WriteInt32BigEndian(close, 8);
        BinaryPrimitives.WriteInt32BigEndian(close[4..], 1);
        BinaryPrimitives.WriteInt32BigEndian(close[8..], -11);
        await stream.WriteAsync(frame, timeout.Token).ConfigureAwait(false);

        var response = await ReadFrameAsync(stream, timeout.Token).ConfigureAwait(false);
        if (response is null || response.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(4)) <= 0)
        {
            return false;
        }
        var reply = await ReadFrameAsync(stream, timeout.Token).ConfigureAwait(false);
        if (reply is null)
        {
            return null;
        }
        // An error reply (e.g. SessionMoved: the owner reconnected between our handshake and our close) means the
        // close did not happen on this connection: try again.
        return reply.Length >= 16 && BinaryPrimitives.ReadInt32BigEndian(reply) == 1 && BinaryPrimitives.ReadInt32BigEndian(reply.AsSpan(12)) == 0
            ? true
            : null;
    }

    private static async Task<byte[]?> ReadFrameAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        try
        {
            await stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
            var length = BinaryPrimitives.ReadInt32BigEndian(header);
            if (length is < 0 or > 1 << 20)
            {
                return null;
            }
            var body = new byte[length];
            await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
            return body;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return null;
        }
    }
}
