using System.Text.Json.Nodes;

namespace ZkDiscovery.Discovery;

/// <summary>
/// Raised by <see cref="ServiceRegistrar.Registering"/> before the nodes of a registration are created: handlers may
/// add, change or remove <see cref="Properties"/>.
/// </summary>
public sealed class ServiceRegisteringEventArgs : EventArgs
{
    internal ServiceRegisteringEventArgs(string servicePath, IReadOnlyList<string> addresses, IDictionary<string, JsonNode?> properties)
    {
        ServicePath = servicePath;
        Addresses = addresses;
        Properties = properties;
    }

    /// <summary>The service path the nodes are created under.</summary>
    public string ServicePath { get; }

    /// <summary>The names (<c>HOST:PORT</c>) of the nodes about to be created.</summary>
    public IReadOnlyList<string> Addresses { get; }

    /// <summary>The properties the nodes will hold (<c>pid</c> and the caller's properties so far); change them freely.</summary>
    public IDictionary<string, JsonNode?> Properties { get; }
}
