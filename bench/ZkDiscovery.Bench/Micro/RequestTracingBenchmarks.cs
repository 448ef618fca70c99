using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using ZkDiscovery.Connection;
using ZkDiscovery.Diagnostics;
using ZkDiscovery.Protocol;
using ZkDiscovery.Testing;

namespace ZkDiscovery.Bench.Micro;

/// <summary>
/// What a request's client span costs, with nobody listening to the <c>ZkDiscovery</c> activity source (the default:
/// the target is no allocation and no measurable time), with a listener that samples every span out, and with one
/// that records every span (an <see cref="ActivityListener"/> that does nothing with them: the cost of the span itself,
/// not of an exporter).
/// </summary>
/// <remarks>
/// <para>
/// <see cref="ClientRequestPath"/> is the client's own work for one getData, without the network: the request object,
/// the tracing hook of <c>SessionDriver.Enqueue</c>, the one of <c>ZooKeeperConnection.Serialize</c>, the reply parsed
/// into it as the read loop does, and <c>Publish</c> (which ends the span) as the completion queue does.
/// </para>
/// <para>
/// <see cref="GetDataRoundTrip"/> is a whole <c>GetDataAsync</c> on a connected client against a real standalone
/// ZooKeeper that the setup starts (ZkDiscovery.Testing; needs the installed server, as the integration tests do).
/// Its time is the loopback round trip and the server's work; its allocation column counts every thread's allocations,
/// so it shows what a span adds to a real request.
/// </para>
/// </remarks>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes the listener, client and server.
public class RequestTracingBenchmarks
#pragma warning restore CA1001
{
    private const string Path = "/bench-tracing";
    private readonly ZooKeeperHost _host = new("127.0.0.1", 2181);
    private ActivityListener? _listener;
    private RequestContext _context = null!;
    private byte[] _reply = null!;
    private ZooKeeperTestServer? _server;
    private ZooKeeperClient? _client;

    /// <summary>Who listens to the <c>ZkDiscovery</c> source.</summary>
    public enum Listening
    {
        /// <summary>Nobody (an app without OpenTelemetry, or one that did not add the source).</summary>
        None,

        /// <summary>A listener whose sampler drops every span.</summary>
        SampledOut,

        /// <summary>A listener that records every span.</summary>
        Recorded,
    }

    [Params(Listening.None, Listening.SampledOut, Listening.Recorded)]
    public Listening Listener { get; set; }

    [GlobalSetup(Targets = [nameof(ClientRequestPath), nameof(ClientRequestPathWithoutHooks)])]
    public void SetupClientPath()
    {
        _context = new RequestContext(null, new WatchManager());
        // A getData reply body as the server sends it: header, 100 bytes of data, Stat.
        using var w = new JuteWriter(256);
        w.WriteInt(42);
        w.WriteLong(0x1_0000_0123L);
        w.WriteInt(0);
        w.WriteBuffer(Enumerable.Repeat((byte)'x', 100).ToArray());
        for (var i = 0; i < 4; i++)
        {
            w.WriteLong(0x1_0000_0001L + i);
        }
        w.WriteInt(7);
        w.WriteInt(0);
        w.WriteInt(0);
        w.WriteLong(0);
        w.WriteInt(100);
        w.WriteInt(0);
        w.WriteLong(0x1_0000_0002L);
        _reply = w.WrittenSpan.ToArray();
        StartListener();
    }

    [GlobalSetup(Target = nameof(GetDataRoundTrip))]
    public void SetupRoundTrip()
    {
        _server = ZooKeeperTestServer.StartAsync().GetAwaiter().GetResult();
        _client = ZooKeeperClient.ConnectAsync(_server.ConnectionString).GetAwaiter().GetResult();
        _client.CreateAsync(Path, new byte[100]).GetAwaiter().GetResult();
        StartListener();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener?.Dispose();
        _client?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>One getData's client-side work, network left out, with the span hooks exactly where the client has them.</summary>
    [Benchmark]
    public int ClientRequestPath()
    {
        var request = new GetDataRequest(Path, null);
        // SessionDriver.Enqueue
        request.QueuedTimestamp = Stopwatch.GetTimestamp();
        if (ZooKeeperActivitySource.Source.HasListeners())
        {
            RequestTracing.Start(request);
        }
        // ZooKeeperConnection.Serialize
        if (request.Activity is { } activity)
        {
            RequestTracing.Sent(activity, _host, 0x1234);
        }
        // The read loop: the reply into the request.
        var reader = new JuteReader(_reply);
        var header = ReplyHeader.Read(ref reader);
        request.Complete(header, ref reader, _context);
        // The completion queue.
        request.Publish();
        return request.Task.GetAwaiter().GetResult().Data.Length;
    }

    /// <summary>
    /// The same work without the two hooks of the queue and the writer (what the client did before it had spans;
    /// <c>Publish</c> keeps its null check): the difference to <see cref="ClientRequestPath"/> with nobody listening
    /// is the whole cost of tracing when it is off.
    /// </summary>
    [Benchmark]
    public int ClientRequestPathWithoutHooks()
    {
        var request = new GetDataRequest(Path, null);
        request.QueuedTimestamp = Stopwatch.GetTimestamp();
        var reader = new JuteReader(_reply);
        var header = ReplyHeader.Read(ref reader);
        request.Complete(header, ref reader, _context);
        request.Publish();
        return request.Task.GetAwaiter().GetResult().Data.Length;
    }

    /// <summary>A whole GetDataAsync against the real server.</summary>
    [Benchmark]
    public int GetDataRoundTrip() => _client!.GetDataAsync(Path).GetAwaiter().GetResult().Data.Length;

    private void StartListener()
    {
        if (Listener == Listening.None)
        {
            return;
        }
        var result = Listener == Listening.Recorded ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ZooKeeperTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => result,
            ActivityStopped = static _ => { },
        };
        ActivitySource.AddActivityListener(_listener);
    }
}
