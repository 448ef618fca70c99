using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ZkDiscovery.IntegrationTests.Chaos;

/// <summary>
/// TCP forwarders on 127.0.0.1, one per ensemble member, that a client connects through so the test can cut the
/// client off the ensemble while the ensemble itself stays healthy: a network partition.
/// </summary>
/// <remarks>
/// <see cref="Partition"/> black-holes traffic: open connections stay open but nothing is forwarded (the client only
/// notices through its read timeout, the server only through missing pings), and new connections are accepted and
/// then ignored. <see cref="Heal"/> closes every connection that existed during the partition (their byte streams are
/// broken) and forwards new ones again. A member that is down makes the proxy close the client's connection at once.
/// </remarks>
internal sealed class PartitionProxy : IAsyncDisposable
{
    private readonly Route[] _routes;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Link, byte> _links = new();
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
            var link = new Link(client);
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
                    link.PumpAsync(link.Client, link.Server!, () => proxy._partitioned, cancellationToken),
                    link.PumpAsync(link.Server!, link.Client, () => proxy._partitioned, cancellationToken));
            }
            finally
            {
                link.Close();
                proxy._links.TryRemove(link, out _);
            }
        }
    }

    private sealed class Link(Socket client)
    {
        private int _closed;

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

        public async Task PumpAsync(Socket from, Socket to, Func<bool> partitioned, CancellationToken cancellationToken)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }
                    if (partitioned())
                    {
                        continue; // Black hole: the bytes are lost; Heal closes this connection.
                    }
                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken);
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
            Close();
        }

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
