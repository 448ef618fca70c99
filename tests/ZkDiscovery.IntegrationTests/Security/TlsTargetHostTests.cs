namespace ZkDiscovery.IntegrationTests.Security;

/// <summary>
/// <see cref="ZooKeeperTlsOptions.TargetHost"/>: the server certificate names only <c>zk.test</c>, while the client
/// connects to 127.0.0.1.
/// </summary>
public sealed class TlsTargetHostTests : IDisposable
{
    private const string CertificateName = "zk.test";
    private static readonly TimeSpan Timeout = SecureZooKeeper.Timeout;

    // Long enough for at least one complete (failing) handshake on a loaded machine; the client never connects.
    private static readonly TimeSpan FailureWait = TimeSpan.FromSeconds(8);
    private readonly TestCertificates _certificates = TestCertificates.Create(CertificateName);

    public void Dispose() => _certificates.Dispose();

    private ZooKeeperClientOptions TlsOptions(string connectionString, string? targetHost) =>
        SecureZooKeeper.ClientOptions(connectionString, o =>
        {
            o.Tls.Enabled = true;
            o.Tls.TrustedCaCertificatePath = _certificates.CaPath;
            o.Tls.ClientCertificatePath = _certificates.ClientCertificatePath;
            o.Tls.ClientKeyPath = _certificates.ClientKeyPath;
            o.Tls.TargetHost = targetHost;
        });

    [Fact]
    public async Task NoTargetHost_CertificateForAnotherName_IsRefusedNamingHostAndMismatch()
    {
        var (server, tls) = await SecureZooKeeper.StartTlsAsync(_certificates);
        await using var _ = server;
        await using var client = new ZooKeeperClient(TlsOptions(tls, targetHost: null));

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.WaitUntilConnectedAsync(FailureWait));

        var refused = Assert.IsType<ZooKeeperTlsException>(error.InnerException);
        Assert.Equal(tls, refused.Server);
        Assert.Contains("certificate of ZooKeeper server " + tls + " was refused", refused.Message, StringComparison.Ordinal);
        Assert.Contains("expected name '127.0.0.1'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("CN=" + CertificateName, refused.Message, StringComparison.Ordinal);
        Assert.Contains("does not match '127.0.0.1'", refused.Message, StringComparison.Ordinal);
        // The chain is trusted: the name is the only reason.
        Assert.DoesNotContain("not trusted", refused.Message, StringComparison.Ordinal);
        Assert.NotEqual(ConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task TargetHost_MatchingTheCertificate_Connects()
    {
        var (server, tls) = await SecureZooKeeper.StartTlsAsync(_certificates);
        await using var _ = server;
        await using var client = new ZooKeeperClient(TlsOptions(tls, CertificateName));
        await client.WaitUntilConnectedAsync(Timeout);

        await client.CreateAsync("/target-host", "ok"u8.ToArray());
        Assert.Equal("ok"u8.ToArray(), (await client.GetDataAsync("/target-host")).Data);
    }

    [Fact]
    public async Task TargetHost_NotMatchingTheCertificate_IsRefusedNamingTheTargetHost()
    {
        var (server, tls) = await SecureZooKeeper.StartTlsAsync(_certificates);
        await using var _ = server;
        await using var client = new ZooKeeperClient(TlsOptions(tls, "other.test"));

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.WaitUntilConnectedAsync(FailureWait));

        var refused = Assert.IsType<ZooKeeperTlsException>(error.InnerException);
        Assert.Equal(tls, refused.Server);
        Assert.Contains(tls, refused.Message, StringComparison.Ordinal);
        Assert.Contains("does not match 'other.test'", refused.Message, StringComparison.Ordinal);
    }
}
