namespace ZkDiscovery;

/// <summary>What happened to a watched node.</summary>
public enum WatchEventType
{
    /// <summary>Not a node event: a change of the session's state (see <see cref="WatchedEvent.State"/>).</summary>
    None = -1,
    /// <summary>The node was created.</summary>
    NodeCreated = 1,
    /// <summary>The node was deleted.</summary>
    NodeDeleted = 2,
    /// <summary>The node's data changed.</summary>
    NodeDataChanged = 3,
    /// <summary>A child was added or removed.</summary>
    NodeChildrenChanged = 4,
    /// <summary>A data watch was removed (client-local).</summary>
    DataWatchRemoved = 5,
    /// <summary>A child watch was removed (client-local).</summary>
    ChildWatchRemoved = 6,
    /// <summary>A persistent watch was removed (client-local).</summary>
    PersistentWatchRemoved = 7,
}

/// <summary>The session state a watch event was delivered in (the protocol's KeeperState).</summary>
public enum KeeperState
{
    /// <summary>The connection was lost; the session may still be alive.</summary>
    Disconnected = 0,
    /// <summary>Connected to a server.</summary>
    SyncConnected = 3,
    /// <summary>Authentication failed.</summary>
    AuthFailed = 4,
    /// <summary>Connected to a read-only server.</summary>
    ConnectedReadOnly = 5,
    /// <summary>The session expired: the watch is gone.</summary>
    Expired = -112,
    /// <summary>The client was closed: the watch is gone.</summary>
    Closed = 7,
}

/// <summary>A watch notification.</summary>
/// <param name="Type">What happened.</param>
/// <param name="State">The session's state; <see cref="KeeperState.Expired"/> or <see cref="KeeperState.Closed"/> tell that the watch was lost.</param>
/// <param name="Path">The node's path, as the client sees it (chroot removed); null only for pure state events.</param>
public readonly record struct WatchedEvent(WatchEventType Type, KeeperState State, string? Path)
{
    /// <summary>True when this event tells that the watch was lost with its session (expiry or close) and will not fire again.</summary>
    public bool IsWatchLost => Type == WatchEventType.None && State is KeeperState.Expired or KeeperState.Closed or KeeperState.AuthFailed;
}

/// <summary>The kind of watch added by <c>AddWatchAsync</c>.</summary>
public enum AddWatchMode
{
    /// <summary>Created, changed, deleted and children-changed events of the path itself; not removed when it fires.</summary>
    Persistent = 0,
    /// <summary>Created, changed and deleted events of the path and every descendant; never children-changed; not removed when it fires.</summary>
    PersistentRecursive = 1,
}

/// <summary>Which watches <c>RemoveWatchesAsync</c> removes.</summary>
public enum WatcherType
{
    /// <summary>Child watches.</summary>
    Children = 1,
    /// <summary>Data and exist watches.</summary>
    Data = 2,
    /// <summary>Every kind, persistent ones included.</summary>
    Any = 3,
}
