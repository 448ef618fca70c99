using Microsoft.Extensions.Options;

namespace ZkDiscovery.Hosting.Registration;

internal sealed class ZooKeeperRegistrationOptionsValidator : IValidateOptions<ZooKeeperRegistrationOptions>
{
    public ValidateOptionsResult Validate(string? name, ZooKeeperRegistrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.ServicePath is { } path)
        {
            try
            {
                ZooKeeperPath.Validate(path);
                if (path == "/")
                {
                    failures.Add("ZooKeeper:Registration:ServicePath must not be the root.");
                }
            }
            catch (ArgumentException ex)
            {
                failures.Add($"ZooKeeper:Registration:ServicePath \"{path}\" is invalid: {ex.Message}");
            }
        }
        if (options.AdvertisedPort is { } port && port is < 1 or > 65535)
        {
            failures.Add($"ZooKeeper:Registration:AdvertisedPort must be between 1 and 65535 (was {port}).");
        }
        if (options.AdvertisedHost is { } host && (host.Contains('/', StringComparison.Ordinal) || string.IsNullOrWhiteSpace(host)))
        {
            failures.Add($"ZooKeeper:Registration:AdvertisedHost \"{host}\" is not a host name or address.");
        }
        foreach (var address in options.Addresses ?? [])
        {
            if (!AddressSelector.TryParseAddress(address, out _))
            {
                failures.Add($"ZooKeeper:Registration:Addresses: \"{address}\" is not an absolute URI with a host and a port, like http://10.0.0.5:8080.");
            }
        }
        CuratorLayout.Validate(options, failures);
        if (options.DrainDelay < TimeSpan.Zero)
        {
            failures.Add($"ZooKeeper:Registration:DrainDelay must not be negative (was {options.DrainDelay}).");
        }
        if (options.RetryDelay <= TimeSpan.Zero)
        {
            failures.Add($"ZooKeeper:Registration:RetryDelay must be positive (was {options.RetryDelay}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
