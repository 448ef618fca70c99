using System.Diagnostics.CodeAnalysis;

namespace ZkDiscovery;

/// <summary>
/// The base type of every error that comes from ZooKeeper or from the connection to it.
/// Callers' mistakes (an invalid path, a null argument) throw the standard CLR exceptions instead.
/// </summary>
public class ZooKeeperException : Exception
{
    /// <summary>Creates an exception for <paramref name="code"/>.</summary>
    /// <param name="code">The ZooKeeper error code.</param>
    /// <param name="path">The path the failed request named, if any.</param>
    /// <param name="message">An explanation; when null, one is made from the code and the path.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public ZooKeeperException(ZooKeeperErrorCode code, string? path = null, string? message = null, Exception? innerException = null)
        : base(message ?? DescribeCode(code, path), innerException)
    {
        Code = code;
        Path = path;
    }

    /// <summary>The ZooKeeper error code.</summary>
    public ZooKeeperErrorCode Code { get; }

    /// <summary>The path that the failed request named, or null when it named none.</summary>
    public string? Path { get; }

    /// <summary>
    /// True when retrying the same request may succeed: only <see cref="ZooKeeperErrorCode.ConnectionLoss"/>
    /// and <see cref="ZooKeeperErrorCode.OperationTimeout"/>. A write that failed this way may or may not have been applied.
    /// </summary>
    public bool IsTransient => Code is ZooKeeperErrorCode.ConnectionLoss or ZooKeeperErrorCode.OperationTimeout;

    internal static string DescribeCode(ZooKeeperErrorCode code, string? path)
    {
        var text = code switch
        {
            ZooKeeperErrorCode.NoNode => "No node",
            ZooKeeperErrorCode.NodeExists => "Node already exists",
            ZooKeeperErrorCode.BadVersion => "Version mismatch",
            ZooKeeperErrorCode.NotEmpty => "Node has children",
            ZooKeeperErrorCode.NoAuth => "Not authorized",
            ZooKeeperErrorCode.InvalidAcl => "Invalid ACL",
            ZooKeeperErrorCode.NoChildrenForEphemerals => "Ephemeral nodes may not have children",
            ZooKeeperErrorCode.SessionExpired => "Session expired",
            ZooKeeperErrorCode.ConnectionLoss => "Connection lost",
            ZooKeeperErrorCode.OperationTimeout => "Operation timed out",
            ZooKeeperErrorCode.AuthFailed => "Authentication failed",
            ZooKeeperErrorCode.BadArguments => "Bad arguments",
            ZooKeeperErrorCode.Unimplemented => "Operation not implemented by the server",
            ZooKeeperErrorCode.MarshallingError => "Marshalling error",
            ZooKeeperErrorCode.NoWatcher => "No such watch",
            ZooKeeperErrorCode.NotReadOnly => "Not a read-write server",
            ZooKeeperErrorCode.SessionMoved => "Session moved",
            ZooKeeperErrorCode.Throttled => "Request throttled by the server",
            ZooKeeperErrorCode.QuotaExceeded => "Quota exceeded",
            ZooKeeperErrorCode.SessionClosedRequireSaslAuth => "The server requires SASL authentication (configure ZooKeeperClientOptions.Sasl) and closed the connection",
            _ => code.ToString(),
        };
        return path is null ? $"{text} ({(int)code})" : $"{text} ({(int)code}): {path}";
    }

    /// <summary>Creates the typed exception for a server error code.</summary>
    internal static ZooKeeperException Create(ZooKeeperErrorCode code, string? path, string? message = null) => code switch
    {
        ZooKeeperErrorCode.NoNode => new NoNodeException(path, message),
        ZooKeeperErrorCode.NodeExists => new NodeExistsException(path, message),
        ZooKeeperErrorCode.BadVersion => new BadVersionException(path, message),
        ZooKeeperErrorCode.NotEmpty => new NotEmptyException(path, message),
        ZooKeeperErrorCode.NoAuth => new NoAuthException(path, message),
        ZooKeeperErrorCode.InvalidAcl => new InvalidAclException(path, message),
        ZooKeeperErrorCode.NoChildrenForEphemerals => new NoChildrenForEphemeralsException(path, message),
        ZooKeeperErrorCode.SessionExpired => new SessionExpiredException(path, message),
        ZooKeeperErrorCode.ConnectionLoss => new ConnectionLossException(path, message),
        ZooKeeperErrorCode.OperationTimeout => new OperationTimeoutException(path, message),
        ZooKeeperErrorCode.AuthFailed => new AuthFailedException(path, message),
        ZooKeeperErrorCode.BadArguments => new BadArgumentsException(path, message),
        ZooKeeperErrorCode.Unimplemented => new UnimplementedException(path, message),
        ZooKeeperErrorCode.MarshallingError => new MarshallingErrorException(path, message),
        ZooKeeperErrorCode.NoWatcher => new NoWatcherException(path, message),
        ZooKeeperErrorCode.NotReadOnly => new NotReadOnlyException(path, message),
        ZooKeeperErrorCode.SessionMoved => new SessionMovedException(path, message),
        ZooKeeperErrorCode.Throttled => new ThrottledException(path, message),
        ZooKeeperErrorCode.QuotaExceeded => new QuotaExceededException(path, message),
        ZooKeeperErrorCode.RuntimeInconsistency => new RuntimeInconsistencyException(path, message),
        ZooKeeperErrorCode.SessionClosedRequireSaslAuth => new SessionRequiresSaslAuthException(path, message),
        _ => new ZooKeeperException(code, path, message),
    };

