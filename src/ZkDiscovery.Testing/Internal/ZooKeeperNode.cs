using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ZkDiscovery.Testing.Internal;

/// <summary>
/// One ZooKeeper JVM: its directory (zoo.cfg, data/, zookeeper.log), its launch command and its process.
/// Lifecycle calls on one node are expected to be sequential.
/// </summary>
internal sealed class ZooKeeperNode
{
    public const string StandaloneMainClass = "org.apache.zookeeper.server.ZooKeeperServerMain";
    public const string QuorumMainClass = "org.apache.zookeeper.server.quorum.QuorumPeerMain";

    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(10);

    private readonly object _gate = new();
    private readonly List<string> _command;
    private Process? _process;
    private int _processId;

    public ZooKeeperNode(string directory, string mainClass, ZooKeeperInstallation installation, ZooKeeperTestServerOptions options)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(DataDirectory);

        var command = new List<string> { installation.JavaPath };
        command.AddRange(options.JvmOptions);
        if (installation.UsesSimpleLogger)
        {
            command.Add("-Dorg.slf4j.simpleLogger.defaultLogLevel=" + options.LogLevel);
            command.Add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        }

        foreach (KeyValuePair<string, string> property in options.SystemProperties)
        {
            command.Add($"-D{property.Key}={property.Value}");
        }

