using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ZkDiscovery.Hosting;

/// <summary>
/// Reports the shared client's session: connected = Healthy, suspended or connecting (or read-only) = Degraded,
/// expired, closed or auth failed = the registration's failure status (Unhealthy by default).
/// </summary>
internal sealed class ZooKeeperHealthCheck(ZooKeeperClient client) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = client.State;
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["state"] = state.ToString(),
            ["sessionId"] = "0x" + client.SessionId.ToString("x", System.Globalization.CultureInfo.InvariantCulture),
            ["server"] = client.ConnectedServer ?? "",
        };
        var result = state switch
        {
            ConnectionState.Connected => HealthCheckResult.Healthy("Connected to ZooKeeper.", data),
            ConnectionState.Suspended => HealthCheckResult.Degraded("The ZooKeeper connection is lost; reconnecting (the session may still be alive).", data: data),
            ConnectionState.Connecting => HealthCheckResult.Degraded("Connecting to ZooKeeper.", data: data),
            ConnectionState.ConnectedReadOnly => HealthCheckResult.Degraded("Connected to a read-only ZooKeeper server (quorum lost).", data: data),
            _ => new HealthCheckResult(context?.Registration.FailureStatus ?? HealthStatus.Unhealthy, $"ZooKeeper session {state}.", data: data),
        };
        return Task.FromResult(result);
    }
}
