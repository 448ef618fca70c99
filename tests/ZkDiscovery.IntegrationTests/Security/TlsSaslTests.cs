using System.Globalization;
using Microsoft.Extensions.Logging;
using ZkDiscovery.IntegrationTests.Chaos;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Security;

/// <summary>TLS (mutual, SslStream) and SASL DIGEST-MD5 on the same connection: the SASL exchange runs inside the TLS stream.</summary>
public sealed class TlsSaslTests : IDisposable
{
    private const string Password = "tls-s3cret-that-must-not-leak";
    private const string WrongPassword = "tls-wr0ng-password-that-must-not-leak";
    private const string TlsEstablished = "TLS with ZooKeeper server";
    private const string SaslSucceeded = "SASL DIGEST-MD5 authentication";
    private static readonly TimeSpan Timeout = SecureZooKeeper.Timeout;
    private static readonly Dictionary<string, string> Users = new() { ["alice"] = Password };
    private static readonly IReadOnlyList<ZooKeeperAcl> AliceOnly = [new(Permissions.All, "sasl", "alice")];

    private readonly TestCertificates _certificates = TestCertificates.Create();
    private readonly string _directory = Directory.CreateTempSubdirectory("zkd-tls-sasl-").FullName;
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggerFactory;

    public TlsSaslTests() => _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));

    public void Dispose()
    {
        _loggerFactory.Dispose();
        _certificates.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private ZooKeeperClientOptions TlsOptions(string connectionString, string? password) =>
        SecureZooKeeper.ClientOptions(connectionString, o =>
        {
            o.Tls.Enabled = true;
            o.Tls.TrustedCaCertificatePath = _certificates.CaPath;
            o.Tls.ClientCertificatePath = _certificates.ClientCertificatePath;
            o.Tls.ClientKeyPath = _certificates.ClientKeyPath;
            if (password is not null)
            {
                o.Sasl.Username = "alice";
                o.Sasl.Password = password;
            }
        });

    private void AssertNoSecretLogged()
    {
        var lines = _logs.Lines;
        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, l => l.Contains(Password, StringComparison.Ordinal) || l.Contains(WrongPassword, StringComparison.Ordinal));
    }

    private int CountLines(string text) => _logs.Lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    [Fact]
    public async Task TlsAndSasl_AuthenticateOneConnection_AndSaslAclsApply()
    {
        var (server, tls) = await SecureZooKeeper.StartTlsSaslAsync(_certificates, _directory, Users);
        await using var _ = server;
        await using var alice = new ZooKeeperClient(TlsOptions(tls, Password), _loggerFactory);
        await alice.WaitUntilConnectedAsync(Timeout);

        Assert.Contains(new ClientIdentity("sasl", "alice"), await alice.WhoAmIAsync());
        await alice.CreateAsync("/alice", "mine"u8.ToArray(), acl: AliceOnly);
        Assert.Equal("mine"u8.ToArray(), (await alice.GetDataAsync("/alice")).Data);

        // The same client certificate over TLS, without SASL: the x509 identity is not sasl:alice.
        await using var tlsOnly = new ZooKeeperClient(TlsOptions(tls, password: null));
        await tlsOnly.WaitUntilConnectedAsync(Timeout);
        Assert.DoesNotContain(await tlsOnly.WhoAmIAsync(), i => i.Scheme == "sasl");
        await Assert.ThrowsAsync<NoAuthException>(() => tlsOnly.GetDataAsync("/alice"));
        Assert.True((await tlsOnly.ExistsAsync("/alice")) is not null);

        // TLS first, then SASL inside it, once for the one connection.
        var lines = _logs.Lines;
        var tlsAt = lines.FindIndex(l => l.Contains(TlsEstablished, StringComparison.Ordinal));
        var saslAt = lines.FindIndex(l => l.Contains(SaslSucceeded, StringComparison.Ordinal));
        Assert.True(tlsAt >= 0 && saslAt > tlsAt, string.Join(Environment.NewLine, lines));
        Assert.Equal(1, CountLines(SaslSucceeded));
        AssertNoSecretLogged();
    }

    [Fact]
    public async Task TlsAndSasl_WrongPassword_EndsInAuthFailed()
    {
        var (server, tls) = await SecureZooKeeper.StartTlsSaslAsync(_certificates, _directory, Users);
        await using var _ = server;
        await using var client = new ZooKeeperClient(TlsOptions(tls, WrongPassword), _loggerFactory);

        var error = await Assert.ThrowsAsync<AuthFailedException>(() => client.WaitUntilConnectedAsync(Timeout));

        Assert.Equal(ConnectionState.AuthFailed, client.State);
        Assert.Equal(ZooKeeperErrorCode.AuthFailed, error.Code);
        Assert.False(error.IsTransient);
        Assert.Contains("alice", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, error.ToString(), StringComparison.Ordinal);
        // The TLS handshake itself succeeded: the failure is the SASL verdict, not a certificate problem.
        Assert.Equal(1, CountLines(TlsEstablished));
        Assert.DoesNotContain(error.ToString(), "ZooKeeperTlsException", StringComparison.Ordinal);

        // Terminal: later calls fail the same way and the client does not connect again.
        var later = await Assert.ThrowsAsync<AuthFailedException>(() => client.GetDataAsync("/"));
        Assert.DoesNotContain(WrongPassword, later.ToString(), StringComparison.Ordinal);
        await Assert.ThrowsAsync<AuthFailedException>(() => client.WaitUntilConnectedAsync(Timeout));
        Assert.Equal(ConnectionState.AuthFailed, client.State);
        Assert.Equal(1, CountLines(TlsEstablished));
        AssertNoSecretLogged();
    }

    [Fact]
    public async Task TlsAndSasl_ServerRestart_ResumesTheSession_AndRunsTlsAndSaslAgain()
    {
        var (server, tls) = await SecureZooKeeper.StartTlsSaslAsync(_certificates, _directory, Users);
        await using var _ = server;

        // Every connection of the client dies with the server; the restarted one (same ports, same data) still knows the session.
        await AssertSessionResumedAsync(tls, () => server.RestartAsync());
    }

    [Fact]
    public async Task TlsAndSasl_ConnectionCutByAProxy_ResumesTheSession_AndRunsSaslAgain()
    {
        var (server, tls) = await SecureZooKeeper.StartTlsSaslAsync(_certificates, _directory, Users);
        await using var _ = server;
        // The proxy passes the TLS bytes through as they come; the certificate names 127.0.0.1, as the proxy's address.
        await using var proxy = PartitionProxy.Start([int.Parse(tls[(tls.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture)]);

        await AssertSessionResumedAsync(proxy.ConnectionString, () =>
        {
            proxy.Heal(); // closes the open (TLS) connection on both sides
            return Task.CompletedTask;
        });

        Assert.Equal(2, proxy.Accepted);
    }

    /// <summary>
    /// Connects alice (TLS + SASL) through <paramref name="connectionString"/>, leaves a node with her ACL and a watch on
    /// it, runs <paramref name="breakConnection"/>, and checks that the same session comes back with TLS and SASL run a
    /// second time: her node readable, her identity, the watch still armed, no secret logged.
    /// </summary>
    private async Task AssertSessionResumedAsync(string connectionString, Func<Task> breakConnection)
    {
        await using var alice = new ZooKeeperClient(TlsOptions(connectionString, Password), _loggerFactory);
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resumed = new TaskCompletionSource<ConnectionStateChangedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.StateChanged += (_, e) =>
        {
            if (e.State != ConnectionState.Connected && e.PreviousState == ConnectionState.Connected)
            {
                disconnected.TrySetResult();
            }
            else if (e.State == ConnectionState.Connected && disconnected.Task.IsCompleted)
            {
                resumed.TrySetResult(e);
            }
        };
        await alice.WaitUntilConnectedAsync(Timeout);
        var session = alice.SessionId;
        await alice.CreateAsync("/alice", "mine"u8.ToArray(), acl: AliceOnly);
        var changed = new TaskCompletionSource<WatchedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        await alice.ExistsAsync("/alice", e => changed.TrySetResult(e));

        await breakConnection();
        await disconnected.Task.WaitAsync(Timeout);
        var back = await resumed.Task.WaitAsync(Timeout);

        Assert.False(back.IsNewSession);
        Assert.Equal(session, alice.SessionId);
        Assert.Equal("mine"u8.ToArray(), (await alice.ExecuteWithRetryAsync(ct => alice.GetDataAsync("/alice", null, ct))).Data);
        Assert.Contains(new ClientIdentity("sasl", "alice"), await alice.WhoAmIAsync());
        await alice.SetDataAsync("/alice", "changed"u8.ToArray());
        Assert.Equal(WatchEventType.NodeDataChanged, (await changed.Task.WaitAsync(Timeout)).Type);
        Assert.Equal(2, CountLines(TlsEstablished));
        Assert.Equal(2, CountLines(SaslSucceeded));
        AssertNoSecretLogged();
    }
}
