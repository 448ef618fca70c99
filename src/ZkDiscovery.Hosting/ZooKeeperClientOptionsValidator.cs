using Microsoft.Extensions.Options;

namespace ZkDiscovery.Hosting;

/// <summary>Validates <see cref="ZooKeeperClientOptions"/> bound from configuration, naming the configuration keys.</summary>
internal sealed class ZooKeeperClientOptionsValidator : IValidateOptions<ZooKeeperClientOptions>
{
    public ValidateOptionsResult Validate(string? name, ZooKeeperClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.GetValidationErrors();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Select(static e => "ZooKeeper:" + e));
    }
}
