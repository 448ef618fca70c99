using Microsoft.Extensions.Logging;

namespace ZkDiscovery.IntegrationTests.Client;

public class AuthTests : ClientTestBase
{
    [Fact]
    public async Task UnknownAuthScheme_EndsTheClientInAuthFailed()
    {
        var client = await ConnectAsync();
        var states = new StateSink(client);

        await Assert.ThrowsAsync<AuthFailedException>(() => client.AddAuthAsync(new ZooKeeperAuthInfo("nosuchscheme", [1, 2, 3])).WaitAsync(Timeout));
        await states.WaitForAsync(ConnectionState.AuthFailed);

        Assert.Equal(ConnectionState.AuthFailed, client.State);
        await Assert.ThrowsAsync<AuthFailedException>(() => client.GetDataAsync(Root));
    }

    [Fact]
    public async Task DigestPassword_NeverReachesTheLogs()
    {
        const string Password = "pa55-w0rd-that-must-not-leak";
        var provider = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        var options = new ZooKeeperClientOptions { ConnectionString = ConnectionString, DigestCredentials = "bob:" + Password };
        var client = new ZooKeeperClient(options, factory);
        await using (client)
        {
            await client.WaitUntilConnectedAsync(Timeout);
            await client.AddAuthAsync(ZooKeeperAuthInfo.Digest("carol", Password));
            await client.CreateAsync(Root + "/p", acl: ZooKeeperAcl.CreatorAll);
            client.DropConnection();
            await client.ExecuteWithRetryAsync(ct => client.GetDataAsync(Root + "/p", null, ct));
            await Assert.ThrowsAsync<NoNodeException>(() => client.GetDataAsync(Root + "/missing"));
        }

        var lines = provider.Lines;
        Assert.Contains(lines, l => l.Contains("Connected to ZooKeeper server", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(Password, StringComparison.Ordinal));
        Assert.DoesNotContain(options.ToString() ?? string.Empty, Password, StringComparison.Ordinal);
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly List<string> _lines = [];

        public List<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = formatter(state, exception) + " " + exception + " " + state;
                lock (owner._lines)
                {
                    owner._lines.Add(line);
                }
            }
        }
    }
}
