using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ZkDiscovery.IntegrationTests.Client;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.IntegrationTests.Nodes;

/// <summary>A <see cref="ClientTestBase"/> with a <see cref="ZooKeeperNodes"/> whose log is captured.</summary>
public abstract class NodesTestBase : ClientTestBase
{
    protected CapturingLogger Logger { get; } = new();

    protected ZooKeeperNodes Nodes { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Nodes = new ZooKeeperNodes(Client, Logger);
    }

    /// <summary>The properties of a node as compact JSON text per name, for easy assertions.</summary>
    protected async Task<Dictionary<string, string>> PropertiesOfAsync(string path)
    {
        var result = await Nodes.GetPropertiesAsync(path);
        return result.Properties.ToDictionary(p => p.Key, p => p.Value?.ToJsonString() ?? "null");
    }

    protected sealed class CapturingLogger : ILogger
    {
        public ConcurrentQueue<(LogLevel Level, EventId EventId, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, eventId, formatter(state, exception)));
    }
}