    [DoesNotReturn]
    internal static void Throw(ZooKeeperErrorCode code, string? path) => throw Create(code, path);
}

/// <summary>The node does not exist (<see cref="ZooKeeperErrorCode.NoNode"/>).</summary>
public sealed class NoNodeException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.NoNode, path, message);

/// <summary>The node already exists (<see cref="ZooKeeperErrorCode.NodeExists"/>).</summary>
public sealed class NodeExistsException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.NodeExists, path, message);

/// <summary>The expected version did not match (<see cref="ZooKeeperErrorCode.BadVersion"/>).</summary>
public sealed class BadVersionException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.BadVersion, path, message);

/// <summary>The node has children and cannot be deleted (<see cref="ZooKeeperErrorCode.NotEmpty"/>).</summary>
public sealed class NotEmptyException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.NotEmpty, path, message);

/// <summary>The node's ACL denies the operation (<see cref="ZooKeeperErrorCode.NoAuth"/>).</summary>
public sealed class NoAuthException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.NoAuth, path, message);

/// <summary>The ACL is invalid (<see cref="ZooKeeperErrorCode.InvalidAcl"/>).</summary>
public sealed class InvalidAclException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.InvalidAcl, path, message);

/// <summary>Ephemeral nodes cannot have children (<see cref="ZooKeeperErrorCode.NoChildrenForEphemerals"/>).</summary>
public sealed class NoChildrenForEphemeralsException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.NoChildrenForEphemerals, path, message);

/// <summary>
/// The session expired (<see cref="ZooKeeperErrorCode.SessionExpired"/>): its ephemeral nodes and watches are gone.
/// The client goes on with a new session; state bound to the old one must be re-created.
/// </summary>
public sealed class SessionExpiredException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.SessionExpired, path, message);

/// <summary>
/// The connection was lost while the request was in flight or queued (<see cref="ZooKeeperErrorCode.ConnectionLoss"/>).
/// Transient: a write may or may not have been applied.
/// </summary>
public sealed class ConnectionLossException(string? path, string? message = null, Exception? innerException = null)
    : ZooKeeperException(ZooKeeperErrorCode.ConnectionLoss, path, message, innerException);

/// <summary>The operation timed out (<see cref="ZooKeeperErrorCode.OperationTimeout"/>). Transient.</summary>
public sealed class OperationTimeoutException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.OperationTimeout, path, message);

/// <summary>Authentication failed (<see cref="ZooKeeperErrorCode.AuthFailed"/>); the client stops in the AuthFailed state.</summary>
public sealed class AuthFailedException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.AuthFailed, path, message);

/// <summary>
/// The server accepts only SASL-authenticated sessions (<c>enforce.auth.enabled=true</c>, <c>enforce.auth.schemes=sasl</c>)
/// and this one is not (<see cref="ZooKeeperErrorCode.SessionClosedRequireSaslAuth"/>): the server closed the connection.
/// Configure <see cref="ZooKeeperClientOptions.Sasl"/>.
/// </summary>
public sealed class SessionRequiresSaslAuthException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.SessionClosedRequireSaslAuth, path, message);

/// <summary>The server rejected the arguments (<see cref="ZooKeeperErrorCode.BadArguments"/>).</summary>
public sealed class BadArgumentsException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.BadArguments, path, message);

/// <summary>The server does not implement the operation or has it disabled (<see cref="ZooKeeperErrorCode.Unimplemented"/>).</summary>
public sealed class UnimplementedException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.Unimplemented, path, message);

/// <summary>The server could not decode or handle the request (<see cref="ZooKeeperErrorCode.MarshallingError"/>).</summary>
public sealed class MarshallingErrorException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.MarshallingError, path, message);

/// <summary>No matching watch was found (<see cref="ZooKeeperErrorCode.NoWatcher"/>).</summary>
public sealed class NoWatcherException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.NoWatcher, path, message);

/// <summary>A write reached a read-only server (<see cref="ZooKeeperErrorCode.NotReadOnly"/>).</summary>
public sealed class NotReadOnlyException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.NotReadOnly, path, message);

/// <summary>The session moved to another server (<see cref="ZooKeeperErrorCode.SessionMoved"/>).</summary>
public sealed class SessionMovedException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.SessionMoved, path, message);

/// <summary>The server is overloaded and did not run the operation (<see cref="ZooKeeperErrorCode.Throttled"/>).</summary>
public sealed class ThrottledException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.Throttled, path, message);

/// <summary>A hard quota was exceeded (<see cref="ZooKeeperErrorCode.QuotaExceeded"/>).</summary>
public sealed class QuotaExceededException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.QuotaExceeded, path, message);

/// <summary>In a failed multi: this operation was not attempted because an earlier one failed (<see cref="ZooKeeperErrorCode.RuntimeInconsistency"/>).</summary>
public sealed class RuntimeInconsistencyException(string? path, string? message = null) : ZooKeeperException(ZooKeeperErrorCode.RuntimeInconsistency, path, message);

/// <summary>
/// The server sent bytes that are not a valid ZooKeeper frame, or a reply out of order.
/// The connection is dropped and re-established; the request fails with <see cref="ZooKeeperErrorCode.MarshallingError"/>.
/// </summary>
public sealed class ZooKeeperProtocolException(string message, Exception? innerException = null)
    : ZooKeeperException(ZooKeeperErrorCode.MarshallingError, null, message, innerException);
