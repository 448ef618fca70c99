using System.Text.Json.Nodes;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Discovery;

/// <summary>
/// One registration made by <see cref="ServiceRegistrar.RegisterAsync"/>: the ephemeral node(s) <c>SERVICEPATH/HOST:PORT</c>
/// and the properties they hold; or by <see cref="ServiceRegistrar.RegisterInstanceAsync"/>: the ephemeral node
/// <c>SERVICEPATH/ID</c> holding a Curator instance (<see cref="CuratorInstance"/>). The registrar re-creates the nodes,
/// with their latest data, whenever a new session starts after an expiry. Thread-safe.
/// </summary>
public sealed class ServiceRegistration : IAsyncDisposable
{
    private readonly ServiceRegistrar _registrar;
    private volatile NodeProperties _properties;
    private volatile CuratorServiceInstance? _instance;
    private volatile bool _isRegistered = true;

    internal ServiceRegistration(ServiceRegistrar registrar, string servicePath, IReadOnlyList<string> addresses, NodeProperties properties, IReadOnlyList<ZooKeeperAcl>? acl)
    {
        _registrar = registrar;
        ServicePath = servicePath;
        Addresses = addresses;
        Paths = [.. addresses.Select(a => ZooKeeperPath.Combine(servicePath, a))];
        _properties = properties;
        Acl = acl;
        AddressList = string.Join(", ", addresses);
    }

    internal ServiceRegistration(ServiceRegistrar registrar, string servicePath, CuratorServiceInstance instance, IReadOnlyList<ZooKeeperAcl>? acl)
        : this(registrar, servicePath, [instance.Id], NodeProperties.Empty, acl)
    {
        _instance = instance;
    }

    /// <summary>The service path the nodes are under.</summary>
    public string ServicePath { get; }

    /// <summary>
    /// The node names, <c>HOST:PORT</c>: one, or one per machine address for a wildcard host; for a Curator instance,
    /// its id.
    /// </summary>
    public IReadOnlyList<string> Addresses { get; }

    /// <summary>The full paths of the nodes, in the order of <see cref="Addresses"/>.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>The properties the nodes hold (the latest given to <see cref="UpdateAsync(IEnumerable{KeyValuePair{string, JsonNode}}, CancellationToken)"/>); empty for a Curator instance.</summary>
    public NodeProperties Properties => _properties;

    /// <summary>False once <see cref="UnregisterAsync"/> or <see cref="DisposeAsync"/> was called.</summary>
    public bool IsRegistered => _isRegistered;

    internal IReadOnlyList<ZooKeeperAcl>? Acl { get; }

    /// <summary>The addresses as one string, for log messages.</summary>
    internal string AddressList { get; }

    /// <summary>The Curator instance the node holds (the latest given to <see cref="UpdateAsync(CuratorServiceInstance, CancellationToken)"/>), or null for a zc.zk registration.</summary>
    public CuratorServiceInstance? CuratorInstance => _instance;

    internal byte[] Data => _instance is { } instance ? instance.ToBytes() : _properties.ToBytes();

    /// <summary>The data the nodes should hold now: the properties as JSON, or the Curator instance's JSON.</summary>
    /// <returns>A new array.</returns>
    public byte[] GetNodeData() => Data;

    /// <summary>
    /// Replaces the properties of the nodes (a <c>pid</c> is added when absent). The new data is also what the nodes
    /// are re-created with after a session expiry. <see cref="ServiceRegistrar.Registering"/> is not raised again.
    /// </summary>
    /// <param name="properties">The new properties.</param>
    /// <param name="cancellationToken">Abandons the wait (the update may still be applied).</param>
    /// <exception cref="ArgumentNullException"><paramref name="properties"/> is null.</exception>
    /// <exception cref="ArgumentException">A property name is null or appears twice.</exception>
    /// <exception cref="InvalidOperationException">The registration was removed.</exception>
    /// <exception cref="ZooKeeperException">Writing a node failed.</exception>
    /// <exception cref="ObjectDisposedException">The registrar or the client was disposed.</exception>
    /// <exception cref="InvalidOperationException">The registration was removed, or it is a Curator instance's.</exception>
    public Task UpdateAsync(IEnumerable<KeyValuePair<string, JsonNode?>> properties, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (_instance is not null)
        {
            throw new InvalidOperationException($"The registration {this} holds a Curator instance; update the instance instead.");
        }
        return _registrar.UpdateAsync(this, ServiceRegistrar.WithPid(properties), null, cancellationToken);
    }

    /// <summary>
    /// Replaces the Curator instance the node holds (for example with another <c>instance_status</c>); also what the node
    /// is re-created with after a session expiry. The id must stay the same.
    /// </summary>
    /// <param name="instance">The new instance.</param>
    /// <param name="cancellationToken">Abandons the wait (the update may still be applied).</param>
    /// <exception cref="ArgumentNullException"><paramref name="instance"/> is null.</exception>
    /// <exception cref="ArgumentException">The id differs from the registered one.</exception>
    /// <exception cref="InvalidOperationException">The registration was removed, or it is not a Curator instance's.</exception>
    /// <exception cref="ZooKeeperException">Writing the node failed.</exception>
    /// <exception cref="ObjectDisposedException">The registrar or the client was disposed.</exception>
    public Task UpdateAsync(CuratorServiceInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (_instance is not { } current)
        {
            throw new InvalidOperationException($"The registration {this} holds zc.zk properties, not a Curator instance.");
        }
        if (!string.Equals(current.Id, instance.Id, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The instance id cannot change (registered {current.Id}, given {instance.Id}).", nameof(instance));
        }
        return _registrar.UpdateAsync(this, null, instance, cancellationToken);
    }

    /// <summary>
    /// Writes the registration's current data to its nodes again, re-creating a missing node and replacing one another
    /// session holds; for repairs.
    /// </summary>
    /// <param name="cancellationToken">Abandons the wait (the write may still be applied).</param>
    /// <exception cref="InvalidOperationException">The registration was removed.</exception>
    /// <exception cref="ZooKeeperException">Writing a node failed.</exception>
    /// <exception cref="ObjectDisposedException">The registrar or the client was disposed.</exception>
    public Task RewriteAsync(CancellationToken cancellationToken = default) => _registrar.UpdateAsync(this, null, null, cancellationToken);

    /// <summary>Deletes the nodes (those this session owns) and stops re-creating them. Idempotent.</summary>
    /// <param name="cancellationToken">Abandons the wait (the deletion may still be applied).</param>
    /// <exception cref="ZooKeeperException">Deleting a node failed; the registration is removed anyway.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed (its ephemeral nodes are gone with its session).</exception>
    public Task UnregisterAsync(CancellationToken cancellationToken = default) => _registrar.UnregisterAsync(this, cancellationToken);

    /// <summary>Unregisters, logging rather than throwing a failure to delete the nodes. Idempotent.</summary>
    public ValueTask DisposeAsync() => _registrar.UnregisterQuietlyAsync(this);

    /// <inheritdoc/>
    public override string ToString() => $"{ServicePath}/{string.Join(",", Addresses)}{(IsRegistered ? "" : " (unregistered)")}";

    internal void SetProperties(NodeProperties properties) => _properties = properties;

    internal void SetInstance(CuratorServiceInstance instance) => _instance = instance;

    /// <summary>Marks the registration removed; false when it already was.</summary>
    internal bool MarkUnregistered()
    {
        var was = _isRegistered;
        _isRegistered = false;
        return was;
    }
}
