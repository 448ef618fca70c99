using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ZkDiscovery.TestSupport;

/// <summary>
/// TCP forwarders on 127.0.0.1, one per ensemble member, that a client connects through so the test can cut the
/// client off the ensemble while the ensemble itself stays healthy: a network partition.
/// </summary>
/// <remarks>
/// <see cref="Partition"/> black-holes traffic: open connections stay open but nothing is forwarded (the client only
/// notices through its read timeout, the server only through missing pings), and new connections are accepted and
/// then ignored. <see cref="Heal"/> closes every connection that existed during the partition (their byte streams are
/// broken) and forwards new ones again. A member that is down makes the proxy close the client's connection at once.
/// <see cref="CutOn"/> breaks one connection at a chosen request instead: the proxy follows the ZooKeeper framing
/// (4-byte big-endian lengths) both ways and forwards whole frames; a stream that is not ZooKeeper framing (TLS, for
/// one) is passed through as it comes, without cuts.
/// </remarks>
internal sealed class PartitionProxy : IAsyncDisposable
{
    private readonly Route[] _routes;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly object _faultsLock = new();
    private volatile RequestFault[] _faults = [];
    private volatile bool _partitioned;

    private PartitionProxy(IReadOnlyList<int> targetPorts)
    {
        _routes = targetPorts.Select(port => new Route(this, port)).ToArray();
    }

    /// <summary>The connection string naming the proxy's ports, in member order.</summary>
    public string ConnectionString => string.Join(',', _routes.Select(r => "127.0.0.1:" + r.ListenPort.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Connections forwarded so far.</summary>
    public int Accepted => _routes.Sum(r => r.Accepted);

    public static PartitionProxy Start(IReadOnlyList<int> targetPorts)
    {
        var proxy = new PartitionProxy(targetPorts);
        foreach (var route in proxy._routes)
        {
            route.Start(proxy._stop.Token);
        }
        return proxy;
    }

    /// <summary>The target (member) port behind a <c>127.0.0.1:PROXYPORT</c> server name, or null.</summary>
    public int? TargetPortOf(string? server) =>
        _routes.FirstOrDefault(r => server is not null && server.EndsWith(":" + r.ListenPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))?.TargetPort;

    public void Partition() => _partitioned = true;

    /// <summary>
    /// Arms a fault for the next <paramref name="times"/> requests (client to server, after the session handshake)
    /// that <paramref name="match"/> accepts, on any connection: each breaks its connection as <paramref name="how"/>
    /// says. The client reconnects through the proxy as after any network failure (unless
    /// <paramref name="thenPartition"/>, which calls <see cref="Partition"/> before the connection is closed, so the
    /// client stays cut off until <see cref="Heal"/>). Faults armed together are tried in the order they were armed.
    /// A <see cref="RequestCut.LoseReply"/> cut is done when the reply comes back (lost if the connection ends first).
    /// </summary>
    /// <param name="match">Chooses the request; called on the proxy's pump, so it must be quick and must not block.</param>
    /// <param name="how">Whether the request reaches the server before the connection is closed.</param>
    /// <param name="times">How many matching requests are cut; the fault is spent afterwards.</param>
    /// <param name="thenPartition">Whether the proxy partitions the client off once the connection is cut.</param>
    /// <returns>The fault; its <see cref="RequestFault.Done"/> completes after the last cut.</returns>
    public RequestFault CutOn(Func<ProxiedRequest, bool> match, RequestCut how, int times = 1, bool thenPartition = false)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        var fault = new RequestFault(match, how, times, thenPartition);
        lock (_faultsLock)
        {
            _faults = [.. _faults, fault];
        }
        return fault;
    }

    public void Heal()
    {
        foreach (var link in _links.Keys)
        {
            link.Close();
        }
        _partitioned = false;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var route in _routes)
        {
            route.Dispose();
        }
        foreach (var link in _links.Keys)
        {
            link.Close();
        }
        _stop.Dispose();
    }

    private sealed class Route(PartitionProxy proxy, int targetPort) : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private int _accepted;

        public int TargetPort { get; } = targetPort;

        public int ListenPort => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Accepted => Volatile.Read(ref _accepted);

        public void Start(CancellationToken cancellationToken)
        {
            _listener.Start();
            _ = AcceptLoopAsync(cancellationToken);
        }

        public void Dispose() => _listener.Dispose();

