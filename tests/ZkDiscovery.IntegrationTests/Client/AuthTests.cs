using Microsoft.Extensions.Logging;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.TestSupport;

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
}
