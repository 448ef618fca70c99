using System.Diagnostics;

namespace ZkDiscovery.Diagnostics;

/// <summary>
/// The <c>ZkDiscovery</c> activity source (named after the assembly, with its version) and the span and attribute
/// names it uses. Spans are created only when a listener subscribed to the source and sampled them in:
/// <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null otherwise.
/// </summary>
internal static class ZooKeeperActivitySource
{
    public const string Name = ZooKeeperTelemetry.ActivitySourceName;

    // Span names of the registrar (internal spans); request spans are named after the operation (ZooKeeperMetrics.OperationName).
    public const string RegisterSpan = "zookeeper.register";
    public const string ReregisterSpan = "zookeeper.reregister";

    // Attributes: OpenTelemetry's general names where one fits, ZooKeeper's own under "zookeeper.".
    public const string OperationTag = "zookeeper.operation";
    public const string PathTag = "zookeeper.path";
    public const string SessionIdTag = "zookeeper.session.id";
    public const string ServerAddressTag = "server.address";
    public const string ServerPortTag = "server.port";
    public const string ErrorTypeTag = "error.type";
    public const string ServicePathTag = "zookeeper.service.path";
    public const string AddressesTag = "zookeeper.registration.addresses";

    public static ActivitySource Source { get; } = new(Name, typeof(ZooKeeperActivitySource).Assembly.GetName().Version?.ToString());

    /// <summary>The session id as the logs write it: <c>0x</c> and lower-case hex.</summary>
    public static string FormatSessionId(long sessionId) => "0x" + sessionId.ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Marks <paramref name="activity"/> failed: status Error with the exception's message, and <c>error.type</c> the
    /// ZooKeeper error code's name (<c>NoNode</c>, <c>ConnectionLoss</c>...) or, for other failures, the exception's type.
    /// </summary>
    public static void SetError(Activity activity, Exception error)
    {
        activity.SetStatus(ActivityStatusCode.Error, error.Message);
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(ErrorTypeTag, ErrorType(error));
        }
    }

    public static string ErrorType(Exception error) => error is ZooKeeperException z
        ? ZooKeeperMetrics.ErrorName((int)z.Code)
        : error.GetType().FullName ?? error.GetType().Name;
}
