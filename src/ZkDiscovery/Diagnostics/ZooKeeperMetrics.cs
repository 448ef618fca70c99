using System.Diagnostics;
using System.Diagnostics.Metrics;
using ZkDiscovery.Protocol;

namespace ZkDiscovery.Diagnostics;

/// <summary>
/// The instruments of the <c>ZkDiscovery</c> meter. Names follow OpenTelemetry conventions; durations are in seconds.
/// Recording is skipped cheaply when no listener is attached.
/// </summary>
internal sealed class ZooKeeperMetrics : IDisposable
{
    public const string MeterName = "ZkDiscovery";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _expirations;
    private readonly Counter<long> _watchEvents;

    public ZooKeeperMetrics(IMeterFactory? meterFactory)
    {
        var version = typeof(ZooKeeperMetrics).Assembly.GetName().Version?.ToString();
        if (meterFactory is not null)
        {
            _meter = meterFactory.Create(MeterName, version);
        }
        else
        {
            _meter = new Meter(MeterName, version);
            _ownsMeter = true;
        }
        _requests = _meter.CreateCounter<long>("zookeeper.client.requests", "{request}", "Requests completed, by operation.");
        _errors = _meter.CreateCounter<long>("zookeeper.client.errors", "{request}", "Requests that failed, by operation and error code.");
        _duration = _meter.CreateHistogram<double>("zookeeper.client.request.duration", "s", "Time from queueing a request to its reply.");
        _reconnects = _meter.CreateCounter<long>("zookeeper.client.reconnects", "{connection}", "Connections re-established within a session.");
        _expirations = _meter.CreateCounter<long>("zookeeper.client.session.expirations", "{session}", "Sessions the server expired.");
        _watchEvents = _meter.CreateCounter<long>("zookeeper.client.watch.events", "{event}", "Watch notifications received, by event type.");
    }

    public bool RequestsEnabled => _requests.Enabled || _duration.Enabled || _errors.Enabled;

    public void RequestCompleted(OpCode op, int err, long queuedTimestamp)
    {
        var opName = OperationName(op);
        if (_requests.Enabled)
        {
            _requests.Add(1, new KeyValuePair<string, object?>("zookeeper.operation", opName));
        }
        if (err != 0 && _errors.Enabled)
        {
            _errors.Add(1, new KeyValuePair<string, object?>("zookeeper.operation", opName), new KeyValuePair<string, object?>("error.type", ErrorName(err)));
        }
        if (_duration.Enabled && queuedTimestamp != 0)
        {
            _duration.Record(Stopwatch.GetElapsedTime(queuedTimestamp).TotalSeconds, new KeyValuePair<string, object?>("zookeeper.operation", opName));
        }
    }

    public void RequestFailed(OpCode op, ZooKeeperErrorCode code)
    {
        if (_errors.Enabled)
        {
            _errors.Add(1, new KeyValuePair<string, object?>("zookeeper.operation", OperationName(op)), new KeyValuePair<string, object?>("error.type", ErrorName((int)code)));
        }
    }

    public void Reconnected() => _reconnects.Add(1);

    public void SessionExpired() => _expirations.Add(1);

    public void WatchEvent(WatchEventType type)
    {
        if (_watchEvents.Enabled)
        {
            _watchEvents.Add(1, new KeyValuePair<string, object?>("zookeeper.event", EventName(type)));
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    internal static string OperationName(OpCode op) => op switch
    {
        OpCode.Create or OpCode.Create2 or OpCode.CreateContainer or OpCode.CreateTtl => "create",
        OpCode.Delete => "delete",
        OpCode.Exists => "exists",
        OpCode.GetData => "get_data",
        OpCode.SetData => "set_data",
        OpCode.GetAcl => "get_acl",
        OpCode.SetAcl => "set_acl",
        OpCode.GetChildren or OpCode.GetChildren2 => "get_children",
        OpCode.Sync => "sync",
        OpCode.Multi => "multi",
        OpCode.MultiRead => "multi_read",
        OpCode.SetWatches or OpCode.SetWatches2 => "set_watches",
        OpCode.AddWatch => "add_watch",
        OpCode.RemoveWatches => "remove_watches",
        OpCode.GetEphemerals => "get_ephemerals",
        OpCode.GetAllChildrenNumber => "get_all_children_number",
        OpCode.WhoAmI => "who_am_i",
        OpCode.CloseSession => "close_session",
        OpCode.Ping => "ping",
        OpCode.Auth => "auth",
        _ => "other",
    };

    internal static string ErrorName(int err) => err switch
    {
        -101 => "NoNode",
        -110 => "NodeExists",
        -103 => "BadVersion",
        -111 => "NotEmpty",
        -102 => "NoAuth",
        -4 => "ConnectionLoss",
        -112 => "SessionExpired",
        _ => ((ZooKeeperErrorCode)err).ToString(),
    };

    private static string EventName(WatchEventType type) => type switch
    {
        WatchEventType.NodeCreated => "created",
        WatchEventType.NodeDeleted => "deleted",
        WatchEventType.NodeDataChanged => "data_changed",
        WatchEventType.NodeChildrenChanged => "children_changed",
        _ => "other",
    };
}
