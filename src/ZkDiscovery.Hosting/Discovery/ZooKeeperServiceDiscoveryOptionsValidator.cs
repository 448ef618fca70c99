using System.Globalization;
using Microsoft.Extensions.Options;

namespace ZkDiscovery.Hosting.Discovery;

internal sealed class ZooKeeperServiceDiscoveryOptionsValidator : IValidateOptions<ZooKeeperServiceDiscoveryOptions>
{
    public ValidateOptionsResult Validate(string? name, ZooKeeperServiceDiscoveryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        try
        {
            var sample = string.Format(CultureInfo.InvariantCulture, options.ServicePathFormat ?? "", "service");
            if (!ZooKeeperPath.IsValid(sample))
            {
                failures.Add($"ZooKeeper:Discovery:ServicePathFormat \"{options.ServicePathFormat}\" does not make a valid path.");
            }
        }
        catch (FormatException)
        {
            failures.Add($"ZooKeeper:Discovery:ServicePathFormat \"{options.ServicePathFormat}\" is not a valid format (use {{0}} for the service name).");
        }
        foreach (var (service, path) in options.Services ?? new Dictionary<string, string>())
        {
            if (!ZooKeeperPath.IsValid(path))
            {
                failures.Add($"ZooKeeper:Discovery:Services:{service}: \"{path}\" is not a valid ZooKeeper path.");
            }
        }
        if (options.InitialLoadTimeout <= TimeSpan.Zero)
        {
            failures.Add($"ZooKeeper:Discovery:InitialLoadTimeout must be positive (was {options.InitialLoadTimeout}).");
        }
        if (options.UnusedServiceTimeout < TimeSpan.Zero && options.UnusedServiceTimeout != Timeout.InfiniteTimeSpan)
        {
            failures.Add($"ZooKeeper:Discovery:UnusedServiceTimeout must be zero or more, or infinite (-00:00:00.001) (was {options.UnusedServiceTimeout}).");
        }
        if (options.MaxConnectAttempts is < 1 or > 100)
        {
            failures.Add($"ZooKeeper:Discovery:MaxConnectAttempts must be between 1 and 100 (was {options.MaxConnectAttempts}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
