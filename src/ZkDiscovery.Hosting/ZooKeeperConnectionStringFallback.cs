using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ZkDiscovery.Hosting;

/// <summary>
/// Takes the client's connection string from <c>ConnectionStrings:{ConnectionName}</c> (what an Aspire AppHost's
/// <c>WithReference(...)</c> sets) when neither <c>ZooKeeper:ConnectionString</c> nor code set one.
/// </summary>
internal sealed class ZooKeeperConnectionStringFallback(IConfiguration? configuration = null) : IPostConfigureOptions<ZooKeeperClientOptions>
{
    public void PostConfigure(string? name, ZooKeeperClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (configuration is null
            || !string.IsNullOrWhiteSpace(configuration["ZooKeeper:ConnectionString"])
            || !string.Equals(options.ConnectionString, ZooKeeperDefaults.ConnectionString, StringComparison.Ordinal)
            || string.IsNullOrWhiteSpace(options.ConnectionName))
        {
            return;
        }
        if (configuration.GetConnectionString(options.ConnectionName) is { Length: > 0 } connectionString && !string.IsNullOrWhiteSpace(connectionString))
        {
            options.ConnectionString = connectionString.Trim();
        }
    }
}
