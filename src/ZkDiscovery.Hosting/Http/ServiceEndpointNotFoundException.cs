namespace ZkDiscovery.Hosting.Http;

/// <summary>Thrown by the HttpClient integration when a service has no live endpoint in ZooKeeper.</summary>
public sealed class ServiceEndpointNotFoundException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="serviceName">The service that was asked for.</param>
    /// <param name="servicePath">The path its endpoints are looked for under.</param>
    /// <param name="isStale">Whether the (empty) list may be out of date because ZooKeeper is not connected.</param>
    public ServiceEndpointNotFoundException(string serviceName, string servicePath, bool isStale)
        : base($"No live endpoint of service \"{serviceName}\": {servicePath} in ZooKeeper has no registered providers"
            + (isStale ? " (and ZooKeeper is not connected, so the list may be out of date)." : "."))
    {
        ServiceName = serviceName;
        ServicePath = servicePath;
        IsStale = isStale;
    }

    /// <summary>Creates the exception with a message.</summary>
    public ServiceEndpointNotFoundException()
        : this("(unknown)", "(unknown)", false)
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public ServiceEndpointNotFoundException(string message)
        : base(message)
    {
        ServiceName = ServicePath = "(unknown)";
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ServiceEndpointNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
        ServiceName = ServicePath = "(unknown)";
    }

    /// <summary>The service that was asked for.</summary>
    public string ServiceName { get; }

    /// <summary>The path its endpoints are looked for under.</summary>
    public string ServicePath { get; }

    /// <summary>Whether ZooKeeper was not connected, so the empty list may be out of date.</summary>
    public bool IsStale { get; }
}
