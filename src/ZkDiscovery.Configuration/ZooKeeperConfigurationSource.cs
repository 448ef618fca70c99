using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Configuration;

/// <summary>
/// A configuration source that reads the properties of a ZooKeeper node (and optionally its children) as
/// configuration keys, keeps them current with watches and keeps the last good data when ZooKeeper fails.
/// Added with <c>IConfigurationBuilder.AddZooKeeper(path, ...)</c>.
/// </summary>
/// <remarks>
/// Sources with the same connection string and credentials share one ZooKeeper session (one client, reference
/// counted, closed when the last provider is disposed).
/// </remarks>
public sealed class ZooKeeperConfigurationSource : IConfigurationSource
{
    /// <summary>The configuration key read for the connection string when <see cref="ConnectionString"/> is not set.</summary>
    public const string ConnectionStringKey = "ZooKeeper:ConnectionString";

    /// <summary>The configuration key read for the digest credentials when <see cref="DigestCredentials"/> is not set.</summary>
    public const string DigestCredentialsKey = "ZooKeeper:DigestCredentials";

    /// <summary>The configuration key read for <see cref="ConnectionName"/> when it is not set.</summary>
    public const string ConnectionNameKey = "ZooKeeper:ConnectionName";

    /// <summary>The environment variable read for the connection string when neither the source nor the configuration give one.</summary>
    public const string ConnectionStringEnvironmentVariable = "ZOOKEEPER_CONNECTION_STRING";

    /// <summary>The absolute path of the node whose properties become configuration; may go through symbolic links.</summary>
    public string Path { get; set; } = "/";

    /// <summary>
    /// The servers and optional chroot (<c>host1:2181,host2:2181/app</c>). When null: <c>ZooKeeper:ConnectionString</c>
    /// from the configuration built so far, then <c>ConnectionStrings:{ConnectionName}</c> (as an Aspire AppHost sets
    /// it), then the environment variable <c>ZOOKEEPER_CONNECTION_STRING</c>, then <c>127.0.0.1:2181</c>.
    /// </summary>
    /// <value>The default value is null.</value>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The name of the connection string (<c>ConnectionStrings:{name}</c>) used when neither <see cref="ConnectionString"/>
    /// nor <c>ZooKeeper:ConnectionString</c> is set. When null: <c>ZooKeeper:ConnectionName</c> from the configuration
    /// built so far, else <c>zookeeper</c>.
    /// </summary>
    /// <value>The default value is null.</value>
    public string? ConnectionName { get; set; }

    /// <summary>
    /// Digest credentials (<c>user:password</c>) for reading protected nodes. When null, <c>ZooKeeper:DigestCredentials</c>
    /// from the configuration built so far. Never logged.
    /// </summary>
    /// <value>The default value is null.</value>
    public string? DigestCredentials { get; set; }

    /// <summary>
    /// Whether the application may start without this source: when ZooKeeper cannot be reached, or the data is
    /// unusable, within <see cref="StartupTimeout"/>, or the node does not exist, the provider starts from the
    /// snapshot (<see cref="SnapshotPath"/>) if there is one, else with no keys, and loads when it can.
    /// </summary>
    /// <value>The default value is false: the first load throws.</value>
    public bool Optional { get; set; }

    /// <summary>Whether changes in ZooKeeper are watched and reloaded (no polling).</summary>
    /// <value>The default value is true.</value>
    public bool ReloadOnChange { get; set; } = true;

    /// <summary>
    /// Whether persistent child nodes become sections named after them (and their children, to
    /// <see cref="MaxChildDepth"/> levels); symbolic links of a node stand for children of that name. Ephemeral
    /// nodes (registrations) are skipped. A node's own properties win over a child section's key of the same name.
    /// </summary>
    /// <value>The default value is false.</value>
    public bool IncludeChildren { get; set; }

    /// <summary>
    /// How the nodes hold configuration: JSON properties on the node (zc.zk, the default) or one node per key (Spring
    /// Cloud Zookeeper Config: <c>/config/fooservice/server/port</c> = <c>8080</c> is <c>server:port</c>).
    /// </summary>
    /// <value>The default value is <see cref="ZooKeeperConfigurationLayout.Properties"/>.</value>
    public ZooKeeperConfigurationLayout Layout { get; set; } = ZooKeeperConfigurationLayout.Properties;

