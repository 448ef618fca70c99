using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using ZkDiscovery.TestSupport;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Configuration.Tests;

/// <summary>
/// A test against the shared real server, in its own root path, with a client of its own for setting data up and
/// a log that captures what the providers write.
/// </summary>
public abstract class ConfigurationTestBase : IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly List<IDisposable> _disposables = [];

    protected string ConnectionString { get; private set; } = "";

    protected ZooKeeperClient Client { get; private set; } = null!;

    protected ZooKeeperNodes Nodes { get; private set; } = null!;

    protected string Root { get; } = "/cfg-" + Guid.NewGuid().ToString("N");

    protected CapturingLoggerProvider Logs { get; } = new();

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await SharedZooKeeper.GetConnectionStringAsync();
        Client = await ZooKeeperClient.ConnectAsync(ConnectionString);
        Nodes = new ZooKeeperNodes(Client);
        await Client.CreateAsync(Root);
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }
        await Nodes.DeleteRecursiveAsync(Root, force: true);
        await Client.DisposeAsync();
    }

    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Builds configuration with one ZooKeeper source on the shared server; disposed with the test.</summary>
    protected IConfigurationRoot Build(string path, Action<ZooKeeperConfigurationSource>? configure = null, string? connectionString = null)
    {
        var root = new ConfigurationBuilder()
            .AddZooKeeper(path, source =>
            {
                source.ConnectionString = connectionString ?? ConnectionString;
                source.LoggerFactory = LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
                configure?.Invoke(source);
            })
            .Build();
        _disposables.Add((IDisposable)root);
        return root;
    }

    protected static ZooKeeperConfigurationProvider ProviderOf(IConfigurationRoot root) =>
        root.Providers.OfType<ZooKeeperConfigurationProvider>().Single();

    /// <summary>Records the configuration's reloads in order, each as a copy of the keys it holds then.</summary>
    protected sealed class ReloadRecorder : IDisposable
    {
        private readonly Channel<Dictionary<string, string?>> _reloads = Channel.CreateUnbounded<Dictionary<string, string?>>();
        private readonly IDisposable _registration;
        private int _count;

        public ReloadRecorder(IConfiguration configuration)
        {
            _registration = ChangeToken.OnChange(configuration.GetReloadToken, () =>
            {
                Interlocked.Increment(ref _count);
                _reloads.Writer.TryWrite(configuration.AsEnumerable().Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase));
            });
        }

        public int Count => Volatile.Read(ref _count);

        public async Task<Dictionary<string, string?>> NextAsync(TimeSpan? timeout = null) =>
            await _reloads.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? Timeout);

        public void Dispose() => _registration.Dispose();
    }

    protected sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(LogLevel Level, EventId EventId, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new CapturingLogger(this);

        public void Dispose()
        {
        }

        private sealed class CapturingLogger(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue((logLevel, eventId, formatter(state, exception)));
        }
    }
}
