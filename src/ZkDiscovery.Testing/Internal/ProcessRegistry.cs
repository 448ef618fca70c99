using System.Collections.Concurrent;

namespace ZkDiscovery.Testing.Internal;

/// <summary>
/// Remembers every live server or ensemble so that their JVMs are killed (by PID) and their temporary
/// directories removed when this process exits, even if a test never disposed them.
/// </summary>
internal static class ProcessRegistry
{
    private static readonly ConcurrentDictionary<object, Action> s_cleanups = new(ReferenceEqualityComparer.Instance);

    static ProcessRegistry()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => CleanUpAll();
    }

    public static void Register(object owner, Action cleanup) => s_cleanups[owner] = cleanup;

    public static void Unregister(object owner) => s_cleanups.TryRemove(owner, out _);

    private static void CleanUpAll()
    {
        foreach (KeyValuePair<object, Action> entry in s_cleanups)
        {
            try
            {
                entry.Value();
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
            {
                // Best effort at process exit: keep cleaning up the others.
            }
        }

        s_cleanups.Clear();
    }
}