    /// <summary>
    /// With <see cref="ZooKeeperConfigurationLayout.NodePerKey"/>, a shared context read underneath <see cref="Path"/> with
    /// lower precedence, as Spring reads <c>/config/application</c> under <c>/config/{application}</c>; a missing shared
    /// context has no keys (and is watched). Null: none.
    /// </summary>
    /// <value>The default value is null.</value>
    public string? SharedPath { get; set; }

    /// <summary>
    /// How many levels of children <see cref="IncludeChildren"/> maps (1: direct children only); with
    /// <see cref="ZooKeeperConfigurationLayout.NodePerKey"/>, how many levels of nodes below <see cref="Path"/> are keys.
    /// </summary>
    /// <value>The default value is 10.</value>
    public int MaxChildDepth { get; set; } = 10;

    /// <summary>
    /// The configuration section the keys go under (<c>Services:Foo</c> makes property <c>threads</c> the key
    /// <c>Services:Foo:threads</c>); null or empty puts them at the root.
    /// </summary>
    /// <value>The default value is null.</value>
    public string? KeyPrefix { get; set; }

    /// <summary>
    /// A local file that keeps the last good data (a JSON object of keys and values), written atomically after
    /// every load that changed it. Used at startup when ZooKeeper cannot be read and the source is
    /// <see cref="Optional"/> (or <see cref="ZooKeeperLoadExceptionContext.Ignore"/> is set). Null: no snapshot.
    /// </summary>
    /// <value>The default value is null.</value>
    public string? SnapshotPath { get; set; }

    /// <summary>How long the first load waits for a connection and a good read before it fails (or, when optional, gives up waiting).</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long to wait after a change before reading, so that a burst of changes (an import touching many nodes)
    /// makes one reload; the wait restarts while changes keep coming, up to ten times this delay.
    /// </summary>
    /// <value>The default value is 250 milliseconds.</value>
    public TimeSpan ReloadDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Called when a load fails: at startup (set <see cref="ZooKeeperLoadExceptionContext.Ignore"/> to start anyway)
    /// and on reloads (the last good data is kept). It runs on the provider's loop; exceptions it throws on reloads
    /// are logged.
    /// </summary>
    /// <value>The default value is null.</value>
    public Action<ZooKeeperLoadExceptionContext>? OnLoadException { get; set; }

    /// <summary>
    /// What happens to the keys when the node is deleted after it was loaded: kept (the default, loudly logged) or
    /// removed. See <see cref="ZooKeeperNodeDeletedBehavior"/>.
    /// </summary>
    /// <value>The default value is <see cref="ZooKeeperNodeDeletedBehavior.KeepLastValues"/>.</value>
    public ZooKeeperNodeDeletedBehavior NodeDeletedBehavior { get; set; }

    /// <summary>
    /// Where the provider (and the shared client it creates) logs. Configuration is built before DI exists, so when this
    /// is null the provider keeps its log events (a bounded number) until the hosting integration of ZkDiscovery.Hosting
    /// (<c>AddZooKeeper()</c>, <c>AddZooKeeperRegistration()</c>, discovery) hands it the host's logging when the host
    /// starts; they are written there then, in order, once.
    /// </summary>
    /// <value>The default value is null: the host's logging once the host starts; nothing without the hosting integration.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The clock for delays and timeouts.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Creates the provider; the connection string is resolved here (see <see cref="ConnectionString"/>).</summary>
    /// <param name="builder">The builder this source belongs to.</param>
    /// <returns>A <see cref="ZooKeeperConfigurationProvider"/>.</returns>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var path = Validate();
        var connectionString = ConnectionString;
        var digest = DigestCredentials;
        if (string.IsNullOrWhiteSpace(connectionString) || digest is null)
        {
            var (configuredConnectionString, configuredDigest, namedConnectionString) = ReadEarlierConfiguration(builder);
            connectionString = !string.IsNullOrWhiteSpace(connectionString) ? connectionString
                : !string.IsNullOrWhiteSpace(configuredConnectionString) ? configuredConnectionString
                : !string.IsNullOrWhiteSpace(namedConnectionString) ? namedConnectionString
                : Environment.GetEnvironmentVariable(ConnectionStringEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
                : ZooKeeperDefaults.ConnectionString;
            digest ??= string.IsNullOrEmpty(configuredDigest) ? null : configuredDigest;
        }
        ZooKeeperConnectionString.Parse(connectionString);
        return new ZooKeeperConfigurationProvider(this, path, connectionString.Trim(), digest);
    }

