using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace ZkDiscovery.Discovery;

/// <summary>
/// Turns a bound host into the <c>HOST:PORT</c> names of registration nodes (docs/tree-format.md §5). Compiled into
/// ZkDiscovery and ZkDiscovery.Hosting (src/Shared).
/// </summary>
internal static class ServiceAddresses
{
    /// <summary>True for a host that means "every address": empty, <c>0.0.0.0</c>, <c>[::]</c>, <c>::</c>, <c>+</c>, <c>*</c>.</summary>
    /// <param name="host">The host as bound or configured.</param>
    public static bool IsWildcard(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.Length == 0 || host is "0.0.0.0" or "[::]" or "::" or "+" or "*";
    }

    /// <summary>
    /// The hosts to register for <paramref name="host"/>: the advertised host when given; otherwise the host itself,
    /// or, for a wildcard, every non-loopback IPv4 address of the machine (loopback ones only when there is no other).
    /// </summary>
    /// <param name="host">The bound host.</param>
    /// <param name="advertisedHost">The host to advertise instead, if configured.</param>
    /// <param name="machineAddresses">The machine's addresses (normally <see cref="GetMachineIPv4Addresses"/>).</param>
    public static IReadOnlyList<string> GetHosts(string host, string? advertisedHost, Func<IReadOnlyList<IPAddress>> machineAddresses)
    {
        if (!string.IsNullOrWhiteSpace(advertisedHost))
        {
            return [advertisedHost.Trim()];
        }
        host = host.Trim();
        if (!IsWildcard(host))
        {
            return [host];
        }
        var all = machineAddresses();
        var chosen = all.Where(static a => !IPAddress.IsLoopback(a)).ToList();
        if (chosen.Count == 0)
        {
            chosen = [.. all.Where(IPAddress.IsLoopback)];
        }
        if (chosen.Count == 0)
        {
            chosen = [IPAddress.Loopback];
        }
        return [.. chosen.Select(static a => a.ToString()).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The IPv4 unicast addresses of every network interface of the machine.</summary>
    public static IReadOnlyList<IPAddress> GetMachineIPv4Addresses()
    {
        var result = new List<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                if (unicast.Address.AddressFamily == AddressFamily.InterNetwork && !result.Contains(unicast.Address))
                {
                    result.Add(unicast.Address);
                }
            }
        }
        return result;
    }

    /// <summary><c>host:port</c>, with an IPv6 literal in brackets.</summary>
    /// <param name="host">The host.</param>
    /// <param name="port">The port.</param>
    /// <exception cref="ArgumentException">The host cannot be part of a node name.</exception>
    public static string Format(string host, int port)
    {
        var isBareIPv6 = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[');
        var name = (isBareIPv6 ? "[" + host + "]" : host) + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new ArgumentException($"\"{host}\" cannot be used as a host in a node name.", nameof(host));
        }
        return name;
    }
}
