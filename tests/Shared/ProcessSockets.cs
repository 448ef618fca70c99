namespace ZkDiscovery.TestSupport;

/// <summary>Counts this process's open sockets (entries of <c>/proc/self/fd</c> linking to <c>socket:[...]</c>).</summary>
/// <remarks>Compiled into the integration tests, the hosting tests and the bench (the soak engine).</remarks>
internal static class ProcessSockets
{
    public static int Count()
    {
        var count = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:", StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // Closed while we looked.
            }
        }
        return count;
    }
}
