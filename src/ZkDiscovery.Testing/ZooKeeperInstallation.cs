using System.Diagnostics.CodeAnalysis;

namespace ZkDiscovery.Testing;

/// <summary>
/// The Java runtime and the ZooKeeper class path used to launch test servers.
/// </summary>
/// <remarks>
/// <see cref="Locate()"/> uses <c>JAVA_HOME/bin/java</c> (else <c>java</c> on <c>PATH</c>) and the class path
/// in the <c>ZOOKEEPER_CLASSPATH</c> environment variable, else Debian's <c>/usr/share/java/zookeeper.jar</c>
/// plus an slf4j binding found next to it (<c>slf4j-simple.jar</c>, else <c>slf4j-nop.jar</c>).
/// </remarks>
public sealed class ZooKeeperInstallation
{
    /// <summary>The environment variable that overrides the ZooKeeper class path.</summary>
    public const string ClassPathVariable = "ZOOKEEPER_CLASSPATH";

    internal const string DebianJarDirectory = "/usr/share/java";

    internal const string InstallHint =
        "Install it with 'apt-get install zookeeper' (Debian/Ubuntu; also installs a Java runtime if needed) " +
        "or run ./eng/test.sh, which installs it when missing. Alternatively set JAVA_HOME and " +
        ClassPathVariable + " (a class path containing zookeeper.jar).";

    /// <summary>Creates an installation from explicit paths.</summary>
    /// <param name="javaPath">The full path of the <c>java</c> executable.</param>
    /// <param name="classPath">The Java class path (entries separated by <see cref="Path.PathSeparator"/>).</param>
    /// <exception cref="ArgumentException">A value is empty.</exception>
    public ZooKeeperInstallation(string javaPath, string classPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(javaPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(classPath);
        JavaPath = javaPath;
        ClassPath = classPath;
    }

    /// <summary>Gets the full path of the <c>java</c> executable.</summary>
    public string JavaPath { get; }

    /// <summary>Gets the Java class path holding the ZooKeeper server and an slf4j binding.</summary>
    public string ClassPath { get; }

    /// <summary>
    /// Gets a value indicating whether the class path uses <c>slf4j-simple</c>, whose output (at the level
    /// <see cref="ZooKeeperTestServerOptions.LogLevel"/>) goes to the server's log file.
    /// </summary>
    internal bool UsesSimpleLogger => ClassPath.Contains("slf4j-simple", StringComparison.Ordinal);

    /// <summary>Finds Java and ZooKeeper on this machine.</summary>
    /// <returns>The installation found.</returns>
    /// <exception cref="ZooKeeperInstallationNotFoundException">Java or ZooKeeper is missing; the message says how to install them.</exception>
    public static ZooKeeperInstallation Locate() => Locate(Environment.GetEnvironmentVariable, File.Exists);

    /// <summary>Finds Java and ZooKeeper on this machine without throwing.</summary>
    /// <param name="installation">The installation found, or <see langword="null"/>.</param>
    /// <returns><see langword="true"/> when both were found.</returns>
    public static bool TryLocate([NotNullWhen(true)] out ZooKeeperInstallation? installation)
    {
        try
        {
            installation = Locate();
            return true;
        }
        catch (ZooKeeperInstallationNotFoundException)
        {
            installation = null;
            return false;
        }
    }

    internal static ZooKeeperInstallation Locate(Func<string, string?> getEnvironment, Func<string, bool> fileExists)
    {
        string java = FindJava(getEnvironment, fileExists);
        string? classPath = getEnvironment(ClassPathVariable);
        if (!string.IsNullOrWhiteSpace(classPath))
        {
            string? missing = classPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .FirstOrDefault(entry => !entry.EndsWith('*') && !fileExists(entry) && !Directory.Exists(entry));
            if (missing is not null)
            {
                throw new ZooKeeperInstallationNotFoundException(
                    $"{ClassPathVariable} names '{missing}', which does not exist. {InstallHint}");
            }

            return new ZooKeeperInstallation(java, classPath);
        }

        string jar = Path.Combine(DebianJarDirectory, "zookeeper.jar");
        if (!fileExists(jar))
        {
            throw new ZooKeeperInstallationNotFoundException($"ZooKeeper was not found: '{jar}' does not exist. {InstallHint}");
        }

        var entries = new List<string> { jar };
        string simple = Path.Combine(DebianJarDirectory, "slf4j-simple.jar");
        string nop = Path.Combine(DebianJarDirectory, "slf4j-nop.jar");
        if (fileExists(simple))
        {
            entries.Add(simple);
        }
        else if (fileExists(nop))
        {
            entries.Add(nop);
        }

        return new ZooKeeperInstallation(java, string.Join(Path.PathSeparator, entries));
    }

    private static string FindJava(Func<string, string?> getEnvironment, Func<string, bool> fileExists)
    {
        string executable = OperatingSystem.IsWindows() ? "java.exe" : "java";
        string? javaHome = getEnvironment("JAVA_HOME");
        if (!string.IsNullOrWhiteSpace(javaHome))
        {
            string candidate = Path.Combine(javaHome, "bin", executable);
            if (fileExists(candidate))
            {
                return candidate;
            }
        }

        string? path = getEnvironment("PATH");
        if (!string.IsNullOrEmpty(path))
        {
            foreach (string directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                string candidate = Path.Combine(directory, executable);
                if (fileExists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new ZooKeeperInstallationNotFoundException(
            $"Java was not found (neither JAVA_HOME/bin/{executable} nor {executable} on PATH). {InstallHint}");
    }
}
