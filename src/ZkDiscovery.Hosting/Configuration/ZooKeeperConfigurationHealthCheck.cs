using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ZkDiscovery.Configuration;

namespace ZkDiscovery.Hosting.Configuration;

/// <summary>
/// Reports the ZooKeeper configuration providers of the app's configuration: Healthy when every one serves what
/// ZooKeeper holds (or there is none); Degraded when one serves its last good data or its snapshot (the description
/// names the path and the last error), or an optional one has no data yet; the registration's failure status
/// (Unhealthy by default) when a required one has never loaded. Data: each path's status and last error.
/// </summary>
internal sealed class ZooKeeperConfigurationHealthCheck(IConfiguration? configuration) : IHealthCheck
{
    public const string Name = "zookeeper-configuration";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failureStatus = context?.Registration.FailureStatus ?? HealthStatus.Unhealthy;
        var providers = ZooKeeperConfigurationProviders.Find(configuration);
        if (providers.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("No ZooKeeper configuration providers."));
        }
        var worst = HealthStatus.Healthy;
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var problems = new StringBuilder();
        foreach (var report in providers.Select(static p => p.GetReport()))
        {
            var (status, text) = report.Status switch
            {
                ZooKeeperConfigurationStatus.Current => (HealthStatus.Healthy, "current"),
                ZooKeeperConfigurationStatus.Stale => (HealthStatus.Degraded, $"serving the last good values from {Format(report.LastGoodDataTime)}"),
                ZooKeeperConfigurationStatus.Snapshot => (HealthStatus.Degraded, $"serving the snapshot from {Format(report.LastGoodDataTime)}"),
                _ when report.IsOptional => (HealthStatus.Degraded, "optional, not loaded yet (no keys)"),
                _ => (failureStatus, "required, never loaded (no keys)"),
            };
            data[report.Path] = report.Status.ToString();
            if (report.LastError is { } error)
            {
                data[report.Path + " error"] = error;
            }
            if (status != HealthStatus.Healthy)
            {
                problems.Append(problems.Length == 0 ? "" : " ").Append(report.Path).Append(": ").Append(text)
                    .Append(report.LastError is { } e ? " (" + e.TrimEnd('.') + ")." : ".");
            }
            if (status < worst)
            {
                worst = status;
            }
        }
        var description = worst == HealthStatus.Healthy
            ? $"{providers.Count} ZooKeeper configuration provider(s) current."
            : problems.ToString();
        return Task.FromResult(new HealthCheckResult(worst, description, data: data));
    }

    private static string Format(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "an unknown time";
}
