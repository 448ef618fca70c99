using System.Security.Cryptography;
using System.Text;
using ZkDiscovery.Testing;

namespace ZkDiscovery.TestSupport;

/// <summary>
/// Server settings shared by every integration test: tick 200 ms (sessions 400 ms to 30 s), TTL/container
/// node types enabled, and a digest super user that may read and delete anything (for cleanup of ACL tests).
/// </summary>
public static class ZooKeeperTestDefaults
{
    /// <summary>User name of the super user (authenticate with scheme <c>digest</c>, <c>super:password</c>).</summary>
    public const string SuperUser = "super";

    /// <summary>Password of the super user.</summary>
    public const string SuperPassword = "zkdiscovery-super";

    /// <summary>Gets the credentials to pass to <c>addauth digest</c>: <c>super:zkdiscovery-super</c>.</summary>
    public static string SuperCredentials => SuperUser + ":" + SuperPassword;

    /// <summary>Creates options for a standalone server.</summary>
    public static ZooKeeperTestServerOptions CreateServerOptions() => Apply(new ZooKeeperTestServerOptions());

    /// <summary>Creates options for a 3-member ensemble.</summary>
    public static ZooKeeperTestEnsembleOptions CreateEnsembleOptions() => Apply(new ZooKeeperTestEnsembleOptions());

    private static T Apply<T>(T options)
        where T : ZooKeeperTestServerOptions
    {
        options.SystemProperties["zookeeper.DigestAuthenticationProvider.superDigest"] = SuperUser + ":" + DigestOf(SuperCredentials);
        options.SystemProperties["zookeeper.extendedTypesEnabled"] = "true";
        return options;
    }

    // ZooKeeper's digest scheme: BASE64(SHA1("user:password")). SHA-1 is what the server uses, not our choice.
#pragma warning disable CA5350
    private static string DigestOf(string credentials) => Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(credentials)));
#pragma warning restore CA5350
}
