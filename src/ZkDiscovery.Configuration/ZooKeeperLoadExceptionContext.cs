namespace ZkDiscovery.Configuration;

/// <summary>
/// Describes a failed load of a <see cref="ZooKeeperConfigurationProvider"/>, for
/// <see cref="ZooKeeperConfigurationSource.OnLoadException"/>.
/// </summary>
public sealed class ZooKeeperLoadExceptionContext
{
    internal ZooKeeperLoadExceptionContext(ZooKeeperConfigurationProvider provider, Exception exception, bool isStartup, bool ignore)
    {
        Provider = provider;
        Exception = exception;
        IsStartup = isStartup;
        Ignore = ignore;
    }

    /// <summary>The provider that failed to load.</summary>
    public ZooKeeperConfigurationProvider Provider { get; }

    /// <summary>The configured ZooKeeper path.</summary>
    public string Path => Provider.Path;

    /// <summary>What went wrong: its message names the path (and the servers when they could not be reached).</summary>
    public Exception Exception { get; }

    /// <summary>
    /// True for the first load (from <c>IConfigurationBuilder.Build()</c>), where an exception not ignored is thrown;
    /// false for a reload after a change, which never throws and keeps the last good data.
    /// </summary>
    public bool IsStartup { get; }

    /// <summary>
    /// At startup, set to true to start anyway (from the snapshot if there is one, else with no keys) and keep
    /// trying in the background; when false, the first load throws <see cref="Exception"/>. Ignored on reloads.
    /// </summary>
    /// <value>Initially <see cref="ZooKeeperConfigurationSource.Optional"/>.</value>
    public bool Ignore { get; set; }
}