        private async Task AcceptLoopAsync(CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptSocketAsync(cancellationToken);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                client.NoDelay = true;
                Interlocked.Increment(ref _accepted);
                _ = ServeAsync(client, cancellationToken);
            }
        }

        private async Task ServeAsync(Socket client, CancellationToken cancellationToken)
        {
            var link = new Link(proxy, client);
            proxy._links.TryAdd(link, 0);
            try
            {
                if (proxy._partitioned)
                {
                    // Accepted but never answered: the client's handshake times out, as behind a dropped route.
                    await link.DrainAsync(cancellationToken);
                    return;
                }
                if (!await link.ConnectAsync(TargetPort, cancellationToken))
                {
                    return; // Member down: the client sees its connection closed at once.
                }
                await Task.WhenAll(
                    link.PumpAsync(fromClient: true, cancellationToken),
                    link.PumpAsync(fromClient: false, cancellationToken));
            }
            finally
            {
                link.Close();
                proxy._links.TryRemove(link, out _);
            }
        }
    }

    private sealed class Link(PartitionProxy proxy, Socket client)
    {
        /// <summary>Longer "frames" mean the stream is not ZooKeeper framing (a TLS record header reads as about 369 MB).</summary>
        private const int MaxFrameLength = 16 << 20;

        private int _closed;
        private RequestFault? _replyFault;
        private ProxiedRequest? _replyRequest;

        public Socket Client { get; } = client;

        public Socket? Server { get; private set; }

        public async Task<bool> ConnectAsync(int port, CancellationToken cancellationToken)
        {
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            Server = server;
            try
            {
                await server.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                return Volatile.Read(ref _closed) == 0;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                return false;
            }
        }

        public async Task DrainAsync(CancellationToken cancellationToken)
        {
            var buffer = new byte[4096];
            try
            {
                while (await Client.ReceiveAsync(buffer, SocketFlags.None, cancellationToken) > 0)
                {
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        /// <summary>
        /// Forwards one direction frame by frame (a partial frame waits for the rest), asking the armed faults about
        /// each request and swallowing the reply a <see cref="RequestCut.LoseReply"/> fault waits for. The first frame
        /// each way is the session handshake. While partitioned the bytes are lost.
        /// </summary>
        public async Task PumpAsync(bool fromClient, CancellationToken cancellationToken)
        {
            var from = fromClient ? Client : Server!;
            var to = fromClient ? Server! : Client;
            var buffer = new byte[64 * 1024];
            var count = 0;
            var framed = true;
            var handshake = true;
            try
            {
                while (true)
                {
                    if (count == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2); // a frame longer than the buffer
                    }
                    var read = await from.ReceiveAsync(buffer.AsMemory(count), SocketFlags.None, cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }
                    if (proxy._partitioned)
                    {
                        continue; // Black hole: the bytes are lost; Heal closes this connection.
                    }
                    count += read;
                    var forward = count;
                    (RequestFault Fault, ProxiedRequest Request)? cut = null;
                    if (framed)
                    {
                        forward = 0;
                        while (count - forward >= 4)
                        {
                            var length = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(forward));
                            if (length is < 0 or > MaxFrameLength)
                            {
                                framed = false; // Not ZooKeeper framing: pass everything through from here on.
                                forward = count;
                                break;
                            }
                            if (count - forward - 4 < length)
                            {
                                break;
                            }
                            var frame = buffer.AsSpan(forward + 4, length);
                            if (!handshake && (fromClient ? OnRequest(frame) : OnReply(frame)) is { } fault)
                            {
                                cut = fault;
                                break; // the frames before this one go; this one does not
                            }
                            handshake = false;
                            forward += 4 + length;
                        }
                    }
                    if (forward > 0)
                    {
                        await to.SendAsync(buffer.AsMemory(0, forward), SocketFlags.None, cancellationToken);
                    }
                    if (cut is { } c)
                    {
                        if (c.Fault.ThenPartition)
                        {
                            proxy.Partition(); // before the close, so the client's next connection is already cut off
                        }
                        Close();
                        c.Fault.OnCut(c.Request);
                        return;
                    }
                    buffer.AsSpan(forward, count - forward).CopyTo(buffer);
                    count -= forward;
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
            Close();
        }

        /// <summary>A request on its way to the server: the fault that cuts the connection before it, or null to forward it.</summary>
        private (RequestFault, ProxiedRequest)? OnRequest(ReadOnlySpan<byte> frame)
        {
            if (frame.Length < 8)
            {
                return null;
            }
            var request = ProxiedRequest.Parse(frame);
            foreach (var fault in proxy._faults)
            {
                if (!fault.TryClaim(request))
                {
                    continue;
                }
                if (fault.How == RequestCut.DropRequest)
                {
                    return (fault, request);
                }
                // Set before the request is forwarded, so the reply cannot come first.
                _replyRequest = request;
                Volatile.Write(ref _replyFault, fault);
                return null;
            }
            return null;
        }

        /// <summary>A reply on its way to the client: the fault that cuts the connection before it, or null to forward it.</summary>
        private (RequestFault, ProxiedRequest)? OnReply(ReadOnlySpan<byte> frame) =>
            Volatile.Read(ref _replyFault) is { } fault && frame.Length >= 4 && BinaryPrimitives.ReadInt32BigEndian(frame) == _replyRequest!.Xid
                ? (fault, _replyRequest)
                : null;

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return;
            }
            Client.Dispose();
            Server?.Dispose();
        }
    }
}

