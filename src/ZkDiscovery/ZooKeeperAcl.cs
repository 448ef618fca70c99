namespace ZkDiscovery;

/// <summary>The permissions an ACL entry grants.</summary>
[Flags]
public enum Permissions
{
    /// <summary>No permission.</summary>
    None = 0,
    /// <summary>Read the node's data and list its children.</summary>
    Read = 1,
    /// <summary>Set the node's data.</summary>
    Write = 2,
    /// <summary>Create children.</summary>
    Create = 4,
    /// <summary>Delete children.</summary>
    Delete = 8,
    /// <summary>Set the node's ACL.</summary>
    Admin = 16,
    /// <summary>Every permission.</summary>
    All = Read | Write | Create | Delete | Admin,
}

/// <summary>One entry of a node's access control list: <paramref name="Permissions"/> for the identity <paramref name="Scheme"/>:<paramref name="Id"/>.</summary>
/// <param name="Permissions">What the identity may do.</param>
/// <param name="Scheme">The authentication scheme: <c>world</c>, <c>auth</c>, <c>digest</c>, <c>ip</c>, <c>sasl</c>, <c>x509</c>.</param>
/// <param name="Id">The identity within the scheme, e.g. <c>anyone</c> or <c>alice:BASE64(SHA1(alice:secret))</c>.</param>
public sealed record ZooKeeperAcl(Permissions Permissions, string Scheme, string Id)
{
    /// <summary>Everyone may do everything: <c>[ALL world:anyone]</c>.</summary>
    public static IReadOnlyList<ZooKeeperAcl> OpenUnsafe { get; } = [new(Permissions.All, "world", "anyone")];

    /// <summary>Everyone may read: <c>[READ world:anyone]</c>.</summary>
    public static IReadOnlyList<ZooKeeperAcl> ReadUnsafe { get; } = [new(Permissions.Read, "world", "anyone")];

    /// <summary>Every identity the creating session has authenticated as may do everything: <c>[ALL auth:]</c>.</summary>
    public static IReadOnlyList<ZooKeeperAcl> CreatorAll { get; } = [new(Permissions.All, "auth", "")];

    /// <inheritdoc/>
    public override string ToString() => $"{Scheme}:{Id}:{Permissions}";
}
