using ZkDiscovery.Configuration;

namespace Microsoft.Extensions.Configuration;

/// <summary>Adds ZooKeeper node properties to configuration.</summary>
public static class ZooKeeperConfigurationExtensions
{
    /// <summary>
    /// Adds the properties of the ZooKeeper node at <paramref name="path"/> as configuration, reloaded when they
    /// change. The connection string is <c>ZooKeeper:ConnectionString</c> from the configuration built so far, then
    /// the environment variable <c>ZOOKEEPER_CONNECTION_STRING</c>, then <c>127.0.0.1:2181</c>.
    /// </summary>
    /// <param name="builder">The configuration builder.</param>
    /// <param name="path">The node's absolute path; may go through symbolic links.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public static IConfigurationBuilder AddZooKeeper(this IConfigurationBuilder builder, string path) =>
        AddZooKeeper(builder, path, configure: null);

    /// <summary>
    /// Adds the properties of the ZooKeeper node at <paramref name="path"/> as configuration, with settings
    /// (connection, optional start, children, snapshot, reload) given by <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The configuration builder.</param>
    /// <param name="path">The node's absolute path; may go through symbolic links.</param>
    /// <param name="configure">Changes the source's settings; null keeps the defaults.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public static IConfigurationBuilder AddZooKeeper(this IConfigurationBuilder builder, string path, Action<ZooKeeperConfigurationSource>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var source = new ZooKeeperConfigurationSource { Path = path };
        configure?.Invoke(source);
        return builder.Add(source);
    }
}
