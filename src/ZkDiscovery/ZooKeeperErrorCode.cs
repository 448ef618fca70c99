namespace ZkDiscovery;

/// <summary>
/// The error codes of the ZooKeeper protocol, with the values the server sends in a reply header.
/// </summary>
public enum ZooKeeperErrorCode
{
    /// <summary>No error.</summary>
    Ok = 0,
    /// <summary>A system error (range marker).</summary>
    SystemError = -1,
    /// <summary>A runtime inconsistency: in a failed multi, the operations after the failing one.</summary>
    RuntimeInconsistency = -2,
    /// <summary>A data inconsistency was found.</summary>
    DataInconsistency = -3,
    /// <summary>The connection to the server was lost while the request was in flight; it may or may not have been applied.</summary>
    ConnectionLoss = -4,
    /// <summary>The request or reply could not be encoded or decoded.</summary>
    MarshallingError = -5,
    /// <summary>The server does not implement the operation.</summary>
    Unimplemented = -6,
    /// <summary>The operation timed out.</summary>
    OperationTimeout = -7,
    /// <summary>Invalid arguments (for example an invalid path or create flags).</summary>
    BadArguments = -8,
    /// <summary>The session is unknown to the server.</summary>
    UnknownSession = -12,
    /// <summary>A reconfiguration could not reach a quorum of the new configuration.</summary>
    NewConfigNoQuorum = -13,
    /// <summary>Another reconfiguration is in progress.</summary>
    ReconfigInProgress = -14,
    /// <summary>An API error (range marker).</summary>
    ApiError = -100,
    /// <summary>The node does not exist.</summary>
    NoNode = -101,
    /// <summary>The node's ACL does not allow the operation for this session's identities.</summary>
    NoAuth = -102,
    /// <summary>The expected version does not match the node's version.</summary>
    BadVersion = -103,
    /// <summary>Ephemeral nodes cannot have children.</summary>
    NoChildrenForEphemerals = -108,
    /// <summary>The node already exists.</summary>
    NodeExists = -110,
    /// <summary>The node has children.</summary>
    NotEmpty = -111,
    /// <summary>The session has expired.</summary>
    SessionExpired = -112,
    /// <summary>An invalid callback was given.</summary>
    InvalidCallback = -113,
    /// <summary>The ACL is invalid (empty, or naming an unknown id).</summary>
    InvalidAcl = -114,
    /// <summary>Authentication failed.</summary>
    AuthFailed = -115,
    /// <summary>The session moved to another server.</summary>
    SessionMoved = -118,
    /// <summary>A write was sent to a read-only server.</summary>
    NotReadOnly = -119,
    /// <summary>An ephemeral node cannot be created on a local session.</summary>
    EphemeralOnLocalSession = -120,
    /// <summary>No matching watch was found.</summary>
    NoWatcher = -121,
    /// <summary>The request timed out on the client.</summary>
    RequestTimeout = -122,
    /// <summary>Dynamic reconfiguration is disabled.</summary>
    ReconfigDisabled = -123,
    /// <summary>The server requires SASL authentication for this session.</summary>
    SessionClosedRequireSaslAuth = -124,
    /// <summary>A hard quota was exceeded.</summary>
    QuotaExceeded = -125,
    /// <summary>The server is overloaded and did not execute the operation.</summary>
    Throttled = -127,
}
