using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ZkDiscovery.Recipes;

/// <summary>
/// Who holds (or waits for) a <see cref="ZooKeeperLock"/>: the participant's node id, host address, process id and
/// the sequence number of its lock node. Written <c>NODEID@HOST/PID#SEQUENCE</c>, e.g.
/// <c>worker-1@10.0.0.5/4242#0000000007</c>; <see cref="TryParse"/> reads it back (the node id may contain any character).
/// </summary>
/// <param name="NodeId">The participant's name (a GUID unless one was given).</param>
/// <param name="HostAddress">The participant's IP address (the first non-loopback IPv4 address of its machine), or empty if unknown.</param>
/// <param name="ProcessId">The participant's process id, or 0 if unknown.</param>
/// <param name="Sequence">The sequence number ZooKeeper gave the participant's lock node; the lowest holds the lock.</param>
public sealed record ZooKeeperLockHolder(string NodeId, string HostAddress, int ProcessId, long Sequence)
{
    /// <inheritdoc/>
    public override string ToString() => $"{NodeId}@{HostAddress}/{ProcessId.ToString(CultureInfo.InvariantCulture)}#{Sequence.ToString("D10", CultureInfo.InvariantCulture)}";

    /// <summary>Reads a holder written by <see cref="ToString"/>.</summary>
    /// <param name="text">The text, <c>NODEID@HOST/PID#SEQUENCE</c>.</param>
    /// <param name="holder">The holder, when the text is well formed.</param>
    /// <returns>True when the text was read.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out ZooKeeperLockHolder? holder)
    {
        holder = null;
        if (text is null)
        {
            return false;
        }
        var hash = text.LastIndexOf('#');
        if (hash < 0 || !long.TryParse(text.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return false;
        }
        if (!TryParseIdentity(text[..hash], out var nodeId, out var host, out var pid))
        {
            return false;
        }
        holder = new ZooKeeperLockHolder(nodeId, host, pid, sequence);
        return true;
    }

    /// <summary>Reads a holder written by <see cref="ToString"/>.</summary>
    /// <param name="text">The text.</param>
    /// <exception cref="FormatException">The text is not <c>NODEID@HOST/PID#SEQUENCE</c>.</exception>
    public static ZooKeeperLockHolder Parse(string text) =>
        TryParse(text, out var holder) ? holder : throw new FormatException($"\"{text}\" is not a lock holder written NODEID@HOST/PID#SEQUENCE.");

    internal string ToNodeData() => $"{NodeId}@{HostAddress}/{ProcessId.ToString(CultureInfo.InvariantCulture)}";

    internal static ZooKeeperLockHolder FromNodeData(string data, long sequence) =>
        TryParseIdentity(data, out var nodeId, out var host, out var pid)
            ? new ZooKeeperLockHolder(nodeId, host, pid, sequence)
            : new ZooKeeperLockHolder(data, string.Empty, 0, sequence);

    private static bool TryParseIdentity(string text, out string nodeId, out string host, out int pid)
    {
        nodeId = host = string.Empty;
        pid = 0;
        var slash = text.LastIndexOf('/');
        if (slash < 0 || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out pid))
        {
            return false;
        }
        var at = text.LastIndexOf('@', slash);
        if (at < 0)
        {
            return false;
        }
        nodeId = text[..at];
        host = text[(at + 1)..slash];
        return true;
    }
}

/// <summary>The outcome of <see cref="ZooKeeperLock.TryAcquireAsync"/> or <see cref="ZooKeeperLockHandle.TryReleaseAsync"/>.</summary>
/// <param name="Succeeded">True when the lock was acquired (or released).</param>
/// <param name="Holder">Who holds the lock now (this participant after a successful acquire), or null when nobody does.</param>
/// <param name="HolderVersion">The data version of the holder's lock node, or -1 when nobody holds the lock.</param>
/// <param name="Handle">After a successful acquire, the handle that releases the lock; otherwise null.</param>
public sealed record ZooKeeperLockAttempt(bool Succeeded, ZooKeeperLockHolder? Holder, int HolderVersion, ZooKeeperLockHandle? Handle);
