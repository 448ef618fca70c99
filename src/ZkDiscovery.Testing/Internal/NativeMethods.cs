using System.Runtime.InteropServices;

namespace ZkDiscovery.Testing.Internal;

internal static class NativeMethods
{
    private const int SigTerm = 15;

    /// <summary>Sends SIGTERM (a clean shutdown request) to <paramref name="processId"/>; false when that failed.</summary>
    public static bool TrySendTerminate(int processId)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            return Kill(processId, SigTerm) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int sig);
}
