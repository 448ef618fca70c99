namespace ZkDiscovery.Testing;

/// <summary>
/// Thrown when a test server or ensemble does not come up (it exited, or was not serving within the
/// readiness timeout). The message ends with the tail of the server's log.
/// </summary>
public sealed class ZooKeeperTestServerException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public ZooKeeperTestServerException()
        : this("The ZooKeeper test server failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, with the tail of the server log.</param>
    public ZooKeeperTestServerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, with the tail of the server log.</param>
    /// <param name="innerException">The cause.</param>
    public ZooKeeperTestServerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
