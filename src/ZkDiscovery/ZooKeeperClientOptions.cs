using System.ComponentModel.DataAnnotations;

namespace ZkDiscovery;

/// <summary>Settings of a <see cref="ZooKeeperClient"/>. Bindable from configuration (section <c>ZooKeeper</c> by convention).</summary>
public sealed class ZooKeeperClientOptions
{
    /// <summary>
    /// The servers and optional chroot: <c>host1:2181,host2:2181/app</c>. Hosts without a port use 2181; IPv6 hosts are written <c>[::1]:2181</c>.
    /// </summary>
    /// <value>The default value is <c>127.0.0.1:2181</c>.</value>
    [Required]
    public string ConnectionString { get; set; } = ZooKeeperDefaults.ConnectionString;

    /// <summary>
    /// The name of the connection string (<c>ConnectionStrings:{name}</c> in configuration) that the hosting integration
    /// uses when <c>ZooKeeper:ConnectionString</c> is not configured, as an Aspire AppHost's <c>WithReference(...)</c>
    /// provides it. Not used by <see cref="ZooKeeperClient"/> itself.
    /// </summary>
    /// <value>The default value is <c>zookeeper</c>.</value>
    public string ConnectionName { get; set; } = ZooKeeperDefaults.ConnectionName;

    /// <summary>The session timeout asked of the server; the server clamps it to its own bounds (see <see cref="ZooKeeperClient.SessionTimeout"/>).</summary>
    /// <value>The default value is 20 seconds.</value>
    public TimeSpan SessionTimeout { get; set; } = ZooKeeperDefaults.SessionTimeout;

    /// <summary>
    /// How long one connection attempt to one host may take (TCP connect and handshake).
    /// When null, the session timeout divided by the number of hosts, at least 1 second.
    /// </summary>
    /// <value>The default value is null.</value>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>
    /// The longest pause between reconnect attempts after every host was tried. Kept well below the session timeout,
    /// so that a session survives a quorum outage shorter than its timeout: the effective cap is the smaller of this
    /// and a quarter of the negotiated session timeout.
    /// </summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan MaxReconnectDelay { get; set; } = ZooKeeperDefaults.MaxReconnectDelay;

    /// <summary>Whether the client may connect to a server that lost its quorum and runs read-only.</summary>
    /// <value>The default value is false.</value>
    public bool CanBeReadOnly { get; set; }

    /// <summary>Whether the host list is shuffled once before use (spreads clients over an ensemble).</summary>
    /// <value>The default value is true.</value>
    public bool ShuffleHosts { get; set; } = true;

    /// <summary>Digest credentials (<c>user:password</c>) added to every connection of the session. Never logged.</summary>
    /// <value>The default value is null.</value>
    public string? DigestCredentials { get; set; }

    /// <summary>Further authentication (scheme and bytes) added to every connection of the session, after <see cref="DigestCredentials"/>.</summary>
    public IList<ZooKeeperAuthInfo> Authentication { get; } = [];

    /// <summary>TLS to the servers' secure client port; off unless <see cref="ZooKeeperTlsOptions.Enabled"/> is set.</summary>
    public ZooKeeperTlsOptions Tls { get; set; } = new();

    /// <summary>SASL (DIGEST-MD5) authentication on every connection; off unless <see cref="ZooKeeperSaslOptions.Username"/> is set.</summary>
    public ZooKeeperSaslOptions Sasl { get; set; } = new();

    /// <summary>Retries of transient failures (<see cref="ZooKeeperException.IsTransient"/>) for idempotent operations.</summary>
    public ZooKeeperRetryOptions Retry { get; set; } = new();

    /// <summary>
    /// The largest frame accepted from or sent to the server, in bytes; as the server's <c>jute.maxbuffer</c>.
    /// Requests larger than this fail at once with an <see cref="ArgumentException"/>.
    /// </summary>
    /// <value>The default value is 1,048,575 bytes (0xFFFFF), the server's default.</value>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxFrameSize { get; set; } = ZooKeeperDefaults.MaxFrameSize;

    /// <summary>
    /// An existing session to join instead of creating a new one (for example to hand a session over to another
    /// process). Joining a live session takes it over: the server drops the other client's connection.
    /// </summary>
    /// <value>The default value is null: a new session is created.</value>
    public ZooKeeperSessionCredentials? Session { get; set; }

