using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ZkDiscovery.Connection;

/// <summary>
/// Turns a connected TCP stream into a TLS stream as <see cref="ZooKeeperTlsOptions"/> say. Certificates are loaded
/// once, when the client is created (a bad file is the caller's mistake and throws there). The server certificate is
/// always validated: against the configured CA only (custom root trust) or the system roots, and its name against the
/// target host. Failures become a <see cref="ZooKeeperTlsException"/> naming the server and the reason.
/// </summary>
internal sealed class TlsConnector
{
    private readonly ZooKeeperTlsOptions _options;
    private readonly X509Certificate2Collection? _trustedRoots;
    private readonly X509Certificate2? _clientCertificate;

    public TlsConnector(ZooKeeperTlsOptions options)
    {
        _options = options;
        if (options.TrustedCaCertificatePath is { } caPath)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caPath);
            if (roots.Count == 0)
            {
                throw new ArgumentException($"Tls:TrustedCaCertificatePath '{caPath}' holds no PEM certificate.", nameof(options));
            }
            _trustedRoots = roots;
        }
        if (options.ClientCertificatePath is { } certPath)
        {
            _clientCertificate = LoadClientCertificate(certPath, options.ClientKeyPath);
        }
    }

    public bool HasClientCertificate => _clientCertificate is not null;

    private static X509Certificate2 LoadClientCertificate(string certPath, string? keyPath)
    {
        var certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new ArgumentException($"Tls:ClientCertificatePath '{certPath}' has no private key (set Tls:ClientKeyPath).");
        }
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            // SChannel cannot use an ephemeral (PEM-loaded) key for client authentication: round-trip through PKCS#12.
            using (certificate)
            {
#if NET9_0_OR_GREATER
                return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
#else
                return new X509Certificate2(certificate.Export(X509ContentType.Pkcs12));
#endif
            }
        }
        return certificate;
    }

    /// <summary>Runs the TLS handshake over <paramref name="inner"/>; the returned stream owns it.</summary>
    public async Task<SslStream> AuthenticateAsync(Stream inner, ZooKeeperHost host, TlsHandshake handshake, CancellationToken cancellationToken)
    {
        var targetHost = _options.TargetHost ?? host.Host;
        var revocation = _options.CheckCertificateRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck;
        var authentication = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            EnabledSslProtocols = _options.EnabledProtocols,
            CertificateRevocationCheckMode = revocation,
            RemoteCertificateValidationCallback = handshake.Validate,
            LocalCertificateSelectionCallback = handshake.Select,
        };
        if (_trustedRoots is not null)
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = revocation };
            policy.CustomTrustStore.AddRange(_trustedRoots);
            authentication.CertificateChainPolicy = policy;
        }
        if (_clientCertificate is not null)
        {
            authentication.ClientCertificates = [_clientCertificate];
        }
        handshake.ClientCertificate = _clientCertificate;
        handshake.TargetHost = targetHost;
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(authentication, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Maps a failure of the handshake, or of the first exchange after it (with TLS 1.3 the server's verdict on the
    /// client certificate arrives then), to a clear <see cref="ZooKeeperTlsException"/>; null when it is not a TLS failure.
    /// </summary>
    public ZooKeeperTlsException? Describe(ZooKeeperHost host, TlsHandshake handshake, Exception error)
    {
        if (handshake.RejectReason is { } reason)
        {
            return new ZooKeeperTlsException(host.ToString(),
                $"TLS: the certificate of ZooKeeper server {host} was refused (expected name '{handshake.TargetHost}'): {reason}", error);
        }
        if (error is not (AuthenticationException or IOException))
        {
            return null;
        }
        if (_clientCertificate is null && (handshake.CertificateRequested || error is AuthenticationException))
        {
            return new ZooKeeperTlsException(host.ToString(),
                $"TLS: ZooKeeper server {host} requires a client certificate, and none is configured (set Tls:ClientCertificatePath and Tls:ClientKeyPath). {Innermost(error)}", error)
            {
                ClientCertificateRequired = true,
            };
        }
        if (error is AuthenticationException)
        {
            return new ZooKeeperTlsException(host.ToString(), $"TLS handshake with ZooKeeper server {host} failed: {Innermost(error)}", error);
        }
        return null;
    }

    private static string Innermost(Exception error)
    {
        var inner = error;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }
        return ReferenceEquals(inner, error) ? error.Message : $"{error.Message} ({inner.Message})";
    }
}

/// <summary>What one TLS handshake observed: why the server certificate was refused, whether a client certificate was asked for.</summary>
internal sealed class TlsHandshake
{
    public string? RejectReason { get; private set; }

    public bool CertificateRequested { get; private set; }

    public string TargetHost { get; set; } = string.Empty;

    public X509Certificate2? ClientCertificate { get; set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        var reasons = new List<string>();
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            reasons.Add("the server sent no certificate");
        }
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            reasons.Add($"its name does not match '{TargetHost}'");
        }
        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            var statuses = chain?.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError)
                .Select(s => $"{s.Status} ({s.StatusInformation.Trim()})").Distinct().ToList();
            reasons.Add("its chain is not trusted" + (statuses is { Count: > 0 } ? ": " + string.Join("; ", statuses) : ""));
        }
        var subject = certificate?.Subject;
        RejectReason = (subject is null ? "" : $"certificate '{subject}': ") + string.Join(", ", reasons) + ".";
        return false;
    }

    public X509Certificate Select(object sender, string targetHost, X509CertificateCollection localCertificates, X509Certificate? remoteCertificate, string[] acceptableIssuers)
    {
        // Called when the server sends a certificate request (and, on some platforms, once before the handshake).
        if (remoteCertificate is not null)
        {
            CertificateRequested = true;
        }
        // Null (no certificate) is what the callback returns when none is configured; net8.0's annotation says otherwise.
        return ClientCertificate!;
    }
}