/// <summary>How <see cref="PartitionProxy.CutOn"/> breaks the connection of a matching request.</summary>
internal enum RequestCut
{
    /// <summary>The request never reaches the server: the connection is closed instead of forwarding it.</summary>
    DropRequest,

    /// <summary>
    /// The request reaches the server and takes effect; its reply is swallowed and the connection closed when it
    /// comes back, so the client cannot tell whether the request was applied.
    /// </summary>
    LoseReply,
}

/// <summary>A request as the proxy saw it on its way to the server.</summary>
/// <param name="Xid">The request's xid.</param>
/// <param name="OpCode">The operation (see <see cref="ProxiedRequest"/>'s constants).</param>
/// <param name="Path">The path the request names (with the chroot, as sent), or null for operations that name none.</param>
internal sealed record ProxiedRequest(int Xid, int OpCode, string? Path)
{
    public const int Create = 1;
    public const int Delete = 2;
    public const int Exists = 3;
    public const int GetData = 4;
    public const int SetData = 5;
    public const int GetChildren = 8;
    public const int GetChildren2 = 12;
    public const int Create2 = 15;
    public const int CreateContainer = 19;
    public const int CreateTtl = 21;

    /// <summary>Whether the request creates a node (any create operation) under <paramref name="parent"/>.</summary>
    public bool IsCreateUnder(string parent) =>
        OpCode is Create or Create2 or CreateContainer or CreateTtl && Path is not null && Path.StartsWith(parent + "/", StringComparison.Ordinal);

    /// <summary>Whether the request reads the children of <paramref name="path"/>.</summary>
    public bool IsGetChildrenOf(string path) => OpCode is GetChildren or GetChildren2 && Path == path;

    /// <summary>Reads the header (xid, type) and, for the operations whose body starts with one, the path.</summary>
    public static ProxiedRequest Parse(ReadOnlySpan<byte> frame)
    {
        var xid = BinaryPrimitives.ReadInt32BigEndian(frame);
        var opCode = BinaryPrimitives.ReadInt32BigEndian(frame[4..]);
        string? path = null;
        // create, delete, exists, getData, setData, getACL, setACL, getChildren, sync, getChildren2, check, create2,
        // checkWatches, removeWatches, createContainer, createTTL, getEphemerals, getAllChildrenNumber, addWatch.
        if (opCode is (>= 1 and <= 9) or 12 or 13 or 15 or 17 or 18 or 19 or 21 or 103 or 104 or 106 && frame.Length >= 12)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(frame[8..]);
            if (length >= 0 && length <= frame.Length - 12)
            {
                path = Encoding.UTF8.GetString(frame.Slice(12, length));
            }
        }
        return new ProxiedRequest(xid, opCode, path);
    }
}

/// <summary>A fault armed by <see cref="PartitionProxy.CutOn"/>: which requests it cuts, how, and the cuts so far.</summary>
internal sealed class RequestFault
{
    private readonly Func<ProxiedRequest, bool> _match;
    private readonly TaskCompletionSource<IReadOnlyList<ProxiedRequest>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<ProxiedRequest> _cut = [];
    private readonly int _times;
    private int _claims;

    internal RequestFault(Func<ProxiedRequest, bool> match, RequestCut how, int times, bool thenPartition)
    {
        _match = match;
        How = how;
        _times = times;
        ThenPartition = thenPartition;
    }

    public RequestCut How { get; }

    public bool ThenPartition { get; }

    /// <summary>Completes, with the requests cut in order, once the fault has cut as many connections as it was armed for.</summary>
    public Task<IReadOnlyList<ProxiedRequest>> Done => _done.Task;

    /// <summary>The requests cut so far, in order.</summary>
    public IReadOnlyList<ProxiedRequest> CutSoFar
    {
        get
        {
            lock (_cut)
            {
                return [.. _cut];
            }
        }
    }

    /// <summary>Takes one of the fault's cuts for <paramref name="request"/> if it matches and the fault is not spent.</summary>
    internal bool TryClaim(ProxiedRequest request)
    {
        if (Volatile.Read(ref _claims) >= _times || !_match(request))
        {
            return false;
        }
        return Interlocked.Increment(ref _claims) <= _times;
    }

    /// <summary>Records a cut done (the connection is closed).</summary>
    internal void OnCut(ProxiedRequest request)
    {
        lock (_cut)
        {
            _cut.Add(request);
            if (_cut.Count == _times)
            {
                _done.TrySetResult([.. _cut]);
            }
        }
    }
}
