using Microsoft.Extensions.Logging;

namespace ZkDiscovery.Configuration;

/// <summary>
/// A configuration provider that reads ZooKeeper, as the hosting integration and status pages see it. Implemented by
/// <c>ZooKeeperConfigurationProvider</c> (package ZkDiscovery.Configuration); ZkDiscovery.Hosting finds every one in
/// the app's configuration (<c>IConfigurationRoot.Providers</c>) to send its log to the host's logging and to report
/// its health, without depending on the configuration package.
/// </summary>
/// <remarks>Implementations are thread-safe.</remarks>
public interface IZooKeeperConfigurationProvider
{
    /// <summary>The ZooKeeper path the provider reads (normalised).</summary>
    string Path { get; }

    /// <summary>Where the provider's data comes from now.</summary>
    ZooKeeperConfigurationStatus Status { get; }

    /// <summary>Describes the provider now: status, times, last error and where each key comes from.</summary>
    /// <returns>A snapshot that does not change afterwards.</returns>
    ZooKeeperConfigurationReport GetReport();

    /// <summary>
    /// Sends the provider's log to <paramref name="loggerFactory"/> from now on. What the provider logged before
    /// (configuration is built before the host's logging exists: the first load, a snapshot used at start-up, early
    /// failures) is written there first, in order, once. Has no effect when the provider was given a logger factory of
    /// its own, or while another attachment is active.
    /// </summary>
    /// <param name="loggerFactory">The host's logger factory.</param>
    /// <returns>Disposing it stops logging to <paramref name="loggerFactory"/> (call it before that factory is disposed).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="loggerFactory"/> is null.</exception>
    IDisposable AttachLogging(ILoggerFactory loggerFactory);
}
