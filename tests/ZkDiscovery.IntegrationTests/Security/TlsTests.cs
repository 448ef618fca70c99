using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace ZkDiscovery.IntegrationTests.Security;

public sealed class TlsTests : IDisposable
{
    private static readonly TimeSpan Timeout = SecureZooKeeper.Timeout;

    // Long enough for at least one complete (failing) handshake on a loaded machine; the client never connects.
    private static readonly TimeSpan FailureWait = TimeSpan.FromSeconds(8);
    private readonly TestCertificates _certificates = TestCertificates.Create();

    public void Dispose() => _certificates.Dispose();

    private ZooKeeperClientOptions TlsOptions(string connectionString, bool clientCertificate = true, string? ca = null) =>
        SecureZooKeeper.ClientOptions(connectionString, o =>
        {
            o.Tls.Enabled = true;
            o.Tls.TrustedCaCertificatePath = ca ?? _certificates.CaPath;
            if (clientCertificate)
            {
                o.Tls.ClientCertificatePath = _certificates.ClientCertificatePath;
                o.Tls.ClientKeyPath = _certificates.ClientKeyPath;
            }
        });

    [Fact]
    public async Task MutualTls_CreateGetAndWatch_WorkEndToEnd()
    {
        var (server, tls) = await SecureZooKeeper.StartTlsAsync(_certificates);
        await using var _ = server;
        await using var client = new ZooKeeperClient(TlsOptions(tls));
        await client.WaitUntilConnectedAsync(Timeout);

        await client.CreateAsync("/tls", "hello"u8.ToArray());
        var fired = new TaskCompletionSource<WatchedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var data = await client.GetDataAsync("/tls", e => fired.TrySetResult(e));
        Assert.Equal("hello"u8.ToArray(), data.Data);

        await client.SetDataAsync("/tls", "again"u8.ToArray());
        var e = await fired.Task.WaitAsync(Timeout);
        Assert.Equal(WatchEventType.NodeDataChanged, e.Type);
        Assert.Equal("/tls", e.Path);
    }

    [Fact]
    public async Task ClientAuthNone_WorksWithoutClientCertificate()
    {
        var (server, tls) = await SecureZooKeeper.StartTlsAsync(_certificates, o => o.ExtraConfigLines.Add("ssl.clientAuth=none"));
        await using var _ = server;
        await using var client = new ZooKeeperClient(TlsOptions(tls, clientCertificate: false));
        await client.WaitUntilConnectedAsync(Timeout);

        await client.CreateAsync("/plain-cert", "x"u8.ToArray());
        Assert.Equal("x"u8.ToArray(), (await client.GetDataAsync("/plain-cert")).Data);
    }

    [Fact]
    public async Task ServerCertificateFromUnknownCa_IsRefusedWithAClearError()
    {
        var (server, tls) = await SecureZooKeeper.StartTlsAsync(_certificates);
        await using var _ = server;
        await using var client = new ZooKeeperClient(TlsOptions(tls, ca: _certificates.OtherCaPath));

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.WaitUntilConnectedAsync(FailureWait));

        var refused = Assert.IsType<ZooKeeperTlsException>(error.InnerException);
        Assert.Equal(tls, refused.Server);
        Assert.Contains("certificate of ZooKeeper server " + tls + " was refused", refused.Message, StringComparison.Ordinal);
        Assert.Contains("CN=localhost", refused.Message, StringComparison.Ordinal);
        Assert.Contains("not trusted", refused.Message, StringComparison.Ordinal);
        Assert.Contains("was refused", error.Message, StringComparison.Ordinal);
        Assert.NotEqual(ConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task MissingRequiredClientCertificate_GivesAClearError()
    {
        var (server, tls) = await SecureZooKeeper.StartTlsAsync(_certificates);
        await using var _ = server;
        await using var client = new ZooKeeperClient(TlsOptions(tls, clientCertificate: false));

        var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.WaitUntilConnectedAsync(FailureWait));

        var refused = Assert.IsType<ZooKeeperTlsException>(error.InnerException);
        Assert.True(refused.ClientCertificateRequired, refused.ToString());
        Assert.Contains("requires a client certificate", refused.Message, StringComparison.Ordinal);
        Assert.Contains(tls, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedServerCertificate_NoApplicationDataIsSent()
    {
        // An in-process TLS server with a certificate the client does not trust: the client must abort the handshake
        // before writing its ConnectRequest.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var received = 0;
        var serverSide = Task.Run(async () =>
        {
            // Every attempt of the client (it retries) gets a handshake; count the application bytes of all of them.
            try
            {
                while (true)
                {
                    using var tcp = await listener.AcceptTcpClientAsync(stop.Token);
                    await using var ssl = new SslStream(tcp.GetStream());
                    try
                    {
                        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificates.ServerCertificate }, stop.Token);
                        var buffer = new byte[256];
                        int n;
                        while ((n = await ssl.ReadAsync(buffer, stop.Token)) > 0)
                        {
                            Interlocked.Add(ref received, n);
                        }
                    }
                    catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
                    {
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        var options = TlsOptions("127.0.0.1:" + port, ca: _certificates.OtherCaPath);
        await using (var client = new ZooKeeperClient(options))
        {
            var error = await Assert.ThrowsAsync<ConnectionLossException>(() => client.WaitUntilConnectedAsync(FailureWait));
            Assert.IsType<ZooKeeperTlsException>(error.InnerException);
        }

        await stop.CancelAsync();
        await serverSide.WaitAsync(Timeout);
        Assert.Equal(0, Volatile.Read(ref received));
    }
}
