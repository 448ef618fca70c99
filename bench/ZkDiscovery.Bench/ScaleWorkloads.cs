using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using ZkDiscovery.Hosting.Diagnostics;
using ZkDiscovery.Hosting.Discovery;

namespace ZkDiscovery.Bench;

/// <summary>
/// W7 (churn in a large service) and W8 (configuration fan-out) of docs/benchmarks.md, section "Scale workloads
/// W7 and W8", with ZkDiscovery. W7's registrars and churner run in a child process (<see cref="ScaleChurner"/>), so this
/// process's CPU is the watcher's alone. One discarded warm-up pass (fresh sessions, a full churn or 20 writes)
/// precedes the measured pass.
/// </summary>
/// <remarks>
/// Watchers: <c>raw</c> (default) is the client's one-shot getChildren watcher re-armed on every event that diffs the
/// listed names and reads each new child's data (W7), or S sessions with a getData watcher re-armed on every event (W8);
/// <c>--w7-endpoints</c> makes W7's watcher a <see cref="ZooKeeperServiceEndpointResolver"/> (view = its snapshot,
/// followed through its change tokens); <c>--w8-configuration</c> makes W8's readers configuration providers
/// (<c>AddZooKeeper("/bench/cfg")</c>), one per session.
/// </remarks>
internal static class ScaleWorkloads
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    public static async Task<string> W7Async(BenchOptions o)
    {
        var n = ScaleNames.Instances(o.Scale);
        await using var churner = ChurnerProcess.Start(o.Port, n);
        for (var i = 0; i < o.Warmups(1); i++)
        {
            var discarded = await W7PassAsync(o, n, churner).ConfigureAwait(false);
            Console.Error.WriteLine($"WARMUP {o.Client} W7 pass={i + 1} {discarded}");
        }
        return await W7PassAsync(o, n, churner).ConfigureAwait(false);
    }

    public static async Task<string> W8Async(BenchOptions o)
    {
        var s = ScaleNames.Readers(o.Scale);
        for (var i = 0; i < o.Warmups(1); i++)
        {
            var discarded = await W8PassAsync(o, s, "w" + i.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            Console.Error.WriteLine($"WARMUP {o.Client} W8 pass={i + 1} {discarded}");
        }
        return await W8PassAsync(o, s, "m").ConfigureAwait(false);
    }

    // ---- W7 ----

    private static async Task<string> W7PassAsync(BenchOptions o, int n, ChurnerProcess churner)
    {
        await churner.SendAsync("SETUP").ConfigureAwait(false);
        await churner.ExpectAsync("READY", TimeSpan.FromMinutes(3)).ConfigureAwait(false);

        // Prebuilt before timing: which change each name belongs to, and the final children.
        var changes = new ChangeBook(n);
        await using var w = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = o.ConnectionString, SessionTimeout = TimeSpan.FromSeconds(30) });
        await w.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        IW7Watcher watcher = o.W5Endpoints ? new EndpointsWatcher(w, n, changes) : new RawChildWatcher(w, n, changes);
        try
        {
            var t0 = Stopwatch.GetTimestamp();
            await watcher.StartAsync().ConfigureAwait(false);
            await watcher.Loaded.WaitAsync(s_wait).ConfigureAwait(false);
            var loadMs = Stats.TicksToMilliseconds(Stopwatch.GetTimestamp() - t0);
            var heapMb = ManagedHeapAfterFullGc() / 1048576.0;
            changes.PrepareFinal();
            var settle = await CompilerSettle.WaitAsync().ConfigureAwait(false);

            var cost0 = Cost.Now();
            await churner.SendAsync("GO").ConfigureAwait(false);
            var acksLine = await churner.ExpectAsync("ACKS", s_wait).ConfigureAwait(false);
            await churner.ExpectAsync("DONE", s_wait).ConfigureAwait(false);
            watcher.ChurnAcknowledged();
            await watcher.AllReflected.WaitAsync(s_wait).ConfigureAwait(false);
            var cost = Cost.Now() - cost0;
            var cpu = cost.Cpu;
            watcher.Stop();

            var acks = acksLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(t => long.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            if (acks.Length != ScaleNames.Changes)
            {
                throw new InvalidOperationException($"W7: the churner reported {acks.Length} acks.");
            }
            var reflected = watcher.ReflectedAt();
            var lags = new double[ScaleNames.Changes];
            var early = 0;
            for (var i = 0; i < lags.Length; i++)
            {
                if (reflected[i] == 0)
                {
                    throw new InvalidOperationException($"W7: change {i} was never seen in the view.");
                }
                var lag = (reflected[i] - acks[i]) / 1e6;
                if (lag < 0)
                {
                    early++;
                    lag = 0;
                }
                lags[i] = lag;
            }
            Array.Sort(lags);
            var server = (await w.GetChildrenAsync(ScaleNames.BigPath).ConfigureAwait(false)).Children;
            var view = watcher.ViewNames();
            var finalOk = view.Count == server.Count && server.All(view.Contains);
            return new ResultLine()
                .Add("load_ms", loadMs, 1)
                .Add("lag_p50_ms", Stats.Percentile(lags, 50), 2)
                .Add("lag_p99_ms", Stats.Percentile(lags, 99), 2)
                .Add("cpu_us_change", cpu.TotalMicroseconds / ScaleNames.Changes, 1)
                .Add("tp_items_change", cost.WorkItems / (double)ScaleNames.Changes, 2)
                .Add("csw_change", cost.VoluntarySwitches / (double)ScaleNames.Changes, 2)
                .Add("heap_mb", heapMb, 1)
                .Add("final_ok", finalOk ? 1 : 0)
                .Add("lag_max_ms", lags[^1], 2)
                .Add("seen_before_ack", early)
                .Add("n", n)
                .Add("changes", ScaleNames.Changes)
                .Add("settle_ms", settle.TotalMilliseconds, 0)
                .ToString();
        }
        finally
        {
            watcher.Stop();
            await watcher.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static long ManagedHeapAfterFullGc()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Which change deletes or creates which name; when each change was reflected.</summary>
    private sealed class ChangeBook
    {
        private readonly int _n;

        public ChangeBook(int n)
        {
            for (var i = 0; i < ScaleNames.Changes; i++)
            {
                CreatedBy[ScaleNames.Created(i)] = i;
                DeletedBy[ScaleNames.Deleted(i, n)] = i;
            }
            _n = n;
        }

        public Dictionary<string, int> CreatedBy { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> DeletedBy { get; } = new(StringComparer.Ordinal);

        /// <summary>The children after all changes; built by <see cref="PrepareFinal"/> (after the heap is measured, before the churn).</summary>
        public HashSet<string> Final { get; private set; } = [];

        public void PrepareFinal() => Final = ScaleNames.Final(_n, ScaleNames.Changes);
    }

    private interface IW7Watcher : IAsyncDisposable
    {
        Task Loaded { get; }

        /// <summary>Completes when every change is in the view (the view equals the final children).</summary>
        Task AllReflected { get; }

        Task StartAsync();

        /// <summary>The churner has reported every ack: from now on the view may be compared with the final children.</summary>
        void ChurnAcknowledged();

        void Stop();

        /// <summary>CLOCK_MONOTONIC ns at which each change was first fully in the view.</summary>
        long[] ReflectedAt();

        HashSet<string> ViewNames();
    }

    /// <summary>
    /// The client's raw watcher: getChildren with a one-shot watch, re-armed on every NodeChildrenChanged; each result
    /// is diffed against the names listed before (O(N), the price of this design); new children's data is read with
    /// getData. A deletion is in the view when a listing without the name is processed, a creation when its data
    /// has been read. Per-name bookkeeping is O(1).
    /// </summary>
    private sealed class RawChildWatcher : IW7Watcher
    {
        private readonly object _gate = new();
        private readonly ZooKeeperClient _client;
        private readonly int _n;
        private readonly ChangeBook _book;
        private readonly Action<WatchedEvent> _watcher;
        private readonly Dictionary<string, byte[]> _view = new(StringComparer.Ordinal);
        private readonly long[] _createdAt = new long[ScaleNames.Changes];
        private readonly long[] _deletedAt = new long[ScaleNames.Changes];
        private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private HashSet<string> _listed = new(StringComparer.Ordinal);
        private int _reflected;
        private volatile bool _stopped;

        public RawChildWatcher(ZooKeeperClient client, int n, ChangeBook book)
        {
            _client = client;
            _n = n;
            _book = book;
            _watcher = OnWatch;
        }

        public Task Loaded => _loaded.Task;

        public Task AllReflected => _all.Task;

        public Task StartAsync()
        {
            Rearm();
            return Task.CompletedTask;
        }

        public void ChurnAcknowledged()
        {
        }

        public void Stop() => _stopped = true;

        public long[] ReflectedAt()
        {
            lock (_gate)
            {
                return _createdAt.Zip(_deletedAt, Math.Max).ToArray();
            }
        }

        public HashSet<string> ViewNames()
        {
            lock (_gate)
            {
                return new HashSet<string>(_view.Keys, StringComparer.Ordinal);
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private void Fail(Exception e)
        {
            if (!_stopped)
            {
                _loaded.TrySetException(e);
                _all.TrySetException(e);
            }
        }

        private void OnWatch(WatchedEvent e)
        {
            if (e.Type == WatchEventType.NodeChildrenChanged)
            {
                Rearm();
            }
            else if (!e.IsWatchLost)
            {
                Fail(new InvalidOperationException($"Unexpected watch event {e.Type} {e.State} {e.Path}."));
            }
        }

        private void Rearm() =>
            _client.GetChildrenAsync(ScaleNames.BigPath, _watcher).ContinueWith(
                static (task, s) => ((RawChildWatcher)s!).OnChildren(task), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        private void OnChildren(Task<ChildrenResult> task)
        {
            if (!task.IsCompletedSuccessfully)
            {
                Fail(task.Exception?.GetBaseException() ?? new InvalidOperationException("getChildren was canceled."));
                return;
            }
            var listed = new HashSet<string>(task.Result.Children, StringComparer.Ordinal);
            List<string>? added = null;
            lock (_gate)
            {
                var now = Stats.MonotonicNanoseconds();
                foreach (var name in _listed)
                {
                    if (!listed.Contains(name))
                    {
                        _view.Remove(name);
                        if (_book.DeletedBy.TryGetValue(name, out var i) && _deletedAt[i] == 0)
                        {
                            _deletedAt[i] = now;
                            Reflect(i);
                        }
                    }
                }
                foreach (var name in listed)
                {
                    if (!_listed.Contains(name))
                    {
                        (added ??= []).Add(name);
                    }
                }
                _listed = listed;
            }
            if (added is null)
            {
                return;
            }
            foreach (var name in added)
            {
                _client.GetDataAsync(ScaleNames.BigPath + "/" + name).ContinueWith(
                    static (t, s) =>
                    {
                        var (self, child) = ((RawChildWatcher, string))s!;
                        self.OnData(child, t);
                    },
                    (this, name), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        private void OnData(string name, Task<NodeData> task)
        {
            if (!task.IsCompletedSuccessfully)
            {
                if (task.Exception?.GetBaseException() is NoNodeException)
                {
                    return; // deleted again before its data was read: a later listing drops it
                }
                Fail(task.Exception?.GetBaseException() ?? new InvalidOperationException("getData was canceled."));
                return;
            }
            lock (_gate)
            {
                if (!_listed.Contains(name))
                {
                    return;
                }
                _view[name] = task.Result.Data;
                if (_book.CreatedBy.TryGetValue(name, out var i) && _createdAt[i] == 0)
                {
                    _createdAt[i] = Stats.MonotonicNanoseconds();
                    Reflect(i);
                }
                if (_view.Count == _n && !_loaded.Task.IsCompleted)
                {
                    _loaded.TrySetResult();
                }
            }
        }

        private void Reflect(int i)
        {
            if (_createdAt[i] != 0 && _deletedAt[i] != 0 && ++_reflected == ScaleNames.Changes)
            {
                _all.TrySetResult();
            }
        }
    }

    /// <summary>
    /// The discovery layer: a <see cref="ZooKeeperServiceEndpointResolver"/> on W's session with /bench/big as the path of
    /// service "big". Each change token callback follows the newest snapshot's token and checks, in change order, which
    /// changes the new snapshot reflects: a lookup of the created and the deleted name (<c>TryGetEndpoint</c>, two
    /// binary searches), stopping at the first change not yet reflected. That is O(log N) per change and keeps no snapshot alive
    /// (the Java drivers keep none either; holding every snapshot would make the measured process's collector copy them).
    /// A change reflected before an earlier one would be recorded no earlier than that one: the lag can only come out
    /// high. After the churner's last ack each new snapshot is compared with the final children once.
    /// </summary>
    private sealed class EndpointsWatcher : IW7Watcher
    {
        private const string Service = "big";
        private readonly object _gate = new();
        private readonly ZooKeeperClient _client;
        private readonly int _n;
        private readonly ChangeBook _book;
        private readonly ZooKeeperHostingMetrics _metrics = new(null);
        private readonly ZooKeeperServiceEndpointResolver _resolver;
        private readonly string[] _createdNames = new string[ScaleNames.Changes];
        private readonly string[] _deletedNames = new string[ScaleNames.Changes];
        private readonly long[] _reflectedAt = new long[ScaleNames.Changes];
        private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Action<object?> _onChange;
        private ServiceEndpointSnapshot? _last;
        private int _next;
        private bool _recording;
        private bool _acknowledged;
        private volatile bool _stopped;

        public EndpointsWatcher(ZooKeeperClient client, int n, ChangeBook book)
        {
            _client = client;
            _n = n;
            _book = book;
            for (var i = 0; i < ScaleNames.Changes; i++)
            {
                _createdNames[i] = ScaleNames.Created(i);
                _deletedNames[i] = ScaleNames.Deleted(i, n);
            }
            var options = new ZooKeeperServiceDiscoveryOptions();
            options.Services[Service] = ScaleNames.BigPath;
            _resolver = new ZooKeeperServiceEndpointResolver(client, Options.Create(options), NullLoggerFactory.Instance, TimeProvider.System, _metrics);
            _onChange = OnChange;
        }

        public Task Loaded => _loaded.Task;

        public Task AllReflected => _all.Task;

        public async Task StartAsync()
        {
            var snapshot = await _resolver.GetSnapshotAsync(Service).ConfigureAwait(false);
            Observe(snapshot);
            snapshot.ChangeToken.RegisterChangeCallback(_onChange, null);
        }

        public void ChurnAcknowledged()
        {
            lock (_gate)
            {
                _acknowledged = true;
            }
            Observe(_resolver.GetSnapshot(Service));
        }

        public void Stop() => _stopped = true;

        public long[] ReflectedAt()
        {
            lock (_gate)
            {
                return (long[])_reflectedAt.Clone();
            }
        }

        public HashSet<string> ViewNames() =>
            new(_resolver.GetSnapshot(Service).Endpoints.Select(e => e.Name), StringComparer.Ordinal);

        public async ValueTask DisposeAsync()
        {
            await _resolver.DisposeAsync().ConfigureAwait(false);
            _metrics.Dispose();
        }

        private void OnChange(object? state)
        {
            if (_stopped)
            {
                return;
            }
            var snapshot = _resolver.GetSnapshot(Service);
            Observe(snapshot);
            snapshot.ChangeToken.RegisterChangeCallback(_onChange, null);
        }

        private void Observe(ServiceEndpointSnapshot snapshot)
        {
            var now = Stats.MonotonicNanoseconds();
            lock (_gate)
            {
                if (!_recording)
                {
                    if (snapshot.IsLoaded && snapshot.Count == _n)
                    {
                        _recording = true; // loaded: from now on every snapshot is checked for the lag
                        _loaded.TrySetResult();
                    }
                    return;
                }
                if (!ReferenceEquals(_last, snapshot))
                {
                    _last = snapshot;
                    while (_next < ScaleNames.Changes
                        && snapshot.TryGetEndpoint(_createdNames[_next], out _)
                        && !snapshot.TryGetEndpoint(_deletedNames[_next], out _))
                    {
                        _reflectedAt[_next++] = now;
                    }
                }
                if (_acknowledged && !_all.Task.IsCompleted && snapshot.Count == _book.Final.Count
                    && snapshot.Endpoints.All(e => _book.Final.Contains(e.Name)))
                {
                    _all.TrySetResult();
                }
            }
        }
    }

    /// <summary>The W7 churner child process (this assembly's <c>w7-churner</c> command).</summary>
    private sealed class ChurnerProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private ChurnerProcess(Process process) => _process = process;

        public static ChurnerProcess Start(int port, int n)
        {
            var info = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(typeof(ScaleChurner).Assembly.Location);
            info.ArgumentList.Add("w7-churner");
            info.ArgumentList.Add("--port");
            info.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
            info.ArgumentList.Add("--instances");
            info.ArgumentList.Add(n.ToString(CultureInfo.InvariantCulture));
            return new ChurnerProcess(Process.Start(info) ?? throw new InvalidOperationException("The W7 churner did not start."));
        }

        public async Task SendAsync(string command)
        {
            await _process.StandardInput.WriteLineAsync(command).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        }

        public async Task<string> ExpectAsync(string prefix, TimeSpan timeout)
        {
            var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(timeout).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The W7 churner exited while {prefix} was expected.");
            if (!line.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The W7 churner answered \"{line}\" while {prefix} was expected.");
            }
            return line;
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await SendAsync("QUIT").ConfigureAwait(false);
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
            }
            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(exited.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
            _process.Dispose();
        }
    }

    // ---- W8 ----

    private static async Task<string> W8PassAsync(BenchOptions o, int s, string passTag)
    {
        await using var writer = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = o.ConnectionString, SessionTimeout = TimeSpan.FromSeconds(30) });
        await writer.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        try
        {
            await writer.CreateAsync(ScaleNames.ConfigPath, ScaleNames.ConfigData(0)).ConfigureAwait(false);
        }
        catch (NodeExistsException)
        {
        }
        var v0 = (await writer.SetDataAsync(ScaleNames.ConfigPath, ScaleNames.ConfigData(0)).ConfigureAwait(false)).Version;
        var fanOut = new FanOut(s);
        IW8Readers readers = o.W8Configuration
            ? await ConfigurationReaders.StartAsync(o, s, passTag, fanOut).ConfigureAwait(false)
            : await RawDataReaders.StartAsync(o, s, v0, fanOut).ConfigureAwait(false);
        try
        {
            var acks = new long[ScaleNames.Writes];
            var settle = await CompilerSettle.WaitAsync().ConfigureAwait(false);
            var allocated0 = GC.GetTotalAllocatedBytes();
            var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var paused0 = GC.GetTotalPauseDuration();
            var cost0 = Cost.Now();
            var start = Stopwatch.GetTimestamp();
            for (var j = 0; j < ScaleNames.Writes; j++)
            {
                var due = start + (j * Stopwatch.Frequency * ScaleNames.WriteIntervalMs / 1000);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait).ConfigureAwait(false);
                }
                var stat = await writer.SetDataAsync(ScaleNames.ConfigPath, ScaleNames.ConfigData(j + 1)).ConfigureAwait(false);
                acks[j] = Stats.MonotonicNanoseconds();
                if (stat.Version != v0 + j + 1)
                {
                    throw new InvalidOperationException($"W8: write {j} made version {stat.Version}, expected {v0 + j + 1} (another writer?).");
                }
            }
            await fanOut.All.WaitAsync(s_wait).ConfigureAwait(false);
            var cost = Cost.Now() - cost0;
            var allocated = GC.GetTotalAllocatedBytes() - allocated0;
            var (gc0, gc1, gc2) = (GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2);
            var cpu = cost.Cpu;
            var allMs = new double[ScaleNames.Writes];
            for (var j = 0; j < allMs.Length; j++)
            {
                allMs[j] = Math.Max(0, (fanOut.AllAt[j] - acks[j]) / 1e6);
            }
            Array.Sort(allMs);
            using var self = Process.GetCurrentProcess();
            return new ResultLine()
                .Add("all_p50_ms", Stats.Percentile(allMs, 50), 2)
                .Add("all_p99_ms", Stats.Percentile(allMs, 99), 2)
                .Add("cpu_us_notify", cpu.TotalMicroseconds / (ScaleNames.Writes * (double)s), 2)
                .Add("rss_mb", self.WorkingSet64 / 1048576.0, 1)
                .Add("all_max_ms", allMs[^1], 2)
                .Add("readers", s)
                .Add("writes", ScaleNames.Writes)
                .Add("alloc_b_notify", allocated / (ScaleNames.Writes * (double)s), 0)
                .Add("tp_items_notify", cost.WorkItems / (ScaleNames.Writes * (double)s), 2)
                .Add("csw_notify", cost.VoluntarySwitches / (ScaleNames.Writes * (double)s), 2)
                .Add("settle_ms", settle.TotalMilliseconds, 0)
                .Add("gc0", gc0)
                .Add("gc1", gc1)
                .Add("gc2", gc2)
                .Add("gc_pause_ms", (GC.GetTotalPauseDuration() - paused0).TotalMilliseconds, 1)
                .ToString();
        }
        finally
        {
            await readers.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Counts, per write, the readers that have it; the time the last one got it.</summary>
    private sealed class FanOut(int readers)
    {
        private readonly int[] _have = new int[ScaleNames.Writes];
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _complete;

        public long[] AllAt { get; } = new long[ScaleNames.Writes];

        public Task All => _all.Task;

        /// <summary>A reader that had writes [0, from) now has writes [0, to).</summary>
        public void Advance(int from, int to)
        {
            for (var j = Math.Max(0, from); j < Math.Min(to, ScaleNames.Writes); j++)
            {
                if (Interlocked.Increment(ref _have[j]) == readers)
                {
                    AllAt[j] = Stats.MonotonicNanoseconds();
                    if (Interlocked.Increment(ref _complete) == ScaleNames.Writes)
                    {
                        _all.TrySetResult();
                    }
                }
            }
        }

        public void Fail(Exception e) => _all.TrySetException(e);
    }

    private interface IW8Readers : IAsyncDisposable;

    /// <summary>S sessions, each with a getData watch on /bench/cfg re-armed (async getData) on every NodeDataChanged.</summary>
    private sealed class RawDataReaders(List<ZooKeeperClient> sessions) : IW8Readers
    {
        public static async Task<RawDataReaders> StartAsync(BenchOptions o, int s, int v0, FanOut fanOut)
        {
            var sessions = new List<ZooKeeperClient>(s);
            var readers = new RawDataReaders(sessions);
            try
            {
                for (var first = 0; first < s; first += 50)
                {
                    var batch = Enumerable.Range(first, Math.Min(50, s - first)).Select(async _ =>
                    {
                        var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = o.ConnectionString, SessionTimeout = TimeSpan.FromSeconds(30) });
                        lock (sessions)
                        {
                            sessions.Add(client);
                        }
                        await client.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                        await new Reader(client, v0, fanOut).StartAsync().ConfigureAwait(false);
                    });
                    await Task.WhenAll(batch).ConfigureAwait(false);
                }
                return readers;
            }
            catch
            {
                await readers.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Task.WhenAll(sessions.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
        }

        private sealed class Reader(ZooKeeperClient client, int v0, FanOut fanOut)
        {
            private int _have;

            public async Task StartAsync()
            {
                var data = await client.GetDataAsync(ScaleNames.ConfigPath, OnWatch).ConfigureAwait(false);
                if (data.Stat.Version != v0)
                {
                    throw new InvalidOperationException($"W8: a reader found version {data.Stat.Version}, expected {v0}.");
                }
            }

            private void OnWatch(WatchedEvent e)
            {
                if (e.Type != WatchEventType.NodeDataChanged)
                {
                    return;
                }
                client.GetDataAsync(ScaleNames.ConfigPath, OnWatch).ContinueWith(static (t, s) =>
                {
                    var reader = (Reader)s!;
                    if (!t.IsCompletedSuccessfully)
                    {
                        reader.FailUnlessClosing(t);
                        return;
                    }
                    var have = t.Result.Stat.Version - reader.Start;
                    var before = reader._have;
                    if (have > before)
                    {
                        reader._have = have;
                        reader.Fan.Advance(before, have);
                    }
                }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            private int Start => v0;

            private FanOut Fan => fanOut;

            private void FailUnlessClosing(Task t)
            {
                if (t.Exception?.GetBaseException() is not ObjectDisposedException)
                {
                    fanOut.Fail(t.Exception?.GetBaseException() ?? new InvalidOperationException("getData was canceled."));
                }
            }
        }
    }

    /// <summary>
    /// S configuration providers (<c>AddZooKeeper("/bench/cfg")</c>, one <see cref="IConfigurationRoot"/> each) on S
    /// sessions. The provider shares one session per connection string and credentials, so each reader names its own
    /// digest credentials (<c>w8-PASS-K:x</c>; the node's ACL is open, so the identity changes nothing else) and gets its
    /// own session. <c>ReloadDelay</c> is zero: the provider's default 250 ms coalescing delay would otherwise be measured.
    /// A reader has write j when its configuration's <c>seq</c> is at least j + 1 (observed through the root's reload token).
    /// </summary>
    private sealed class ConfigurationReaders(List<IConfigurationRoot> roots) : IW8Readers
    {
        public static async Task<ConfigurationReaders> StartAsync(BenchOptions o, int s, string passTag, FanOut fanOut)
        {
            var roots = new List<IConfigurationRoot>(s);
            var readers = new ConfigurationReaders(roots);
            try
            {
                // One after the other on a pool thread: Build() blocks until the provider's first read (sync over
                // async), and many blocked builds at once would starve the thread pool that the reads need. Not timed.
                await Task.Run(() =>
                {
                    for (var k = 0; k < s; k++)
                    {
                        roots.Add(StartReader(o, passTag, k, fanOut));
                    }
                }).ConfigureAwait(false);
                return readers;
            }
            catch
            {
                await readers.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        private static IConfigurationRoot StartReader(BenchOptions o, string passTag, int k, FanOut fanOut)
        {
            var root = new ConfigurationBuilder().AddZooKeeper(ScaleNames.ConfigPath, source =>
            {
                source.ConnectionString = o.ConnectionString;
                source.DigestCredentials = string.Create(CultureInfo.InvariantCulture, $"w8-{passTag}-{k}:x");
                source.ReloadDelay = TimeSpan.Zero;
                source.StartupTimeout = TimeSpan.FromSeconds(30);
            }).Build();
            if (root["seq"] != "0")
            {
                ((IDisposable)root).Dispose();
                throw new InvalidOperationException($"W8: a configuration reader started with seq={root["seq"]}, expected 0.");
            }
            var have = 0;
            ChangeToken.OnChange(root.GetReloadToken, () =>
            {
                if (!int.TryParse(root["seq"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seq))
                {
                    return;
                }
                while (Volatile.Read(ref have) is var before && seq > before)
                {
                    if (Interlocked.CompareExchange(ref have, seq, before) == before)
                    {
                        fanOut.Advance(before, seq);
                        break;
                    }
                }
            });
            return root;
        }

        public async ValueTask DisposeAsync()
        {
            // One after the other, off the caller's thread: Dispose blocks until the provider's loop has ended.
            await Task.Run(() =>
            {
                foreach (var root in roots)
                {
                    ((IDisposable)root).Dispose();
                }
            }).ConfigureAwait(false);
        }
    }
}
