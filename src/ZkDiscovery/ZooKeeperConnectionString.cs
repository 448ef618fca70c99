using System.Globalization;

namespace ZkDiscovery;

/// <summary>A parsed connection string: the servers and the optional chroot.</summary>
public sealed class ZooKeeperConnectionString
{
    private ZooKeeperConnectionString(IReadOnlyList<ZooKeeperHost> hosts, string? chroot)
    {
        Hosts = hosts;
        Chroot = chroot;
    }

    /// <summary>The servers, in the order written.</summary>
    public IReadOnlyList<ZooKeeperHost> Hosts { get; }

    /// <summary>The chroot (a path every request path is relative to), or null when there is none.</summary>
    public string? Chroot { get; }

    /// <summary>Parses <c>host1:2181,host2:2181/chroot</c>.</summary>
    /// <param name="connectionString">The connection string.</param>
    /// <exception cref="FormatException">The text is not a valid connection string; the message names the offending part.</exception>
    public static ZooKeeperConnectionString Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var text = connectionString.Trim();
        if (text.Length == 0)
        {
            throw new FormatException("The ZooKeeper connection string is empty.");
        }
        string? chroot = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            chroot = text[slash..];
            text = text[..slash];
            var error = ZooKeeperPath.GetError(chroot);
            if (error is not null)
            {
                throw new FormatException($"Invalid chroot \"{ZooKeeperPath.Escape(chroot)}\" in ZooKeeper connection string \"{connectionString}\": {error}.");
            }
            if (chroot == "/")
            {
                chroot = null;
            }
        }
        var hosts = new List<ZooKeeperHost>();
        foreach (var part in text.Split(','))
        {
            var entry = part.Trim();
            if (entry.Length == 0)
            {
                throw new FormatException($"Empty host entry in ZooKeeper connection string \"{connectionString}\".");
            }
            hosts.Add(ParseHost(entry, connectionString));
        }
        return new ZooKeeperConnectionString(hosts, chroot);
    }

    private static ZooKeeperHost ParseHost(string entry, string whole)
    {
        string host;
        string? port = null;
        if (entry[0] == '[')
        {
            var close = entry.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"Unclosed '[' in host \"{entry}\" of ZooKeeper connection string \"{whole}\".");
            }
            host = entry[1..close];
            var rest = entry[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    throw new FormatException($"Unexpected \"{rest}\" after the address in host \"{entry}\" of ZooKeeper connection string \"{whole}\".");
                }
                port = rest[1..];
            }
        }
        else
        {
            var colon = entry.LastIndexOf(':');
            if (colon >= 0 && entry.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                throw new FormatException($"IPv6 address \"{entry}\" must be written in brackets ([::1]:2181) in ZooKeeper connection string \"{whole}\".");
            }
            host = colon >= 0 ? entry[..colon] : entry;
            port = colon >= 0 ? entry[(colon + 1)..] : null;
        }
        if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || c is '/' or '@' or '?' or '#' or '[' or ']'))
        {
            throw new FormatException($"Invalid host \"{entry}\" in ZooKeeper connection string \"{whole}\".");
        }
        var portNumber = ZooKeeperDefaults.Port;
        if (port is not null
            && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out portNumber) || portNumber is < 1 or > 65535))
        {
            throw new FormatException($"Invalid port \"{port}\" in host \"{entry}\" of ZooKeeper connection string \"{whole}\".");
        }
        return new ZooKeeperHost(host, portNumber);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(",", Hosts) + Chroot;
}

/// <summary>One server of a connection string.</summary>
/// <param name="Host">The host name or address.</param>
/// <param name="Port">The client port.</param>
public sealed record ZooKeeperHost(string Host, int Port)
{
    /// <inheritdoc/>
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
