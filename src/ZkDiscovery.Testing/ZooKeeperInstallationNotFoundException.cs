namespace ZkDiscovery.Testing;

/// <summary>
/// Thrown when Java or the ZooKeeper server jars cannot be found. The message says how to install them.
/// </summary>
public sealed class ZooKeeperInstallationNotFoundException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public ZooKeeperInstallationNotFoundException()
        : this("ZooKeeper was not found. " + ZooKeeperInstallation.InstallHint)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is missing and how to install it.</param>
    public ZooKeeperInstallationNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is missing and how to install it.</param>
    /// <param name="innerException">The cause.</param>
    public ZooKeeperInstallationNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
