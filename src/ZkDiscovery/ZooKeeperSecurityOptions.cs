using System.Security.Authentication;

namespace ZkDiscovery;

/// <summary>
/// TLS to ZooKeeper's secure client port (<c>secureClientPort</c>, served by <c>NettyServerCnxnFactory</c>).
/// The server certificate is always validated: against <see cref="TrustedCaCertificatePath"/> when set, else against
/// the system's trusted roots, and its name against <see cref="TargetHost"/>. Bindable from configuration.
/// </summary>
public sealed class ZooKeeperTlsOptions
{
    /// <summary>Whether connections use TLS. Every host of the connection string must then be a TLS port.</summary>
    /// <value>The default value is false.</value>
    public bool Enabled { get; set; }

    /// <summary>
    /// A PEM file with the certificate authorities (one or more <c>BEGIN CERTIFICATE</c> blocks) that issue the servers'
    /// certificates. When set, only these roots are trusted (the system store is not consulted); when null, the system's
    /// trusted roots are used.
    /// </summary>
    /// <value>The default value is null.</value>
    public string? TrustedCaCertificatePath { get; set; }

    /// <summary>
    /// A PEM file with the client certificate for mutual TLS (the server's default <c>ssl.clientAuth=need</c> requires
    /// one). Its private key is read from <see cref="ClientKeyPath"/>, or from this file when that is null.
    /// </summary>
    /// <value>The default value is null: no client certificate.</value>
    public string? ClientCertificatePath { get; set; }

    /// <summary>A PEM file with the unencrypted private key (<c>BEGIN PRIVATE KEY</c>, RSA or EC) of the client certificate.</summary>
    /// <value>The default value is null.</value>
    public string? ClientKeyPath { get; set; }

    /// <summary>The name the server certificate must carry (SNI and name check); null uses each host of the connection string.</summary>
    /// <value>The default value is null.</value>
    public string? TargetHost { get; set; }

    /// <summary>Whether the revocation status of the server's certificate chain is checked (online).</summary>
    /// <value>The default value is false.</value>
    public bool CheckCertificateRevocation { get; set; }

    /// <summary>The TLS versions offered; <see cref="SslProtocols.None"/> lets the operating system choose (TLS 1.2 and 1.3 on current systems).</summary>
    /// <value>The default value is <see cref="SslProtocols.None"/>.</value>
    public SslProtocols EnabledProtocols { get; set; } = SslProtocols.None;

    internal void AddValidationErrors(List<string> errors)
    {
        if (!Enabled)
        {
            return;
        }
        if (ClientKeyPath is not null && ClientCertificatePath is null)
        {
            errors.Add("Tls:ClientKeyPath is set but Tls:ClientCertificatePath is not.");
        }
        CheckFile(errors, "Tls:TrustedCaCertificatePath", TrustedCaCertificatePath);
        CheckFile(errors, "Tls:ClientCertificatePath", ClientCertificatePath);
        CheckFile(errors, "Tls:ClientKeyPath", ClientKeyPath);
        if ((EnabledProtocols & ~(SslProtocols.Tls12 | SslProtocols.Tls13)) != 0)
        {
            errors.Add($"Tls:EnabledProtocols may only hold Tls12 and Tls13, or None for the system default (was {EnabledProtocols}).");
        }
    }

    private static void CheckFile(List<string> errors, string name, string? path)
    {
        if (path is not null && !File.Exists(path))
        {
            errors.Add($"{name} names '{path}', which does not exist.");
        }
    }
}

/// <summary>
/// SASL authentication, run on every new connection before any other request (as the Java client does). Only the
/// <c>DIGEST-MD5</c> mechanism is supported, which ZooKeeper serves with a JAAS <c>DigestLoginModule</c>
/// (<c>user_NAME="password"</c>). On success the session carries the identity <c>sasl:</c><see cref="Username"/>.
/// A rejected password ends the client in <see cref="ConnectionState.AuthFailed"/>. Bindable from configuration.
/// </summary>
public sealed class ZooKeeperSaslOptions
{
    /// <summary>The only supported mechanism, <c>DIGEST-MD5</c>.</summary>
    public const string DigestMd5 = "DIGEST-MD5";

    /// <summary>The SASL mechanism; only <see cref="DigestMd5"/> is supported.</summary>
    /// <value>The default value is <c>DIGEST-MD5</c>.</value>
    public string Mechanism { get; set; } = DigestMd5;

    /// <summary>The user name; SASL is used when it is set.</summary>
    /// <value>The default value is null: no SASL authentication.</value>
    public string? Username { get; set; }

    /// <summary>The password (secret: never logged nor part of a message).</summary>
    /// <value>The default value is null.</value>
    public string? Password { get; set; }

    /// <summary>The service (protocol) name, the first part of the digest URI; as Java's <c>zookeeper.sasl.client.username</c>.</summary>
    /// <value>The default value is <c>zookeeper</c>.</value>
    public string ServiceName { get; set; } = "zookeeper";

    /// <summary>
    /// The server name, the second part of the digest URI, also the realm used when the server's challenge names none.
    /// ZooKeeper's DIGEST-MD5 server uses <c>zk-sasl-md5</c>.
    /// </summary>
    /// <value>The default value is <c>zk-sasl-md5</c>.</value>
    public string ServerName { get; set; } = "zk-sasl-md5";

    internal bool IsEnabled => !string.IsNullOrEmpty(Username);

    internal void AddValidationErrors(List<string> errors)
    {
        if (!IsEnabled)
        {
            if (Password is not null)
            {
                errors.Add("Sasl:Password is set but Sasl:Username is not.");
            }
            return;
        }
        if (!string.Equals(Mechanism, DigestMd5, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"Sasl:Mechanism '{Mechanism}' is not supported; only {DigestMd5} is.");
        }
        if (Password is null)
        {
            errors.Add("Sasl:Password must be set when Sasl:Username is.");
        }
        if (string.IsNullOrWhiteSpace(ServiceName) || string.IsNullOrWhiteSpace(ServerName))
        {
            errors.Add("Sasl:ServiceName and Sasl:ServerName must not be empty.");
        }
    }
}