    private string Validate()
    {
        string path;
        try
        {
            path = NodeLinks.NormalizePath(Path ?? throw new ArgumentException("The ZooKeeper configuration path is not set.", nameof(Path)));
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"The ZooKeeper configuration path is invalid: {ex.Message}", nameof(Path), ex);
        }
        if (!Enum.IsDefined(Layout))
        {
            throw new ArgumentException($"{nameof(Layout)} must be {nameof(ZooKeeperConfigurationLayout.Properties)} or {nameof(ZooKeeperConfigurationLayout.NodePerKey)} (was {(int)Layout}).", nameof(Layout));
        }
        if (!string.IsNullOrEmpty(SharedPath))
        {
            if (Layout != ZooKeeperConfigurationLayout.NodePerKey)
            {
                throw new ArgumentException($"{nameof(SharedPath)} is only used with {nameof(Layout)} {nameof(ZooKeeperConfigurationLayout.NodePerKey)}.", nameof(SharedPath));
            }
            try
            {
                NodeLinks.NormalizePath(SharedPath);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"The ZooKeeper configuration {nameof(SharedPath)} is invalid: {ex.Message}", nameof(SharedPath), ex);
            }
        }
        if (MaxChildDepth < 1)
        {
            throw new ArgumentException($"{nameof(MaxChildDepth)} must be at least 1.", nameof(MaxChildDepth));
        }
        if (StartupTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(StartupTimeout)} must be positive.", nameof(StartupTimeout));
        }
        if (ReloadDelay < TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(ReloadDelay)} must not be negative.", nameof(ReloadDelay));
        }
        if (NodeDeletedBehavior is not (ZooKeeperNodeDeletedBehavior.KeepLastValues or ZooKeeperNodeDeletedBehavior.RemoveKeys))
        {
            throw new ArgumentException($"{nameof(NodeDeletedBehavior)} {NodeDeletedBehavior} is not a known value.", nameof(NodeDeletedBehavior));
        }
        ArgumentNullException.ThrowIfNull(TimeProvider);
        return path;
    }

    /// <summary>The ZooKeeper settings in the configuration built before this source (other ZooKeeper sources left out).</summary>
    private (string? ConnectionString, string? Digest, string? NamedConnectionString) ReadEarlierConfiguration(IConfigurationBuilder builder)
    {
        if (builder is IConfiguration configuration)
        {
            // ConfigurationManager: it holds what was added so far.
            return Read(configuration);
        }
        var index = builder.Sources.IndexOf(this);
        var earlier = new ConfigurationBuilder();
        foreach (var source in index >= 0 ? builder.Sources.Take(index) : builder.Sources)
        {
            if (source is not ZooKeeperConfigurationSource)
            {
                earlier.Add(source);
            }
        }
        if (earlier.Sources.Count == 0)
        {
            return (null, null, null);
        }
        var root = earlier.Build();
        try
        {
            return Read(root);
        }
        finally
        {
            (root as IDisposable)?.Dispose();
        }

        (string?, string?, string?) Read(IConfiguration configuration)
        {
            var name = !string.IsNullOrWhiteSpace(ConnectionName) ? ConnectionName
                : configuration[ConnectionNameKey] is { Length: > 0 } configuredName ? configuredName
                : ZooKeeperDefaults.ConnectionName;
            return (configuration[ConnectionStringKey], configuration[DigestCredentialsKey], configuration.GetConnectionString(name));
        }
    }
}
