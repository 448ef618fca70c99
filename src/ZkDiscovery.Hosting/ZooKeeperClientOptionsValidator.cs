using Microsoft.Extensions.Options;

namespace ZkDiscovery.Hosting;

/// <summary>Validates <see cref="ZooKeeperClientOptions"/> bound from configuration, naming the configuration keys.</summary>
internal sealed class ZooKeeperClientOptionsValidator : IValidateOptions<ZooKeeperClientOptions>
{
    public ValidateOptionsResult Validate(string? name, ZooKeeperClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("ZooKeeper:ConnectionString is empty.");
        }
        else
        {
            try
            {
                _ = ZooKeeperConnectionString.Parse(options.ConnectionString);
            }
            catch (FormatException ex)
            {
                failures.Add($"ZooKeeper:ConnectionString is invalid: {ex.Message}");
            }
        }
        if (options.SessionTimeout <= TimeSpan.Zero)
        {
            failures.Add($"ZooKeeper:SessionTimeout must be positive (was {options.SessionTimeout}).");
        }
        if (options.ConnectTimeout is { } connect && connect <= TimeSpan.Zero)
        {
            failures.Add($"ZooKeeper:ConnectTimeout must be positive (was {connect}).");
        }
        if (options.MaxReconnectDelay < TimeSpan.Zero)
        {
            failures.Add($"ZooKeeper:MaxReconnectDelay must not be negative (was {options.MaxReconnectDelay}).");
        }
        if (options.MaxFrameSize < 1024)
        {
            failures.Add($"ZooKeeper:MaxFrameSize must be at least 1024 (was {options.MaxFrameSize}).");
        }
        if (options.DigestCredentials is { } digest && digest.IndexOf(':', StringComparison.Ordinal) <= 0)
        {
            // Never echo the value: it holds a password.
            failures.Add("ZooKeeper:DigestCredentials must be written user:password.");
        }
        if (options.Retry is null)
        {
            failures.Add("ZooKeeper:Retry must not be null.");
        }
        else
        {
            if (options.Retry.MaxRetryAttempts is < 0 or > 100)
            {
                failures.Add($"ZooKeeper:Retry:MaxRetryAttempts must be between 0 and 100 (was {options.Retry.MaxRetryAttempts}).");
            }
            if (options.Retry.BaseDelay < TimeSpan.Zero || options.Retry.MaxDelay < TimeSpan.Zero)
            {
                failures.Add("ZooKeeper:Retry:BaseDelay and MaxDelay must not be negative.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
