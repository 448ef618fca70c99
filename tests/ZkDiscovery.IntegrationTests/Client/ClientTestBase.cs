using System.Collections.Concurrent;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Client;

/// <summary>Helpers for client tests on the shared server: a unique root per test, clients disposed at the end.</summary>
public abstract class ClientTestBase : IAsyncLifetime
{
    private readonly ConcurrentBag<ZooKeeperClient> _clients = [];

    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>A path no other test uses.</summary>
    protected string Root { get; } = "/t" + Guid.NewGuid().ToString("N")[..12];

    protected string ConnectionString { get; private set; } = string.Empty;

    protected ZooKeeperClient Client { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await SharedZooKeeper.GetConnectionStringAsync();
        Client = await ConnectAsync();
        await Client.CreateAsync(Root);
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }
    }

    protected async Task<ZooKeeperClient> ConnectAsync(Action<ZooKeeperClientOptions>? configure = null, string? connectionString = null)
    {
        var options = new ZooKeeperClientOptions { ConnectionString = connectionString ?? ConnectionString, SessionTimeout = TimeSpan.FromSeconds(10) };
        configure?.Invoke(options);
        var client = new ZooKeeperClient(options);
        _clients.Add(client);
        await client.WaitUntilConnectedAsync(Timeout);
        return client;
    }

    protected static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    protected static string Text(byte[] data) => System.Text.Encoding.UTF8.GetString(data);

    /// <summary>Collects watch events and lets a test await the next one.</summary>
    protected sealed class EventSink
    {
        private readonly System.Threading.Channels.Channel<WatchedEvent> _events = System.Threading.Channels.Channel.CreateUnbounded<WatchedEvent>();

        public Action<WatchedEvent> Watcher => e => _events.Writer.TryWrite(e);

        public async Task<WatchedEvent> NextAsync() => await _events.Reader.ReadAsync().AsTask().WaitAsync(Timeout);

        public bool TryTake(out WatchedEvent e) => _events.Reader.TryRead(out e);
    }

    /// <summary>Collects connection state changes and lets a test await a given state.</summary>
    protected sealed class StateSink
    {
        private readonly System.Threading.Channels.Channel<ConnectionStateChangedEventArgs> _states = System.Threading.Channels.Channel.CreateUnbounded<ConnectionStateChangedEventArgs>();

        public StateSink(ZooKeeperClient client) => client.StateChanged += (_, e) => _states.Writer.TryWrite(e);

        public List<ConnectionStateChangedEventArgs> Seen { get; } = [];

        public async Task<ConnectionStateChangedEventArgs> WaitForAsync(ConnectionState state, TimeSpan? timeout = null)
        {
            using var cts = new CancellationTokenSource(timeout ?? Timeout);
            while (true)
            {
                var e = await _states.Reader.ReadAsync(cts.Token);
                Seen.Add(e);
                if (e.State == state)
                {
                    return e;
                }
            }
        }
    }
}
