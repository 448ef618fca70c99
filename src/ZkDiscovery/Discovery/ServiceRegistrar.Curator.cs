namespace ZkDiscovery.Discovery;

public sealed partial class ServiceRegistrar
{
    /// <summary>
    /// Registers a server in Apache Curator x-discovery's layout (what Spring Cloud Zookeeper reads): creates the
    /// ephemeral node <c>SERVICEPATH/ID</c> holding <paramref name="instance"/> as Curator's JSON, and keeps it registered
    /// (re-created after a session expiry, replaced when another session holds it) until the registration is removed.
    /// </summary>
    /// <param name="servicePath">
    /// The service's node, <c>{basePath}/{name}</c>, e.g. <c>/services/fooservice</c>; created (persistent) when missing.
    /// </param>
    /// <param name="instance">The instance; its <see cref="CuratorServiceInstance.Id"/> names the node. Must be <see cref="CuratorServiceType.Dynamic"/>.</param>
    /// <param name="options">The ACL (<see cref="ServiceRegistrationOptions.AdvertisedHost"/> is not used: the instance has its address); defaults when null.</param>
    /// <param name="cancellationToken">Abandons the registration (a node already created is removed).</param>
    /// <returns>The registration, its node created; <see cref="ServiceRegistration.Addresses"/> holds the instance id.</returns>
    /// <remarks><see cref="Registering"/> is not raised: the instance is the data.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="servicePath"/> or <paramref name="instance"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The service path or the id cannot make a node path, or the instance is not <see cref="CuratorServiceType.Dynamic"/>
    /// (only ephemeral instances belong to a session).
    /// </exception>
    /// <exception cref="InvalidOperationException">The node is already registered by this registrar.</exception>
    /// <exception cref="ZooKeeperException">Creating the node failed, e.g. <see cref="NoAuthException"/> on the service path.</exception>
    /// <exception cref="ObjectDisposedException">The registrar or the client was disposed.</exception>
    public async Task<ServiceRegistration> RegisterInstanceAsync(
        string servicePath,
        CuratorServiceInstance instance,
        ServiceRegistrationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ZooKeeperPath.Validate(servicePath);
        ArgumentNullException.ThrowIfNull(instance);
        if (instance.ServiceType != CuratorServiceType.Dynamic)
        {
            throw new ArgumentException($"Only DYNAMIC (ephemeral) instances can be registered; {instance.Id} is {CuratorServiceInstance.FormatServiceType(instance.ServiceType)}.", nameof(instance));
        }
        if (instance.Id.Contains('/', StringComparison.Ordinal) || instance.Id is "." or "..")
        {
            throw new ArgumentException($"The instance id \"{instance.Id}\" cannot be a node name.", nameof(instance));
        }
        ZooKeeperPath.Validate(ZooKeeperPath.Combine(servicePath, instance.Id));

        var registration = new ServiceRegistration(this, servicePath, instance, options?.Acl);
        await AddAsync(registration, cancellationToken).ConfigureAwait(false);
        Log.Registered(_logger, servicePath, registration.AddressList, _client.SessionId);
        return registration;
    }
}
