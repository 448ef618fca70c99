namespace ZkDiscovery;

/// <summary>How a node is created.</summary>
public enum CreateMode
{
    /// <summary>A node that lives until it is deleted.</summary>
    Persistent = 0,
    /// <summary>A node deleted when the creating session ends.</summary>
    Ephemeral = 1,
    /// <summary>A persistent node whose name gets a 10-digit, per-parent sequence number appended.</summary>
    PersistentSequential = 2,
    /// <summary>An ephemeral node whose name gets a 10-digit, per-parent sequence number appended.</summary>
    EphemeralSequential = 3,
    /// <summary>A container node: the server deletes it some time after its last child is gone.</summary>
    Container = 4,
    /// <summary>A persistent node the server deletes when it has not been modified for the TTL and has no children (server must enable extended types).</summary>
    PersistentWithTtl = 5,
    /// <summary>A persistent sequential node with a TTL (server must enable extended types).</summary>
    PersistentSequentialWithTtl = 6,
}

/// <summary>Helpers for <see cref="CreateMode"/>.</summary>
public static class CreateModeExtensions
{
    /// <summary>True for the ephemeral modes.</summary>
    public static bool IsEphemeral(this CreateMode mode) => mode is CreateMode.Ephemeral or CreateMode.EphemeralSequential;

    /// <summary>True for the sequential modes.</summary>
    public static bool IsSequential(this CreateMode mode) =>
        mode is CreateMode.PersistentSequential or CreateMode.EphemeralSequential or CreateMode.PersistentSequentialWithTtl;

    /// <summary>True for the modes that take a TTL.</summary>
    public static bool IsTtl(this CreateMode mode) => mode is CreateMode.PersistentWithTtl or CreateMode.PersistentSequentialWithTtl;
}
