using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace ZkDiscovery.Hosting.Registration;

/// <summary>Where a registered host came from, in the order they are tried.</summary>
internal enum AddressSource
{
    Advertised,
    Environment,
    BoundAddress,
    MachineAddress,
    LoopbackFallback,
}

/// <summary>A bound address as the server reports it: <c>http://[::]:5000</c>.</summary>
internal readonly record struct BoundAddress(string Scheme, string Host, int Port, string Text);

/// <summary>One node to register: the address clients use and why it was chosen.</summary>
internal sealed record RegistrationAddress(string Scheme, string Host, int Port, AddressSource Source, string Bound)
{
    /// <summary>The node name, <c>HOST:PORT</c> (IPv6 in brackets).</summary>
    public string Name => FormatHost(Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The absolute URI clients call.</summary>
    public Uri Uri => new($"{Scheme}://{FormatHost(Host)}:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? "[" + host + "]" : host;
}

/// <summary>A candidate looked at while choosing, with the reason it won or lost (logged).</summary>
internal readonly record struct AddressCandidate(AddressSource Source, string Host, bool Chosen, string Reason);

/// <summary>
/// Chooses the addresses to register, in a documented order: explicit advertised host (and port) → environment hints
/// (<c>POD_IP</c>, <c>HOST_IP</c>) → the bound address when the server listens on a specific IP (loopback with a
/// warning) → for wildcard binds the machine's non-loopback IPv4 addresses (loopback only when there is none).
/// </summary>
internal static class AddressSelector
{
    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Parses <c>scheme://host:port[/path]</c>, where host may be a wildcard (<c>+</c>, <c>*</c>) or <c>[v6]</c>.</summary>
    public static bool TryParseAddress(string? text, [NotNullWhen(true)] out BoundAddress? address)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        text = text.Trim();
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return false;
        }
        var scheme = text[..schemeEnd].ToLowerInvariant();
        var rest = text[(schemeEnd + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash >= 0 ? rest[..slash] : rest;
        string host;
        string portText;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= authority.Length || authority[close + 1] != ':')
            {
                return false;
            }
            host = authority[1..close];
            portText = authority[(close + 2)..];
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            if (colon < 0)
            {
                return false;
            }
            host = authority[..colon];
            portText = authority[(colon + 1)..];
        }
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
        {
            return false;
        }
        address = new BoundAddress(scheme, host, port, text);
        return true;
    }

    /// <summary>The IPv4 unicast addresses of the machine's network interfaces that are up.</summary>
    public static IReadOnlyList<IPAddress> GetMachineIPv4Addresses()
    {
        var result = new List<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown))
            {
                continue;
            }
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

    /// <summary>
    /// The addresses to register for <paramref name="bound"/>, and every candidate looked at (for the log).
    /// Duplicates (same scheme, host and port) are dropped.
    /// </summary>
    public static IReadOnlyList<RegistrationAddress> Select(
        IEnumerable<BoundAddress> bound,
        ZooKeeperRegistrationOptions options,
        Func<string, string?> environment,
        Func<IReadOnlyList<IPAddress>> machineAddresses,
        List<(BoundAddress Bound, AddressCandidate Candidate)> candidates)
    {
        var result = new List<RegistrationAddress>();
        foreach (var address in bound)
        {
            var port = options.AdvertisedPort ?? address.Port;
            if (port == 0)
            {
                candidates.Add((address, new AddressCandidate(AddressSource.BoundAddress, address.Host, false, "port 0 is not resolved yet; skipped")));
                continue;
            }
            foreach (var (source, host) in Choose(address, options, environment, machineAddresses, candidates))
            {
                var chosen = new RegistrationAddress(address.Scheme, host, port, source, address.Text);
                if (!result.Any(r => r.Scheme == chosen.Scheme && r.Name == chosen.Name))
                {
                    result.Add(chosen);
                }
            }
        }
        return result;
    }

    private static IEnumerable<(AddressSource, string)> Choose(
        BoundAddress address,
        ZooKeeperRegistrationOptions options,
        Func<string, string?> environment,
        Func<IReadOnlyList<IPAddress>> machineAddresses,
        List<(BoundAddress, AddressCandidate)> candidates)
    {
        // 1. Explicit advertised host.
        if (!string.IsNullOrWhiteSpace(options.AdvertisedHost))
        {
            candidates.Add((address, new AddressCandidate(AddressSource.Advertised, options.AdvertisedHost.Trim(), true, "ZooKeeper:Registration:AdvertisedHost is set")));
            return [(AddressSource.Advertised, options.AdvertisedHost.Trim())];
        }
        candidates.Add((address, new AddressCandidate(AddressSource.Advertised, "", false, "no advertised host configured")));

        // 2. Environment hints.
        foreach (var variable in options.AddressEnvironmentVariables ?? [])
        {
            var value = environment(variable);
            if (!string.IsNullOrWhiteSpace(value))
            {
                candidates.Add((address, new AddressCandidate(AddressSource.Environment, value.Trim(), true, $"environment variable {variable} is set")));
                return [(AddressSource.Environment, value.Trim())];
            }
            candidates.Add((address, new AddressCandidate(AddressSource.Environment, "", false, $"environment variable {variable} is not set")));
        }

        // 3. A specific bound address.
        if (!ZkDiscovery.Discovery.ServiceAddresses.IsWildcard(address.Host))
        {
            var host = string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" : address.Host;
            candidates.Add((address, new AddressCandidate(AddressSource.BoundAddress, host, true,
                IsLoopback(host) ? "the server listens on this loopback address only (reachable from this machine only)" : "the server listens on this address")));
            return [(AddressSource.BoundAddress, host)];
        }
        candidates.Add((address, new AddressCandidate(AddressSource.BoundAddress, address.Host, false, "wildcard bind: not a reachable host")));

        // 4. Wildcard: the machine's addresses.
        var all = machineAddresses();
        var chosen = all.Where(static a => !IPAddress.IsLoopback(a)).Select(static a => a.ToString()).Distinct(StringComparer.Ordinal).ToList();
        foreach (var loopback in all.Where(IPAddress.IsLoopback))
        {
            candidates.Add((address, new AddressCandidate(AddressSource.MachineAddress, loopback.ToString(), chosen.Count == 0,
                chosen.Count == 0 ? "no non-loopback address on this machine" : "loopback, and the machine has other addresses")));
        }
        if (chosen.Count > 0)
        {
            foreach (var host in chosen)
            {
                candidates.Add((address, new AddressCandidate(AddressSource.MachineAddress, host, true, "non-loopback IPv4 address of the machine")));
            }
            return chosen.Select(static h => (AddressSource.MachineAddress, h));
        }
        var fallback = all.Where(IPAddress.IsLoopback).Select(static a => a.ToString()).Distinct(StringComparer.Ordinal).ToList();
        if (fallback.Count == 0)
        {
            fallback.Add(IPAddress.Loopback.ToString());
        }
        return fallback.Select(static h => (AddressSource.LoopbackFallback, h));
    }
}