    /// <summary>
    /// Checks every option and describes each problem, naming the option (e.g. <c>SessionTimeout must be positive</c>);
    /// an empty list when the options are valid. Secrets are never part of a message.
    /// </summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            errors.Add("ConnectionString is empty.");
        }
        else
        {
            try
            {
                _ = ZooKeeperConnectionString.Parse(ConnectionString);
            }
            catch (FormatException e)
            {
                errors.Add($"ConnectionString is invalid: {e.Message}");
            }
        }
        if (SessionTimeout <= TimeSpan.Zero)
        {
            errors.Add($"SessionTimeout must be positive (was {SessionTimeout}).");
        }
        if (ConnectTimeout is { } connect && connect <= TimeSpan.Zero)
        {
            errors.Add($"ConnectTimeout must be positive (was {connect}).");
        }
        if (MaxReconnectDelay < TimeSpan.Zero)
        {
            errors.Add($"MaxReconnectDelay must not be negative (was {MaxReconnectDelay}).");
        }
        if (MaxFrameSize < 1024)
        {
            errors.Add($"MaxFrameSize must be at least 1024 bytes (was {MaxFrameSize}).");
        }
        if (DigestCredentials is { } digest && digest.IndexOf(':', StringComparison.Ordinal) <= 0)
        {
            // Never echo the value: it holds a password.
            errors.Add("DigestCredentials must be written user:password.");
        }
        if (Tls is null)
        {
            errors.Add("Tls must not be null.");
        }
        else
        {
            Tls.AddValidationErrors(errors);
        }
        if (Sasl is null)
        {
            errors.Add("Sasl must not be null.");
        }
        else
        {
            Sasl.AddValidationErrors(errors);
        }
        if (Retry is null)
        {
            errors.Add("Retry must not be null.");
        }
        else
        {
            if (Retry.MaxRetryAttempts is < 0 or > 100)
            {
                errors.Add($"Retry:MaxRetryAttempts must be between 0 and 100 (was {Retry.MaxRetryAttempts}).");
            }
            if (Retry.BaseDelay < TimeSpan.Zero || Retry.MaxDelay < TimeSpan.Zero)
            {
                errors.Add("Retry:BaseDelay and Retry:MaxDelay must not be negative.");
            }
        }
        return errors;
    }

    internal void Validate()
    {
        // An invalid connection string keeps its own exception type, with the parser's message.
        if (!string.IsNullOrWhiteSpace(ConnectionString))
        {
            _ = ZooKeeperConnectionString.Parse(ConnectionString);
        }
        var errors = GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid ZooKeeper client options: " + string.Join(" ", errors));
        }
    }
}

/// <summary>Retries of transient failures (<see cref="ConnectionLossException"/>, <see cref="OperationTimeoutException"/>) for idempotent operations.</summary>
/// <remarks>
/// Retried automatically: reads (exists, get data, get children, get ACL, get ephemerals, count children, who am I), sync,
/// and adding or removing watches. Not retried: creates, deletes, sets and multi, because after a connection loss they may
/// already have been applied — retry them with <see cref="ZooKeeperClient.ExecuteWithRetryAsync{T}"/> where that is safe
/// (for example a set or delete with an explicit version, or a create that treats <see cref="NodeExistsException"/> as done).
/// </remarks>
public sealed class ZooKeeperRetryOptions
{
    /// <summary>How many times a failed operation is retried; 0 turns retries off.</summary>
    /// <value>The default value is 3.</value>
    [Range(0, 100)]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>The delay before the first retry; later ones back off exponentially, with jitter.</summary>
    /// <value>The default value is 100 milliseconds.</value>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest delay between two attempts.</summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Authentication data sent to the server on every connection (the protocol's auth packet).</summary>
public sealed class ZooKeeperAuthInfo
{
    /// <summary>Creates authentication data for <paramref name="scheme"/>.</summary>
    /// <param name="scheme">The scheme, e.g. <c>digest</c>.</param>
    /// <param name="auth">The scheme's data, e.g. the UTF-8 bytes of <c>user:password</c>.</param>
    public ZooKeeperAuthInfo(string scheme, byte[] auth)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheme);
        ArgumentNullException.ThrowIfNull(auth);
        Scheme = scheme;
        Auth = auth;
    }

    /// <summary>The scheme.</summary>
    public string Scheme { get; }

    /// <summary>The scheme's data (secret: never logged).</summary>
    public byte[] Auth { get; }

    /// <summary>Digest authentication as <paramref name="user"/> with <paramref name="password"/>.</summary>
    /// <param name="user">The user name (no colon).</param>
    /// <param name="password">The password.</param>
    public static ZooKeeperAuthInfo Digest(string user, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentNullException.ThrowIfNull(password);
        if (user.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("A digest user name must not contain ':'.", nameof(user));
        }
        return new ZooKeeperAuthInfo("digest", System.Text.Encoding.UTF8.GetBytes(user + ":" + password));
    }

    /// <summary>The scheme only: the secret is never part of the text.</summary>
    public override string ToString() => Scheme + ":***";
}

/// <summary>The identity of a session: its id and password, as the server handed them out.</summary>
/// <param name="SessionId">The session id.</param>
/// <param name="Password">The session password (16 bytes; secret).</param>
public sealed record ZooKeeperSessionCredentials(long SessionId, byte[] Password)
{
    /// <summary>The id only: the password is never part of the text.</summary>
    public override string ToString() => $"0x{SessionId:x}";
}

/// <summary>Default values of <see cref="ZooKeeperClientOptions"/>.</summary>
public static class ZooKeeperDefaults
{
    /// <summary>The default connection string, <c>127.0.0.1:2181</c>.</summary>
    public const string ConnectionString = "127.0.0.1:2181";

    /// <summary>The default port, 2181.</summary>
    public const int Port = 2181;

    /// <summary>
    /// The default connection name, <c>zookeeper</c>: the hosting and configuration integrations fall back to
    /// <c>ConnectionStrings:zookeeper</c> (what an Aspire AppHost's <c>WithReference(...)</c> sets) when
    /// <c>ZooKeeper:ConnectionString</c> is not configured.
    /// </summary>
    public const string ConnectionName = "zookeeper";

    /// <summary>The default frame size limit, 0xFFFFF bytes, as the server's <c>jute.maxbuffer</c>.</summary>
    public const int MaxFrameSize = 0xFFFFF;

    /// <summary>The default session timeout, 20 seconds.</summary>
    public static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The default cap of the reconnect back-off, 1 second.</summary>
    public static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(1);
}
