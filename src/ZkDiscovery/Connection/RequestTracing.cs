using System.Diagnostics;
using System.Runtime.CompilerServices;
using ZkDiscovery.Diagnostics;
using ZkDiscovery.Protocol;

namespace ZkDiscovery.Connection;

/// <summary>
/// The client span of a request: started when the request is queued (in the caller's context, so the caller's
/// activity is its parent), given the server and session when it is written, and stopped when its outcome is
/// published, just before the caller's continuation runs. The request carries it in <see cref="IRequest.Activity"/>.
/// </summary>
/// <remarks>
/// Nothing here runs unless a listener is subscribed to the <c>ZkDiscovery</c> source: the queue checks
/// <see cref="ActivitySource.HasListeners"/> and every later step checks the request's activity for null. A started
/// span never becomes <see cref="Activity.Current"/> outside this class: the caller's ambient activity is put back
/// at once, so that pipelined requests from one caller are siblings, and stopping a span leaves the publishing
/// thread's ambient activity as it was.
/// </remarks>
internal static class RequestTracing
{
    /// <summary>Starts the span of <paramref name="request"/> when the source is sampled in. Pings have none.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Start(IRequest request)
    {
        if (request.OpCode == OpCode.Ping)
        {
            return;
        }
        var ambient = Activity.Current;
        var name = ZooKeeperMetrics.OperationName(request.OpCode);
        var activity = ZooKeeperActivitySource.Source.StartActivity(name, ActivityKind.Client);
        if (activity is null)
        {
            return;
        }
        Activity.Current = ambient;
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(ZooKeeperActivitySource.OperationTag, name);
            if (request.Path is { } path)
            {
                activity.SetTag(ZooKeeperActivitySource.PathTag, path);
            }
        }
        request.Activity = activity;
    }

    /// <summary>Records where the request went: called by the writer as it writes the request on a connection.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Sent(Activity activity, ZooKeeperHost server, long sessionId)
    {
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(ZooKeeperActivitySource.ServerAddressTag, server.Host);
            activity.SetTag(ZooKeeperActivitySource.ServerPortTag, server.Port);
            activity.SetTag(ZooKeeperActivitySource.SessionIdTag, ZooKeeperActivitySource.FormatSessionId(sessionId));
        }
    }

    /// <summary>Ends the span with the request's outcome: failed when <paramref name="error"/> is set.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Stop(Activity activity, Exception? error)
    {
        if (error is not null)
        {
            ZooKeeperActivitySource.SetError(activity, error);
        }
        // Stop() makes the span's parent the ambient activity of this thread; the publisher runs no caller code
        // itself, so it keeps whatever it had.
        var ambient = Activity.Current;
        activity.Stop();
        Activity.Current = ambient;
    }
}
