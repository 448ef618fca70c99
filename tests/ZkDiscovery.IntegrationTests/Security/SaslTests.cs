using Microsoft.Extensions.Logging;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Security;

public sealed class SaslTests : IDisposable
{
    private const string Password = "s3cret-that-must-not-leak";
    private const string WrongPassword = "wr0ng-password-that-must-not-leak";
    private static readonly TimeSpan Timeout = SecureZooKeeper.Timeout;
    private static readonly Dictionary<string, string> Users = new() { ["alice"] = Password };
    private static readonly IReadOnlyList<ZooKeeperAcl> AliceOnly = [new(Permissions.All, "sasl", "alice")];

    private readonly string _directory = Directory.CreateTempSubdirectory("zkd-sasl-").FullName;
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggerFactory;

    public SaslTests() => _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));

    public void Dispose()
    {
        _loggerFactory.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private ZooKeeperClient SaslClient(string connectionString, string password = Password) =>
        new(SecureZooKeeper.ClientOptions(connectionString, o =>
        {
            o.Sasl.Username = "alice";
            o.Sasl.Password = password;
        }), _loggerFactory);

    private void AssertNoSecretLogged()
    {
        var lines = _logs.Lines;
        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, l => l.Contains(Password, StringComparison.Ordinal) || l.Contains(WrongPassword, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DigestMd5_AuthenticatesTheSession_AndSaslAclsApply()
    {
        await using var server = await SecureZooKeeper.StartSaslAsync(_directory, Users);
        await using var alice = SaslClient(server.ConnectionString);
        await alice.WaitUntilConnectedAsync(Timeout);

        Assert.Contains(new ClientIdentity("sasl", "alice"), await alice.WhoAmIAsync());
        await alice.CreateAsync("/alice", "mine"u8.ToArray(), acl: AliceOnly);
        Assert.Equal("mine"u8.ToArray(), (await alice.GetDataAsync("/alice")).Data);

        await using var anonymous = new ZooKeeperClient(SecureZooKeeper.ClientOptions(server.ConnectionString));
        await anonymous.WaitUntilConnectedAsync(Timeout);
        await Assert.ThrowsAsync<NoAuthException>(() => anonymous.GetDataAsync("/alice"));

        // The exchange runs again on every new connection, before the re-armed watches and queued requests.
        var changed = new TaskCompletionSource<WatchedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        await alice.ExistsAsync("/alice", e => changed.TrySetResult(e));
        alice.DropConnection();
        var again = await alice.ExecuteWithRetryAsync(ct => alice.GetDataAsync("/alice", null, ct));
        Assert.Equal("mine"u8.ToArray(), again.Data);
        Assert.Contains(new ClientIdentity("sasl", "alice"), await alice.WhoAmIAsync());
        await alice.SetDataAsync("/alice", "changed"u8.ToArray());
        Assert.Equal(WatchEventType.NodeDataChanged, (await changed.Task.WaitAsync(Timeout)).Type);

        AssertNoSecretLogged();
        Assert.Contains(_logs.Lines, l => l.Contains("SASL DIGEST-MD5 authentication", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WrongPassword_EndsInAuthFailed_WithoutNamingTheSecret()
    {
        await using var server = await SecureZooKeeper.StartSaslAsync(_directory, Users);
        await using var client = SaslClient(server.ConnectionString, WrongPassword);

        var error = await Assert.ThrowsAsync<AuthFailedException>(() => client.WaitUntilConnectedAsync(Timeout));

        Assert.Equal(ConnectionState.AuthFailed, client.State);
        Assert.Contains("alice", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, error.ToString(), StringComparison.Ordinal);
        var later = await Assert.ThrowsAsync<AuthFailedException>(() => client.GetDataAsync("/"));
        Assert.DoesNotContain(WrongPassword, later.ToString(), StringComparison.Ordinal);
        AssertNoSecretLogged();
    }

    [Fact]
    public async Task EnforcedSasl_RefusesAnonymousClients_AndServesSaslClients()
    {
        await using var server = await SecureZooKeeper.StartSaslAsync(_directory, Users, o =>
        {
            o.ExtraConfigLines.Add("enforce.auth.enabled=true");
            o.ExtraConfigLines.Add("enforce.auth.schemes=sasl");
        });

        await using var alice = SaslClient(server.ConnectionString);
        await alice.WaitUntilConnectedAsync(Timeout);
        await alice.CreateAsync("/enforced", "ok"u8.ToArray());
        Assert.Equal("ok"u8.ToArray(), (await alice.GetDataAsync("/enforced")).Data);

        await using var anonymous = new ZooKeeperClient(SecureZooKeeper.ClientOptions(server.ConnectionString), _loggerFactory);
        await anonymous.WaitUntilConnectedAsync(Timeout);
        var refused = await Assert.ThrowsAsync<SessionRequiresSaslAuthException>(() => anonymous.GetDataAsync("/enforced"));
        Assert.Equal(ZooKeeperErrorCode.SessionClosedRequireSaslAuth, refused.Code);
        Assert.Contains("SASL", refused.Message, StringComparison.Ordinal);
        AssertNoSecretLogged();
    }

    [Fact]
    public void UnsupportedMechanism_IsAValidationError()
    {
        var options = new ZooKeeperClientOptions { Sasl = { Mechanism = "GSSAPI", Username = "alice", Password = Password } };

        var errors = options.GetValidationErrors();

        Assert.Contains(errors, e => e.Contains("GSSAPI", StringComparison.Ordinal) && e.Contains("DIGEST-MD5", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains(Password, StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new ZooKeeperClient(options));
    }
}
