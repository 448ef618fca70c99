namespace ZkDiscovery.Testing;

/// <summary>
/// Settings for <see cref="ZooKeeperTestServer"/> (and, through <see cref="ZooKeeperTestEnsembleOptions"/>,
/// for <see cref="ZooKeeperTestEnsemble"/>). All servers listen on 127.0.0.1 only, on ports chosen at run time.
/// </summary>
public class ZooKeeperTestServerOptions
{
    /// <summary>The JVM flags used unless <see cref="JvmOptions"/> is changed: a small heap, serial GC, C1 only.</summary>
    public static IReadOnlyList<string> DefaultJvmOptions { get; } =
        ["-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData"];

    /// <summary>
    /// Gets or sets the server tick. Default 200 ms: sessions may then last 400 ms (2 ticks) up to
    /// <see cref="MaxSessionTimeout"/>, and expiry is checked every tick.
    /// </summary>
    public TimeSpan TickTime { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets the shortest session timeout the server grants; <see langword="null"/> (default) = 2 ticks.</summary>
    public TimeSpan? MinSessionTimeout { get; set; }

    /// <summary>
    /// Gets or sets the longest session timeout the server grants. Default 30 s, so tests may ask for long sessions;
    /// <see langword="null"/> = the server default of 20 ticks.
    /// </summary>
    public TimeSpan? MaxSessionTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets extra lines appended to <c>zoo.cfg</c> (for example <c>authProvider.1=...</c>). Later lines win.
    /// </summary>
    public IList<string> ExtraConfigLines { get; } = new List<string>();

    /// <summary>
    /// Gets extra JVM system properties passed as <c>-Dkey=value</c>, for example
    /// <c>zookeeper.DigestAuthenticationProvider.superDigest</c> or <c>zookeeper.extendedTypesEnabled</c>.
    /// </summary>
    public IDictionary<string, string> SystemProperties { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Gets extra class path entries (jars or directories) appended to the installation's class path, for example
    /// <c>/usr/share/java/netty-codec.jar</c>, which <c>NettyServerCnxnFactory</c> (and so a TLS
    /// <c>secureClientPort</c>) needs and which <c>zookeeper.jar</c>'s manifest does not pull in.
    /// </summary>
    public IList<string> AdditionalClassPath { get; } = new List<string>();

    /// <summary>Gets the JVM flags; initially <see cref="DefaultJvmOptions"/>.</summary>
    public IList<string> JvmOptions { get; } = new List<string>(DefaultJvmOptions);

    /// <summary>
    /// Gets or sets how long to wait for a server (or an ensemble's quorum, or a leader) to serve. Default 60 s.
    /// </summary>
    public TimeSpan ReadinessTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets the directory holding configuration, data and logs. <see langword="null"/> (default): a fresh
    /// directory under the system temp directory, deleted on dispose. When set, the directory must not be shared
    /// with another server; it is created if missing and kept on dispose.
    /// </summary>
    public string? BaseDirectory { get; set; }

    /// <summary>
    /// Gets or sets the slf4j-simple level written to the server log (<c>zookeeper.log</c>) when the class path
    /// uses slf4j-simple: <c>error</c>, <c>warn</c> (default), <c>info</c>, <c>debug</c>.
    /// </summary>
    public string LogLevel { get; set; } = "warn";

    /// <summary>Gets or sets Java and the class path to use; <see langword="null"/> (default) = <see cref="ZooKeeperInstallation.Locate()"/>.</summary>
    public ZooKeeperInstallation? Installation { get; set; }

    internal virtual void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TickTime, TimeSpan.Zero, nameof(TickTime));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReadinessTimeout, TimeSpan.Zero, nameof(ReadinessTimeout));
        if (MinSessionTimeout is { } min)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(min, TimeSpan.Zero, nameof(MinSessionTimeout));
        }

        if (MaxSessionTimeout is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(max, TimeSpan.Zero, nameof(MaxSessionTimeout));
            if (MinSessionTimeout is { } min2 && min2 > max)
            {
                throw new ArgumentException("MinSessionTimeout must not exceed MaxSessionTimeout.", nameof(MinSessionTimeout));
            }
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(LogLevel, nameof(LogLevel));
    }
}
