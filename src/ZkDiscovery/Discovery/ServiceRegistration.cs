using System.Text.Json.Nodes;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Discovery;

/// <summary>
/// One registration made by <see cref="ServiceRegistrar.RegisterAsync"/>: the ephemeral node(s) <c>SERVICEPATH/HOST:PORT</c>
/// and the properties they hold. The registrar re-creates the nodes, with their latest properties, whenever a new
/// session starts after an expiry. Thread-safe.
/// </summary>
public sealed class ServiceRegistration : IAsyncDisposable
{
    private readonly ServiceRegistrar _registrar;
    private volatile NodeProperties _properties;
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

    /// <summary>The service path the nodes are under.</summary>
    public string ServicePath { get; }

    /// <summary>The node names, <c>HOST:PORT</c>: one, or one per machine address for a wildcard host.</summary>
    public IReadOnlyList<string> Addresses { get; }

    /// <summary>The full paths of the nodes, in the order of <see cref="Addresses"/>.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>The properties the nodes hold (the latest given to <see cref="UpdateAsync"/>).</summary>
    public NodeProperties Properties => _properties;

    /// <summary>False once <see cref="UnregisterAsync"/> or <see cref="DisposeAsync"/> was called.</summary>
    public bool IsRegistered => _isRegistered;

    internal IReadOnlyList<ZooKeeperAcl>? Acl { get; }

    /// <summary>The addresses as one string, for log messages.</summary>
    internal string AddressList { get; }

    internal byte[] Data => _properties.ToBytes();

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
    public Task UpdateAsync(IEnumerable<KeyValuePair<string, JsonNode?>> properties, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(properties);
        return _registrar.UpdateAsync(this, ServiceRegistrar.WithPid(properties), cancellationToken);
    }

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

    /// <summary>Marks the registration removed; false when it already was.</summary>
    internal bool MarkUnregistered()
    {
        var was = _isRegistered;
        _isRegistered = false;
        return was;
    }
}
