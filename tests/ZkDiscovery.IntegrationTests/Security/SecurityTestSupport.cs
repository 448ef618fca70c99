using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.Testing;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Security;

/// <summary>
/// Certificates made at test time (a CA, a server certificate for 127.0.0.1/localhost or for a chosen DNS name, a
/// client certificate), written as PEM files into a temporary directory deleted on dispose, plus servers with a TLS
/// port or SASL configured.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaPath => Path.Combine(Directory, "ca.pem");

    public string ServerKeyStorePath => Path.Combine(Directory, "server-keystore.pem");

    public string ClientCertificatePath => Path.Combine(Directory, "client.crt.pem");

    public string ClientKeyPath => Path.Combine(Directory, "client.key.pem");

    /// <summary>A CA that signed nothing used here: trusting only it must refuse the server.</summary>
    public string OtherCaPath => Path.Combine(Directory, "other-ca.pem");

    public X509Certificate2 ServerCertificate { get; private set; } = null!;

    /// <summary>Makes the certificates; the server's names 127.0.0.1 and localhost, or only <paramref name="serverDnsName"/> when given.</summary>
    public static TestCertificates Create(string? serverDnsName = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "zkd-tls-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var result = new TestCertificates(directory);
        using var ca = CreateCa("CN=ZkDiscovery Test CA");
        using var other = CreateCa("CN=ZkDiscovery Unrelated CA");
        using var serverKey = RSA.Create(2048);
        var server = serverDnsName is null
            ? Issue(ca, serverKey, "CN=localhost", serverAuth: true, san: true)
            : Issue(ca, serverKey, "CN=" + serverDnsName, serverAuth: true, san: true, dnsName: serverDnsName);
        using var clientKey = RSA.Create(2048);
        using var client = Issue(ca, clientKey, "CN=zkd-client", serverAuth: false, san: false);

        File.WriteAllText(result.CaPath, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(result.OtherCaPath, other.ExportCertificatePem() + "\n");
        File.WriteAllText(result.ServerKeyStorePath, serverKey.ExportPkcs8PrivateKeyPem() + "\n" + server.ExportCertificatePem() + "\n");
        File.WriteAllText(result.ClientCertificatePath, client.ExportCertificatePem() + "\n");
        File.WriteAllText(result.ClientKeyPath, clientKey.ExportPkcs8PrivateKeyPem() + "\n");
        result.ServerCertificate = server.CopyWithPrivateKey(serverKey);
        server.Dispose();
        return result;
    }

    private static X509Certificate2 CreateCa(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(60));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, RSA key, string subject, bool serverAuth, bool san, string? dnsName = null)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var usages = new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") }; // clientAuth
        if (serverAuth)
        {
            usages.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        }
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (san)
        {
            var names = new SubjectAlternativeNameBuilder();
            if (dnsName is null)
            {
                names.AddIpAddress(IPAddress.Loopback);
                names.AddDnsName("localhost");
            }
            else
            {
                names.AddDnsName(dnsName);
            }
            request.CertificateExtensions.Add(names.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        return request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
    }

    public void Dispose()
    {
        ServerCertificate?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Starts servers with a TLS client port or SASL authentication (each test its own server).</summary>
public static class SecureZooKeeper
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Starts a server with a TLS port (Netty) besides its plain port; returns the server and the TLS connection string.</summary>
    public static async Task<(ZooKeeperTestServer Server, string TlsConnectionString)> StartTlsAsync(TestCertificates certificates, Action<ZooKeeperTestServerOptions>? configure = null)
    {
        var securePort = FreeLoopbackPort();
        var server = await FreshZooKeeper.StartAsync(options =>
        {
            options.AdditionalClassPath.Add(NettyCodecJar());
            options.ExtraConfigLines.Add("serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory");
            options.ExtraConfigLines.Add("secureClientPort=" + securePort.ToString(CultureInfo.InvariantCulture));
            options.ExtraConfigLines.Add("secureClientPortAddress=127.0.0.1");
            options.ExtraConfigLines.Add("ssl.keyStore.location=" + certificates.ServerKeyStorePath);
            options.ExtraConfigLines.Add("ssl.keyStore.type=PEM");
            options.ExtraConfigLines.Add("ssl.trustStore.location=" + certificates.CaPath);
            options.ExtraConfigLines.Add("ssl.trustStore.type=PEM");
            configure?.Invoke(options);
        });
        return (server, "127.0.0.1:" + securePort.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Starts a server with SASL DIGEST-MD5 for the users given (JAAS DigestLoginModule).</summary>
    public static Task<ZooKeeperTestServer> StartSaslAsync(string jaasDirectory, IReadOnlyDictionary<string, string> users, Action<ZooKeeperTestServerOptions>? configure = null)
    {
        var configureSasl = SaslConfiguration(jaasDirectory, users);
        return FreshZooKeeper.StartAsync(options =>
        {
            configureSasl(options);
            configure?.Invoke(options);
        });
    }

    /// <summary>Starts a server with a TLS port and SASL DIGEST-MD5 for the users given; returns the server and the TLS connection string.</summary>
    public static Task<(ZooKeeperTestServer Server, string TlsConnectionString)> StartTlsSaslAsync(TestCertificates certificates, string jaasDirectory, IReadOnlyDictionary<string, string> users, Action<ZooKeeperTestServerOptions>? configure = null)
    {
        var configureSasl = SaslConfiguration(jaasDirectory, users);
        return StartTlsAsync(certificates, options =>
        {
            configureSasl(options);
            configure?.Invoke(options);
        });
    }

    /// <summary>Writes the JAAS file (server section, DigestLoginModule) and returns the server options that use it.</summary>
    private static Action<ZooKeeperTestServerOptions> SaslConfiguration(string jaasDirectory, IReadOnlyDictionary<string, string> users)
    {
        var jaas = Path.Combine(jaasDirectory, "jaas.conf");
        var entries = string.Join(" ", users.Select(u => $"user_{u.Key}=\"{u.Value}\""));
        File.WriteAllText(jaas, "Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required " + entries + ";\n};\n");
        return options =>
        {
            options.ExtraConfigLines.Add("authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider");
            options.SystemProperties["java.security.auth.login.config"] = jaas;
        };
    }

    public static string NettyCodecJar()
    {
        var candidates = new List<string>();
        var classPath = Environment.GetEnvironmentVariable(ZooKeeperInstallation.ClassPathVariable);
        if (!string.IsNullOrEmpty(classPath))
        {
            candidates.AddRange(classPath.Split(Path.PathSeparator)
                .Select(Path.GetDirectoryName).Where(d => !string.IsNullOrEmpty(d)).Select(d => Path.Combine(d!, "netty-codec.jar")));
        }
        candidates.Add("/usr/share/java/netty-codec.jar");
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("netty-codec.jar was not found (Debian: /usr/share/java/netty-codec.jar, from libnetty-java); the TLS tests need it.");
    }

    public static int FreeLoopbackPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static ZooKeeperClientOptions ClientOptions(string connectionString, Action<ZooKeeperClientOptions>? configure = null)
    {
        var options = new ZooKeeperClientOptions
        {
            ConnectionString = connectionString,
            SessionTimeout = TimeSpan.FromSeconds(10),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        return options;
    }
}