        command.Add("-cp");
        command.Add(options.AdditionalClassPath.Count == 0
            ? installation.ClassPath
            : string.Join(Path.PathSeparator, options.AdditionalClassPath.Prepend(installation.ClassPath)));
        command.Add(mainClass);
        command.Add(ConfigPath);
        _command = command;
    }

    public string Directory { get; }

    public string DataDirectory => Path.Combine(Directory, "data");

    public string ConfigPath => Path.Combine(Directory, "zoo.cfg");

    public string LogPath => Path.Combine(Directory, "zookeeper.log");

    public int ClientPort { get; private set; }

    /// <summary>Other ports this node binds (quorum and election), checked when it dies at start.</summary>
    public IReadOnlyList<int> OtherPorts { get; private set; } = [];

    public int ProcessId
    {
        get
        {
            lock (_gate)
            {
                return _processId;
            }
        }
    }

    public bool IsRunning
    {
        get
        {
            Process? process;
            lock (_gate)
            {
                process = _process;
            }

            return process is not null && !HasExited(process);
        }
    }

    /// <summary>Writes zoo.cfg (and myid for ensemble members) and empties the data directory.</summary>
    public void Configure(int clientPort, IReadOnlyList<int> otherPorts, string config, int? myId)
    {
        ClientPort = clientPort;
        OtherPorts = otherPorts;
        if (System.IO.Directory.Exists(DataDirectory))
        {
            System.IO.Directory.Delete(DataDirectory, recursive: true);
        }

        System.IO.Directory.CreateDirectory(DataDirectory);
        File.WriteAllText(ConfigPath, config);
        if (myId is { } id)
        {
            File.WriteAllText(Path.Combine(DataDirectory, "myid"), id.ToString(CultureInfo.InvariantCulture) + "\n");
        }
    }

    /// <summary>Starts the JVM with stdin from /dev/null and stdout+stderr appended to zookeeper.log.</summary>
    public void Launch()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("ZooKeeper test servers are supported on Linux and macOS only.");
        }

        lock (_gate)
        {
            if (_process is not null && !HasExited(_process))
            {
                throw new InvalidOperationException("The server is already running.");
            }

            _process?.Dispose();
            _process = null;

            // exec keeps the PID: the process we track is the JVM itself.
            var startInfo = new ProcessStartInfo("/bin/sh")
            {
                UseShellExecute = false,
                WorkingDirectory = Directory,
            };
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add("log=\"$1\"; shift; exec \"$@\" </dev/null >>\"$log\" 2>&1");
            startInfo.ArgumentList.Add("zookeeper-test-server");
            startInfo.ArgumentList.Add(LogPath);
            foreach (string argument in _command)
            {
                startInfo.ArgumentList.Add(argument);
            }

            File.AppendAllText(LogPath, $"--- launching {string.Join(' ', _command)}\n");
            Process process = Process.Start(startInfo)
                ?? throw new ZooKeeperTestServerException("Could not start " + _command[0] + ".");
            _process = process;
            _processId = process.Id;
        }
    }

    /// <summary>Waits until <c>srvr</c> reports a mode; throws if the process exits or the timeout passes.</summary>
    public async Task<string> WaitUntilServingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        string? mode = await PollAsync(
            timeout,
            async ct => await FourLetterWords.TryGetModeAsync(ClientPort, ct).ConfigureAwait(false),
            "serving (srvr reporting a Mode)",
            cancellationToken).ConfigureAwait(false);
        return mode!;
    }

    /// <summary>Waits until the client port answers <c>ruok</c> (the JVM is up; it may still lack a quorum).</summary>
    public Task WaitUntilListeningAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        PollAsync(
            timeout,
            async ct => await FourLetterWords.TrySendAsync(ClientPort, "ruok", ct).ConfigureAwait(false) == "imok" ? "imok" : null,
            "listening (ruok answered imok)",
            cancellationToken);

    public Task<string?> GetModeAsync(CancellationToken cancellationToken) =>
        IsRunning ? FourLetterWords.TryGetModeAsync(ClientPort, cancellationToken) : Task.FromResult<string?>(null);

    public async Task KillAsync(CancellationToken cancellationToken)
    {
        Process? process;
        lock (_gate)
        {
            process = _process;
        }

        if (process is null)
        {
            return;
        }

        KillProcess(process);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Process? process;
        lock (_gate)
        {
            process = _process;
        }

        if (process is null || HasExited(process))
        {
            return;
        }

        if (NativeMethods.TrySendTerminate(process.Id))
        {
            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(s_stopTimeout);
            try
            {
                await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Did not stop in time: fall through to SIGKILL.
            }
        }

        await KillAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Synchronous kill for dispose paths and process exit.</summary>
    public void Kill()
    {
        Process? process;
        lock (_gate)
        {
            process = _process;
        }

        if (process is not null)
        {
            KillProcess(process);
            process.WaitForExit(5000);
        }
    }

    public void DisposeProcess()
    {
        lock (_gate)
        {
            _process?.Dispose();
            _process = null;
        }
    }

    /// <summary>True when the process died and its log or its ports suggest another process took a port.</summary>
    public bool DiedOfPortConflict()
    {
        if (IsRunning)
        {
            return false;
        }

        string log = ReadLogTail(200);
        if (log.Contains("Address already in use", StringComparison.Ordinal) || log.Contains("BindException", StringComparison.Ordinal))
        {
            return true;
        }

        return !FreePorts.IsFree(ClientPort) || OtherPorts.Any(port => !FreePorts.IsFree(port));
    }

    public string ReadLogTail(int lines = 40)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            const int MaxBytes = 64 * 1024;
            if (stream.Length > MaxBytes)
            {
                stream.Seek(-MaxBytes, SeekOrigin.End);
            }

            using var reader = new StreamReader(stream, Encoding.UTF8);
            string[] all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines))).TrimEnd();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"(no log: {ex.Message})";
        }
    }

    public string Describe(string what) =>
        $"{what}{Environment.NewLine}Log {LogPath} (last lines):{Environment.NewLine}{ReadLogTail()}";

    private async Task<string?> PollAsync(
        TimeSpan timeout,
        Func<CancellationToken, Task<string?>> probe,
        string condition,
        CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!IsRunning)
            {
                throw new ZooKeeperTestServerException(Describe(
                    $"The ZooKeeper server for 127.0.0.1:{ClientPort} (PID {ProcessId}) exited before {condition}."));
            }

            string? result = await probe(cancellationToken).ConfigureAwait(false);
            if (result is not null)
            {
                return result;
            }

            if (stopwatch.Elapsed >= timeout)
            {
                throw new ZooKeeperTestServerException(Describe(
                    $"The ZooKeeper server on 127.0.0.1:{ClientPort} (PID {ProcessId}) was not {condition} within {timeout.TotalSeconds:0.#} s."));
            }

            await Task.Delay(s_pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool HasExited(Process process)
    {
        try
        {
            return process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private static void KillProcess(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: false);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
