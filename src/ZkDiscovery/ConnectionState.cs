namespace ZkDiscovery;

/// <summary>The state of a <see cref="ZooKeeperClient"/>'s connection and session.</summary>
public enum ConnectionState
{
    /// <summary>Not started, or connecting for the first time.</summary>
    Connecting,
    /// <summary>Connected to a read-write server; the session is alive.</summary>
    Connected,
    /// <summary>Connected to a read-only server (the server lost its quorum); writes fail with <see cref="NotReadOnlyException"/>.</summary>
    ConnectedReadOnly,
    /// <summary>The connection was lost; the session may still be alive and the client is reconnecting. Ephemeral nodes are still there but locks should not be trusted.</summary>
    Suspended,
    /// <summary>The server expired the session: its ephemeral nodes and watches are gone. The client goes on to create a new session.</summary>
    Expired,
    /// <summary>Authentication failed; the client has stopped.</summary>
    AuthFailed,
    /// <summary>The client was disposed.</summary>
    Closed,
}

/// <summary>Describes a change of <see cref="ZooKeeperClient.State"/>.</summary>
public sealed class ConnectionStateChangedEventArgs : EventArgs
{
    internal ConnectionStateChangedEventArgs(ConnectionState previous, ConnectionState state, long sessionId, string? server)
    {
        PreviousState = previous;
        State = state;
        SessionId = sessionId;
        Server = server;
    }

    /// <summary>The state before the change.</summary>
    public ConnectionState PreviousState { get; }

    /// <summary>The new state.</summary>
    public ConnectionState State { get; }

    /// <summary>The session id in force when the state changed (the new session's id on <see cref="ConnectionState.Connected"/>; the lost one's on <see cref="ConnectionState.Expired"/>).</summary>
    public long SessionId { get; }

    /// <summary>The server (<c>host:port</c>) the client is connected to, when connected.</summary>
    public string? Server { get; }

    /// <summary>True when a <see cref="ConnectionState.Connected"/> state starts a new session (first connect or after expiry) rather than resuming one.</summary>
    public bool IsNewSession { get; internal init; }

    /// <inheritdoc/>
    public override string ToString() => $"{PreviousState} -> {State} (session 0x{SessionId:x})";
}
