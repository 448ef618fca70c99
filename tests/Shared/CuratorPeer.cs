using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace ZkDiscovery.TestSupport;

/// <summary>
/// Runs the Java peer in <c>tests/Shared/CuratorPeer</c> (real Apache Curator 5.4 x-discovery from Debian's
/// <c>libcurator-*-java</c>, installed by <c>eng/install-zookeeper.sh</c>): compiled once per test process into a temp
/// directory, then one JVM per command. The line protocol is documented in <c>CuratorPeer.java</c>. Every wait is
/// bounded and every process started is killed on dispose. Linked into the test projects that need it.
/// </summary>
/// <remarks>
/// Class path: <c>CURATOR_CLASSPATH</c> when set, else the Debian jars under <c>/usr/share/java</c>. Java: <c>JAVA_HOME</c>
/// when set, else <c>java</c>/<c>javac</c> on the PATH.
/// </remarks>
internal static class CuratorPeer
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly string[] s_debianJars =
    [
        "curator-x-discovery.jar", "curator-recipes.jar", "curator-framework.jar", "curator-client.jar", "zookeeper.jar",
        "guava.jar", "jackson-databind.jar", "jackson-core.jar", "jackson-annotations.jar", "slf4j-api.jar", "slf4j-nop.jar",
    ];

    private static readonly Lazy<Task<string>> s_compiled = new(() => Task.Run(CompileAsync), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Registers a DYNAMIC instance with Curator; it stays registered until the returned process is disposed.</summary>
    public static async Task<RegisteredInstance> RegisterAsync(string connect, string basePath, string name, string address, int port, params string[] options)
    {
        var process = await StartAsync(["register", connect, basePath, name, address, port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. options]);
        try
        {
            var id = await process.ReadAsync("REGISTERED");
            var json = await process.ReadAsync("JSON");
            return new RegisteredInstance(process, id, json);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Curator's <c>ServiceDiscovery.queryForInstances(name)</c>, as summaries sorted by id.</summary>
    public static async Task<IReadOnlyList<JsonObject>> QueryAsync(string connect, string basePath, string name)
    {
        await using var process = await StartAsync(["query", connect, basePath, name]);
        var result = new List<JsonObject>();
        while (true)
        {
            var (keyword, rest) = await process.ReadLineAsync();
            if (keyword == "END")
            {
                return result;
            }
            if (keyword == "INSTANCE")
            {
                result.Add(JsonNode.Parse(rest)!.AsObject());
            }
        }
    }

    /// <summary>Starts a Curator <c>ServiceCache</c> on the service; read its states with <see cref="ServiceCacheProcess.WaitForAsync"/>.</summary>
    public static async Task<ServiceCacheProcess> StartCacheAsync(string connect, string basePath, string name)
    {
        var process = await StartAsync(["cache", connect, basePath, name]);
        return new ServiceCacheProcess(process);
    }

    /// <summary>Creates or sets nodes with Curator (<c>creatingParentsIfNeeded</c>), as Spring's docs write configuration.</summary>
    public static async Task PutAsync(string connect, params (string Path, string Value)[] nodes)
    {
        await using var process = await StartAsync(["put", connect, .. nodes.SelectMany(static n => new[] { n.Path, n.Value })]);
        await process.ReadAsync("OK");
    }

    private static async Task<PeerProcess> StartAsync(string[] arguments)
    {
        var classes = await s_compiled.Value.WaitAsync(Timeout);
        var start = new ProcessStartInfo(Tool("java"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var flag in new[] { "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-cp", classes + Path.PathSeparator + ClassPath(), "CuratorPeer" })
        {
            start.ArgumentList.Add(flag);
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return new PeerProcess(Process.Start(start) ?? throw new InvalidOperationException("java did not start."), string.Join(' ', arguments));
    }

    private static string Tool(string name) =>
        Environment.GetEnvironmentVariable("JAVA_HOME") is { Length: > 0 } home && File.Exists(Path.Combine(home, "bin", name)) ? Path.Combine(home, "bin", name) : name;

    private static string ClassPath()
    {
        if (Environment.GetEnvironmentVariable("CURATOR_CLASSPATH") is { Length: > 0 } configured)
        {
            return configured;
        }
        var jars = s_debianJars.Select(static j => Path.Combine("/usr/share/java", j)).ToArray();
        var missing = jars.Where(static j => !File.Exists(j)).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidOperationException(
                $"Curator is not installed ({string.Join(", ", missing)} missing): run eng/install-zookeeper.sh, or set CURATOR_CLASSPATH.");
        }
        return string.Join(Path.PathSeparator, jars);
    }

    private static async Task<string> CompileAsync()
    {
        var sources = Path.Combine(AppContext.BaseDirectory, "CuratorPeer");
        var files = Directory.GetFiles(sources, "*.java", SearchOption.AllDirectories);
        var output = Directory.CreateTempSubdirectory("curator-peer-").FullName;
        var start = new ProcessStartInfo(Tool("javac"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-nowarn", "-d", output, "-cp", ClassPath() }.Concat(files))
        {
            start.ArgumentList.Add(argument);
        }
        using var javac = Process.Start(start) ?? throw new InvalidOperationException("javac did not start.");
        var stderr = javac.StandardError.ReadToEndAsync();
        var stdout = javac.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await javac.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            javac.Kill();
            throw new TimeoutException("javac did not finish within " + Timeout);
        }
        if (javac.ExitCode != 0)
        {
            throw new InvalidOperationException($"javac failed ({javac.ExitCode}): {await stdout}{await stderr}");
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(output, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return output;
    }

    /// <summary>One peer JVM: its output lines (<c>KEYWORD rest</c>) in a channel; stdin closed and the process killed on dispose.</summary>
    internal sealed class PeerProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _command;
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
        private readonly StringBuilder _stderr = new();
        private readonly Task _readers;

        public PeerProcess(Process process, string command)
        {
            _process = process;
            _command = command;
            _readers = Task.WhenAll(
                Task.Run(async () =>
                {
                    while (await _process.StandardOutput.ReadLineAsync() is { } line)
                    {
                        _lines.Writer.TryWrite(line);
                    }
                    _lines.Writer.TryComplete();
                }),
                Task.Run(async () =>
                {
                    while (await _process.StandardError.ReadLineAsync() is { } line)
                    {
                        lock (_stderr)
                        {
                            _stderr.AppendLine(line);
                        }
                    }
                }));
        }

        public int Id => _process.Id;

        public async Task<(string Keyword, string Text)> ReadLineAsync(TimeSpan? timeout = null)
        {
            try
            {
                var line = await _lines.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? Timeout);
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                return space < 0 ? (line, "") : (line[..space], line[(space + 1)..]);
            }
            catch (ChannelClosedException)
            {
                await _readers.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                throw new InvalidOperationException($"The Curator peer ({_command}) ended: {Stderr}");
            }
        }

        /// <summary>Reads lines until one starts with <paramref name="keyword"/>; returns the rest of it.</summary>
        public async Task<string> ReadAsync(string keyword, TimeSpan? timeout = null)
        {
            using var cts = new CancellationTokenSource(timeout ?? Timeout);
            while (true)
            {
                var (k, rest) = await ReadLineAsync(timeout);
                if (k == keyword)
                {
                    return rest;
                }
                cts.Token.ThrowIfCancellationRequested();
            }
        }

        public Task WriteLineAsync(string line) => _process.StandardInput.WriteLineAsync(line).WaitAsync(Timeout);

        public string Stderr
        {
            get
            {
                lock (_stderr)
                {
                    return _stderr.ToString();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                _process.StandardInput.Close();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
            }
            finally
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                }
                _process.Dispose();
            }
        }
    }

    /// <summary>An instance registered by Curator; closing (disposing) unregisters it.</summary>
    internal sealed class RegisteredInstance(PeerProcess process, string id, string json) : IAsyncDisposable
    {
        public string Id { get; } = id;

        /// <summary>The node data as Curator wrote it.</summary>
        public string Json { get; private set; } = json;

        public PeerProcess Process { get; } = process;

        /// <summary>Curator <c>updateService</c> with <c>metadata.instance_status</c> = <paramref name="status"/>; returns the new JSON.</summary>
        public async Task<string> SetStatusAsync(string status)
        {
            await Process.WriteLineAsync("status " + status);
            await Process.ReadAsync("UPDATED");
            Json = await Process.ReadAsync("JSON");
            return Json;
        }

        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    /// <summary>A running Curator <c>ServiceCache</c>; every <c>CACHE</c> line is one state of <c>getInstances()</c>.</summary>
    internal sealed class ServiceCacheProcess(PeerProcess process) : IAsyncDisposable
    {
        private readonly List<JsonArray> _states = [];

        /// <summary>Every state seen so far, in order.</summary>
        public IReadOnlyList<JsonArray> States => _states;

        /// <summary>Reads cache states until one satisfies <paramref name="predicate"/>; returns it.</summary>
        public async Task<JsonArray> WaitForAsync(Func<JsonArray, bool> predicate, TimeSpan? timeout = null)
        {
            using var cts = new CancellationTokenSource(timeout ?? Timeout);
            while (true)
            {
                var rest = await process.ReadAsync("CACHE", timeout);
                var state = JsonNode.Parse(rest)!.AsArray();
                _states.Add(state);
                if (predicate(state))
                {
                    return state;
                }
                cts.Token.ThrowIfCancellationRequested();
            }
        }

        public ValueTask DisposeAsync() => process.DisposeAsync();
    }
}
