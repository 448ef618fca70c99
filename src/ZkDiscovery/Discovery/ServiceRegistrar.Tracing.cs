using System.Diagnostics;
using ZkDiscovery.Diagnostics;

namespace ZkDiscovery.Discovery;

public sealed partial class ServiceRegistrar
{
    /// <summary>
    /// Starts an internal span of the registrar (<c>zookeeper.register</c> or <c>zookeeper.reregister</c>) as the
    /// ambient activity of the calling async method, so that the client spans of its requests are its children;
    /// null when nobody listens.
    /// </summary>
    private static Activity? StartActivity(string name, ServiceRegistration registration)
    {
        var activity = ZooKeeperActivitySource.Source.StartActivity(name, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(ZooKeeperActivitySource.ServicePathTag, registration.ServicePath);
            activity.SetTag(ZooKeeperActivitySource.AddressesTag, registration.Addresses.ToArray());
        }
        return activity;
    }

    /// <summary>Records the session that now owns the nodes.</summary>
    private void TraceRegistered(Activity? activity)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(ZooKeeperActivitySource.SessionIdTag, ZooKeeperActivitySource.FormatSessionId(_client.SessionId));
        }
    }

    private static void TraceFailed(Activity? activity, Exception error)
    {
        if (activity is not null)
        {
            ZooKeeperActivitySource.SetError(activity, error);
        }
    }
}
