using System.Security.Authentication;

namespace ZkDiscovery;

/// <summary>
/// A TLS connection to a ZooKeeper server could not be established: the server's certificate was refused, the server
/// asked for a client certificate that was not configured, or the handshake failed otherwise. Like any failure to
/// reach one server it is a connection failure: the client goes on trying the other hosts, and
/// <see cref="ZooKeeperClient.WaitUntilConnectedAsync"/> reports it in its <see cref="ConnectionLossException"/>.
/// </summary>
public sealed class ZooKeeperTlsException : AuthenticationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="server">The server (<c>host:port</c>).</param>
    /// <param name="message">What went wrong (no secret).</param>
    /// <param name="innerException">The TLS layer's exception, if any.</param>
    public ZooKeeperTlsException(string server, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Server = server;
    }

    /// <summary>The server (<c>host:port</c>) the connection was to.</summary>
    public string Server { get; }

    /// <summary>True when the server asked for a client certificate and none was configured.</summary>
    public bool ClientCertificateRequired { get; init; }
}
