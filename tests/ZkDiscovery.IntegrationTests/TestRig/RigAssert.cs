using System.Diagnostics;
using System.Globalization;

namespace ZkDiscovery.IntegrationTests.TestRig;

internal static class RigAssert
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    public static bool ProcessIsAlive(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Reads a <c>Key: value</c> line of a <c>srvr</c> reply.</summary>
    public static string SrvrValue(string srvrReply, string key)
    {
        string? line = srvrReply.Split('\n').FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        Assert.True(line is not null, $"No '{key}' in srvr reply:\n{srvrReply}");
        return line[(key.Length + 1)..].Trim();
    }

    public static int NodeCount(string srvrReply) => int.Parse(SrvrValue(srvrReply, "Node count"), CultureInfo.InvariantCulture);
}
