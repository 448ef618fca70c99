using ZkDiscovery.Discovery;

namespace ZkDiscovery.Hosting.Registration;

/// <summary>The Curator x-discovery registration layout's settings checks and defaults.</summary>
internal static class CuratorLayout
{
    /// <summary>Spring Cloud Zookeeper's default base path.</summary>
    public const string DefaultBasePath = "/services";

    public static string DefaultServicePath(string applicationName)
    {
        var name = string.IsNullOrWhiteSpace(applicationName) ? "app" : applicationName.Trim().Replace('/', '_');
        return DefaultBasePath + "/" + name;
    }

    /// <summary>The Curator service name: the last segment of the service path.</summary>
    public static string ServiceName(string servicePath) => servicePath[(servicePath.LastIndexOf('/') + 1)..];

    public static void Validate(ZooKeeperRegistrationOptions options, List<string> failures)
    {
        if (!Enum.IsDefined(options.Layout))
        {
            failures.Add($"ZooKeeper:Registration:Layout must be ZcZk or Curator (was {(int)options.Layout}).");
        }
        if (!Enum.IsDefined(options.CuratorPayload))
        {
            failures.Add($"ZooKeeper:Registration:CuratorPayload must be Spring or None (was {(int)options.CuratorPayload}).");
        }
        if (options.InstanceId is { } id)
        {
            if (options.Layout != ZooKeeperRegistrationLayout.Curator)
            {
                failures.Add("ZooKeeper:Registration:InstanceId is only used with ZooKeeper:Registration:Layout Curator.");
            }
            else if (string.IsNullOrWhiteSpace(id) || id.Trim() != id || id.Contains('/', StringComparison.Ordinal) || id is "." or ".." || id.Any(char.IsControl))
            {
                failures.Add($"ZooKeeper:Registration:InstanceId \"{id}\" cannot be a node name (no '/', no surrounding spaces, not empty).");
            }
        }
    }

    /// <summary>The instance to register for <paramref name="address"/>.</summary>
    public static CuratorServiceInstance CreateInstance(
        ZooKeeperRegistrationOptions options, string servicePath, string applicationName, string id, RegistrationAddress address, DateTimeOffset now)
    {
        var name = ServiceName(servicePath);
        var secure = string.Equals(address.Scheme, "https", StringComparison.OrdinalIgnoreCase);
        var payload = options.CuratorPayload == ZooKeeperCuratorPayload.None
            ? null
            : CuratorServiceInstance.CreateSpringPayload(
                string.IsNullOrWhiteSpace(applicationName) ? name : applicationName,
                name,
                [.. (options.Metadata ?? new Dictionary<string, string>())
                    .Where(static m => !string.Equals(m.Key, CuratorServiceInstance.InstanceStatusKey, StringComparison.Ordinal))
                    .OrderBy(static m => m.Key, StringComparer.Ordinal),
                 new(CuratorServiceInstance.InstanceStatusKey, CuratorServiceInstance.StatusUp)]);
        return new CuratorServiceInstance
        {
            Name = name,
            Id = id,
            Address = address.Host,
            Port = address.Port,
            // An https address: Curator's {scheme} becomes https; the port is the same (as Spring registers an https server).
            SslPort = secure ? address.Port : null,
            Payload = payload,
            RegistrationTimeUtc = now.ToUnixTimeMilliseconds(),
            ServiceType = CuratorServiceType.Dynamic,
            UriSpec = CuratorServiceInstance.DefaultUriSpec,
        };
    }

    /// <summary>The instance as it is while draining: <c>instance_status</c> OUT_OF_SERVICE (Spring payloads) and <c>enabled</c> false.</summary>
    public static CuratorServiceInstance OutOfService(CuratorServiceInstance instance)
    {
        var marked = instance.Payload is null ? instance : instance.WithInstanceStatus(CuratorServiceInstance.StatusOutOfService);
        return new CuratorServiceInstance
        {
            Name = marked.Name,
            Id = marked.Id,
            Address = marked.Address,
            Port = marked.Port,
            SslPort = marked.SslPort,
            Payload = marked.Payload,
            RegistrationTimeUtc = marked.RegistrationTimeUtc,
            ServiceType = marked.ServiceType,
            UriSpec = marked.UriSpec,
            Enabled = false,
        };
    }
}
