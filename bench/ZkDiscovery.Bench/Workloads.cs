using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ZkDiscovery.Hosting.Diagnostics;
using ZkDiscovery.Hosting.Discovery;

namespace ZkDiscovery.Bench;

/// <summary>
/// W1-W6 with ZkDiscovery's public API, as docs/benchmarks.md describes them.
/// Synchronous calls of the definition (W2, W4) are awaited one at a time; the "issuing thread" of W1/W3 is the
/// issuing async flow, which takes a permit of a 1,000-permit semaphore before each call; the completion callback
/// (a synchronous continuation of the call's task) checks the reply and releases the permit.
/// </summary>
internal static class Workloads
{
    private const string ReadPath = "/bench/r";
    private const string WritePath = "/bench/w";
    private const string WatchPath = "/bench/watch";
    private const string SvcPath = "/bench/svc";
    private const int WindowSize = 1000;
    private const int PayloadSize = 100;
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private static readonly byte[] s_payload = Enumerable.Repeat((byte)'x', PayloadSize).ToArray();

    public static async Task<string> RunAsync(string workload, BenchOptions o)
    {
        await SetUpTreeAsync(o).ConfigureAwait(false);
        return workload switch
        {
            "SETUP" => "ok=1",
            "W1" => await PassesAsync(workload, o, o.Warmups(2), () => W1Async(o)).ConfigureAwait(false),
            "W2" => await PassesAsync(workload, o, o.Warmups(3), () => W2Async(o)).ConfigureAwait(false),
            "W3" => await PassesAsync(workload, o, o.Warmups(3), () => W3Async(o)).ConfigureAwait(false),
            "W4" => await PassesAsync(workload, o, o.Warmups(3), () => W4Async(o)).ConfigureAwait(false),
            "W5" => await W5Async(o).ConfigureAwait(false),
            "W6" => await PassesAsync(workload, o, o.Warmups(1), () => W6Async(o)).ConfigureAwait(false),
            "W7" => await ScaleWorkloads.W7Async(o).ConfigureAwait(false),
            "W8" => await ScaleWorkloads.W8Async(o).ConfigureAwait(false),
            _ => throw new ArgumentException($"Unknown workload {workload}."),
        };
    }

    private static async Task<string> PassesAsync(string workload, BenchOptions o, int warmups, Func<Task<string>> pass)
    {
        for (var i = 0; i < warmups; i++)
        {
            var discarded = await pass().ConfigureAwait(false);
            Console.Error.WriteLine($"WARMUP {o.Client} {workload} pass={i + 1} {discarded}");
        }
        return await pass().ConfigureAwait(false);
    }

    private static ZooKeeperClientOptions ClientOptions(BenchOptions o) => new()
    {
        ConnectionString = o.ConnectionString,
        SessionTimeout = TimeSpan.FromSeconds(30),
        Retry = o.NoRetry ? new ZooKeeperRetryOptions { MaxRetryAttempts = 0 } : new ZooKeeperRetryOptions(),
    };

    private static async Task<ZooKeeperClient> ConnectAsync(BenchOptions o)
    {
        var client = new ZooKeeperClient(ClientOptions(o));
        try
        {
            await client.WaitUntilConnectedAsync(s_wait).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates the tree if missing, sets /bench/r to the payload, deletes children of /bench/w and /bench/svc.</summary>
    private static async Task SetUpTreeAsync(BenchOptions o)
    {
        await using var client = await ConnectAsync(o).ConfigureAwait(false);
        foreach (var path in new[] { "/bench", ReadPath, WritePath, WatchPath, SvcPath })
        {
            try
            {
                await client.CreateAsync(path).ConfigureAwait(false);
            }
            catch (NodeExistsException)
            {
            }
        }
        await client.SetDataAsync(ReadPath, s_payload).ConfigureAwait(false);
        foreach (var parent in new[] { WritePath, SvcPath })
        {
            var children = await client.GetChildrenAsync(parent).ConfigureAwait(false);
            await Task.WhenAll(children.Children.Select(async name =>
            {
                try
                {
                    await client.DeleteAsync(parent + "/" + name).ConfigureAwait(false);
                }
                catch (NoNodeException)
                {
                }
            })).ConfigureAwait(false);
        }
    }

    // ---- W1: pipelined reads ----

    private static async Task<string> W1Async(BenchOptions o)
    {
        var n = o.Scaled(200_000);
        await using var client = await ConnectAsync(o).ConfigureAwait(false);
        using var window = PermitWindow.Create(o.InlinePermits, WindowSize);
        var state = new Pipeline(window);
        var cost0 = Cost.Now();
        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            await window.AcquireAsync().ConfigureAwait(false);
            _ = client.GetDataAsync(ReadPath).ContinueWith(Pipeline.OnRead, state, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        await window.DrainAsync().ConfigureAwait(false);
        var elapsed = Stopwatch.GetTimestamp() - t0;
        var cost = Cost.Now() - cost0;
        state.ThrowIfFailed();
        return new ResultLine()
            .Add("ops_s", n / Stats.TicksToSeconds(elapsed), 0)
            .Apply(cost, n)
            .Add("ops", n)
            .ToString();
    }

    // ---- W2: round-trip latency ----

    private static async Task<string> W2Async(BenchOptions o)
    {
        var n = o.Scaled(20_000);
        await using var client = await ConnectAsync(o).ConfigureAwait(false);
        var samples = new double[n];
        var cost0 = Cost.Now();
        for (var i = 0; i < n; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var reply = await client.GetDataAsync(ReadPath).ConfigureAwait(false);
            samples[i] = Stats.TicksToMicroseconds(Stopwatch.GetTimestamp() - start);
            if (reply.Data.Length != PayloadSize)
            {
                throw new InvalidOperationException($"getData returned {reply.Data.Length} bytes, expected {PayloadSize}.");
            }
        }
        var cost = Cost.Now() - cost0;
        return LatencyLine(samples, cost, n);
    }

    private static string LatencyLine(double[] samples, Cost cost, int ops)
    {
        var mean = samples.Average();
        Array.Sort(samples);
        return new ResultLine()
            .Add("p50_us", Stats.Percentile(samples, 50))
            .Add("p99_us", Stats.Percentile(samples, 99))
            .Add("mean_us", mean)
            .Add("max_us", samples[^1])
            .Apply(cost, ops)
            .Add("n", samples.Length)
            .ToString();
    }

    // ---- W3: pipelined writes ----

    private static async Task<string> W3Async(BenchOptions o)
    {
        var n = o.Scaled(20_000);
        var paths = new string[n];
        for (var i = 0; i < n; i++)
        {
            paths[i] = WritePath + "/n" + i.ToString("D5", CultureInfo.InvariantCulture);
        }
        await using var client = await ConnectAsync(o).ConfigureAwait(false);
        using var window = PermitWindow.Create(o.InlinePermits, WindowSize);
        var state = new Pipeline(window);
        var cost0 = Cost.Now();
        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            await window.AcquireAsync().ConfigureAwait(false);
            _ = client.CreateAsync(paths[i], s_payload).ContinueWith(Pipeline.OnCompleted, state, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        await window.DrainAsync().ConfigureAwait(false);
        var t1 = Stopwatch.GetTimestamp();
        state.ThrowIfFailed();
        for (var i = 0; i < n; i++)
        {
            await window.AcquireAsync().ConfigureAwait(false);
            _ = client.DeleteAsync(paths[i], -1).ContinueWith(Pipeline.OnCompleted, state, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        await window.DrainAsync().ConfigureAwait(false);
        var t2 = Stopwatch.GetTimestamp();
        var cost = Cost.Now() - cost0;
        state.ThrowIfFailed();
        return new ResultLine()
            .Add("create_ops_s", n / Stats.TicksToSeconds(t1 - t0), 0)
            .Add("delete_ops_s", n / Stats.TicksToSeconds(t2 - t1), 0)
            .Apply(cost, 2.0 * n)
            .Add("ops", 2L * n)
            .ToString();
    }

    /// <summary>Completion callbacks of W1/W3: check the reply, release the permit.</summary>
    private sealed class Pipeline(PermitWindow window)
    {
        private Exception? _failure;

        public static readonly Action<Task<NodeData>, object?> OnRead = static (task, state) =>
        {
            var pipeline = (Pipeline)state!;
            if (!task.IsCompletedSuccessfully)
            {
                pipeline.Fail(task.Exception?.GetBaseException() ?? new InvalidOperationException("getData was canceled."));
            }
            else if (task.Result.Data.Length != PayloadSize)
            {
                pipeline.Fail(new InvalidOperationException($"getData returned {task.Result.Data.Length} bytes, expected {PayloadSize}."));
            }
            pipeline.Window.Release();
        };

        public static readonly Action<Task, object?> OnCompleted = static (task, state) =>
        {
            var pipeline = (Pipeline)state!;
            if (!task.IsCompletedSuccessfully)
            {
                pipeline.Fail(task.Exception?.GetBaseException() ?? new InvalidOperationException("The request was canceled."));
            }
            pipeline.Window.Release();
        };

        public PermitWindow Window { get; } = window;

        public void Fail(Exception e) => Interlocked.CompareExchange(ref _failure, e, null);

        public void ThrowIfFailed()
        {
            if (Volatile.Read(ref _failure) is { } failure)
            {
                throw new InvalidOperationException("An operation failed: " + failure.Message, failure);
            }
        }
    }

    // ---- W4: watch latency ----

    private static async Task<string> W4Async(BenchOptions o)
    {
        var n = o.Scaled(2_000);
        await using var a = await ConnectAsync(o).ConfigureAwait(false);
        await using var b = await ConnectAsync(o).ConfigureAwait(false);
        using var signal = new Doorbell(o.W4AsyncA);
        var state = new WatchState(signal);
        Action<WatchedEvent> watcher;
        if (o.PersistentWatch)
        {
            watcher = e =>
            {
                if (e.Type != WatchEventType.NodeDataChanged)
                {
                    state.Unexpected(e);
                    return;
                }
                Volatile.Write(ref state.EntryTimestamp, Stopwatch.GetTimestamp());
                Interlocked.Increment(ref state.Events);
                signal.Release();
            };
            await b.AddWatchAsync(WatchPath, watcher, AddWatchMode.Persistent).ConfigureAwait(false);
        }
        else
        {
            Action<WatchedEvent>? self = null;
            watcher = e =>
            {
                if (e.Type != WatchEventType.NodeDataChanged)
                {
                    state.Unexpected(e);
                    return;
                }
                // 1. the time on entry; 2. re-arm asynchronously; 3. on completion publish the version and signal A.
                Volatile.Write(ref state.EntryTimestamp, Stopwatch.GetTimestamp());
                b.GetDataAsync(WatchPath, self).ContinueWith(WatchState.OnRearmed, state, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            };
            self = watcher;
            var first = await b.GetDataAsync(WatchPath, watcher).ConfigureAwait(false);
            state.Version = first.Stat.Version;
        }

        var samples = new double[n];
        var cost0 = Cost.Now();
        if (o.W4AsyncA)
        {
            for (var i = 0; i < n; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                var stat = await a.SetDataAsync(WatchPath, s_payload, -1).ConfigureAwait(false);
                if (!await signal.WaitAsync(s_wait).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"W4: no notification for set {i} within {s_wait.TotalSeconds} s.");
                }
                Check(i, t0, stat);
            }
        }
        else
        {
            // As the Java driver's main thread: A blocks on each setData and on the watcher's signal, on a thread of
            // its own, waking when each is done (no spinning, as Java's Object.wait and Semaphore do not spin).
            await OnThreadOfItsOwnAsync(() =>
            {
                using var replied = new ManualResetEventSlim(false, spinCount: 0);
                Action set = replied.Set;
                for (var i = 0; i < n; i++)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    replied.Reset();
                    var write = a.SetDataAsync(WatchPath, s_payload, -1);
                    write.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(set);
                    replied.Wait();
                    var stat = write.GetAwaiter().GetResult();
                    if (!signal.Wait(s_wait))
                    {
                        throw new InvalidOperationException($"W4: no notification for set {i} within {s_wait.TotalSeconds} s.");
                    }
                    Check(i, t0, stat);
                }
            }).ConfigureAwait(false);
        }

        void Check(int i, long t0, NodeStat stat)
        {
            state.ThrowIfFailed();
            if (o.PersistentWatch)
            {
                if (Volatile.Read(ref state.Events) != i + 1)
                {
                    throw new InvalidOperationException($"W4: {state.Events} notifications after {i + 1} sets.");
                }
            }
            else if (Volatile.Read(ref state.Version) < stat.Version)
            {
                throw new InvalidOperationException($"W4: B re-read version {state.Version}, A wrote version {stat.Version}.");
            }
            samples[i] = Stats.TicksToMicroseconds(Volatile.Read(ref state.EntryTimestamp) - t0);
        }
        var cost = Cost.Now() - cost0;
        state.Done = true;
        return LatencyLine(samples, cost, n);
    }

    /// <summary>Runs <paramref name="body"/> on a new thread (as a Java driver's main thread); completes when it returns.</summary>
    private static Task OnThreadOfItsOwnAsync(Action body)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                body();
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "W4 A",
        };
        thread.UnsafeStart();
        return done.Task;
    }

    /// <summary>
    /// W4's signal from B's watcher to A: a count that A waits on, blocking without spinning (Monitor, as Java's
    /// Semaphore parks) or asynchronously (a SemaphoreSlim, with --w4-async-a).
    /// </summary>
    private sealed class Doorbell(bool asynchronous) : IDisposable
    {
        private readonly object _gate = new();
        private readonly SemaphoreSlim _async = new(0);
        private int _count;

        public void Release()
        {
            if (asynchronous)
            {
                _async.Release();
                return;
            }
            lock (_gate)
            {
                _count++;
                Monitor.Pulse(_gate);
            }
        }

        public bool Wait(TimeSpan timeout)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            lock (_gate)
            {
                while (_count == 0)
                {
                    var left = deadline - Stopwatch.GetTimestamp();
                    if (left <= 0 || !Monitor.Wait(_gate, TimeSpan.FromSeconds(left / (double)Stopwatch.Frequency)))
                    {
                        return false;
                    }
                }
                _count--;
            }
            return true;
        }

        public Task<bool> WaitAsync(TimeSpan timeout) => _async.WaitAsync(timeout);

        public void Dispose() => _async.Dispose();
    }

    private sealed class WatchState(Doorbell signal)
    {
        public long EntryTimestamp;
        public int Version;
        public int Events;
        public volatile bool Done;
        private Exception? _failure;

        public static readonly Action<Task<NodeData>, object?> OnRearmed = static (task, s) =>
        {
            var state = (WatchState)s!;
            if (task.IsCompletedSuccessfully)
            {
                Volatile.Write(ref state.Version, task.Result.Stat.Version);
            }
            else
            {
                state.Fail(task.Exception?.GetBaseException() ?? new InvalidOperationException("Re-arm was canceled."));
            }
            state.Signal.Release();
        };

        public Doorbell Signal { get; } = signal;

        public void Unexpected(WatchedEvent e)
        {
            if (!Done && !e.IsWatchLost)
            {
                Fail(new InvalidOperationException($"Unexpected watch event {e.Type} {e.State} {e.Path}."));
                Signal.Release();
            }
        }

        public void Fail(Exception e) => Interlocked.CompareExchange(ref _failure, e, null);

        public void ThrowIfFailed()
        {
            if (Volatile.Read(ref _failure) is { } failure)
            {
                throw new InvalidOperationException("W4 failed: " + failure.Message, failure);
            }
        }
    }

    // ---- W5: membership convergence ----

    private const int Registrars = 10;
    private const int PerRegistrar = 100;
    private const int MeasuredRounds = 5;

    private static async Task<string> W5Async(BenchOptions o)
    {
        var names = new string[Registrars][];
        for (var k = 0; k < Registrars; k++)
        {
            names[k] = new string[PerRegistrar];
            for (var j = 0; j < PerRegistrar; j++)
            {
                names[k][j] = string.Create(CultureInfo.InvariantCulture, $"{SvcPath}/10.0.0.{k + 1}:{8000 + j}");
            }
        }
        // The warm-up count is the table's "3 rounds" (the W5 paragraph of the workload doc says 1; the table is
        // the one every client follows).
        var warmups = o.Warmups(3);
        Func<BenchOptions, string[][], Task<W5Round>> round = o.W5Endpoints ? W5EndpointsRoundAsync : W5RoundAsync;
        for (var i = 0; i < warmups; i++)
        {
            var r = await round(o, names).ConfigureAwait(false);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"WARMUP {o.Client} W5 round={i + 1} converge_ms={r.ConvergeMs:F1} events={r.Events} all_acked_ms={r.AllAckedMs:F1}"));
        }
        var rounds = new List<W5Round>();
        for (var i = 0; i < MeasuredRounds; i++)
        {
            rounds.Add(await round(o, names).ConfigureAwait(false));
        }
        return new ResultLine()
            .Add("converge_ms", Stats.Median(rounds.Select(r => r.ConvergeMs).ToList()), 2)
            .Add("events", (long)Stats.Median(rounds.Select(r => (double)r.Events).ToList()))
            .Add("all_acked_ms", Stats.Median(rounds.Select(r => r.AllAckedMs).ToList()), 2)
            .Add("rounds_converge_ms", rounds.Select(r => r.ConvergeMs), 2)
            .Add("rounds_events", rounds.Select(r => (double)r.Events), 0)
            .Add("rounds_all_acked_ms", rounds.Select(r => r.AllAckedMs), 2)
            .ToString();
    }

    private readonly record struct W5Round(double ConvergeMs, int Events, double AllAckedMs);

    private sealed class MembershipState
    {
        public int Events;
        public long ConvergedTimestamp;
        public volatile bool Done;
        public Exception? Failure;
        public readonly TaskCompletionSource Converged = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Fail(Exception e)
        {
            Interlocked.CompareExchange(ref Failure, e, null);
            Converged.TrySetException(e);
        }
    }

    /// <summary>
    /// The registrars' side of a W5 round, the same whichever watcher is measured: each registrar waits on the shared
    /// gate, issues its 100 ephemeral creates back to back and awaits their acks; then the watcher's convergence is awaited.
    /// </summary>
    private static async Task<W5Round> RunRegistrarsAsync(List<ZooKeeperClient> registrars, string[][] names, MembershipState state)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var acked = new long[Registrars];
        var tasks = new Task[Registrars];
        for (var k = 0; k < Registrars; k++)
        {
            var index = k;
            var registrar = registrars[k];
            var mine = names[k];
            tasks[k] = Task.Run(async () =>
            {
                await gate.Task.ConfigureAwait(false);
                var creates = new Task[PerRegistrar];
                for (var j = 0; j < PerRegistrar; j++)
                {
                    creates[j] = registrar.CreateAsync(mine[j], default, CreateMode.Ephemeral);
                }
                await Task.WhenAll(creates).ConfigureAwait(false);
                acked[index] = Stopwatch.GetTimestamp();
            });
        }
        var t0 = Stopwatch.GetTimestamp();
        gate.SetResult();
        await Task.WhenAll(tasks).WaitAsync(s_wait).ConfigureAwait(false);
        await state.Converged.Task.WaitAsync(s_wait).ConfigureAwait(false);
        state.Done = true;
        return new W5Round(
            Stats.TicksToMilliseconds(state.ConvergedTimestamp - t0),
            Volatile.Read(ref state.Events),
            Stats.TicksToMilliseconds(acked.Max() - t0));
    }

    private static async Task<W5Round> W5RoundAsync(BenchOptions o, string[][] names)
    {
        var w = await ConnectAsync(o).ConfigureAwait(false);
        var registrars = new List<ZooKeeperClient>();
        var state = new MembershipState();
        try
        {
            for (var k = 0; k < Registrars; k++)
            {
                registrars.Add(await ConnectAsync(o).ConfigureAwait(false));
            }
            Action<WatchedEvent>? watcher = null;
            watcher = e =>
            {
                if (e.Type != WatchEventType.NodeChildrenChanged)
                {
                    if (!state.Done && !e.IsWatchLost)
                    {
                        state.Fail(new InvalidOperationException($"Unexpected watch event {e.Type} {e.State} {e.Path}."));
                    }
                    return;
                }
                Interlocked.Increment(ref state.Events);
                w.GetChildrenAsync(SvcPath, watcher).ContinueWith(static (task, s) =>
                {
                    var st = (MembershipState)s!;
                    if (!task.IsCompletedSuccessfully)
                    {
                        if (!st.Done)
                        {
                            st.Fail(task.Exception?.GetBaseException() ?? new InvalidOperationException("getChildren was canceled."));
                        }
                        return;
                    }
                    if (task.Result.Children.Count >= Registrars * PerRegistrar
                        && Interlocked.CompareExchange(ref st.ConvergedTimestamp, Stopwatch.GetTimestamp(), 0) == 0)
                    {
                        st.Converged.TrySetResult();
                    }
                }, state, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            };
            var initial = await w.GetChildrenAsync(SvcPath, watcher).ConfigureAwait(false);
            if (initial.Children.Count != 0)
            {
                throw new InvalidOperationException($"W5: {SvcPath} has {initial.Children.Count} children before the round.");
            }

            return await RunRegistrarsAsync(registrars, names, state).ConfigureAwait(false);
        }
        finally
        {
            state.Done = true;
            await w.DisposeAsync().ConfigureAwait(false);
            foreach (var registrar in registrars)
            {
                await registrar.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// W5 with the discovery layer as watcher W: a <see cref="ZooKeeperServiceEndpointResolver"/> on its own session,
    /// /bench/svc configured as the path of service "bench". Events are snapshot changes observed through the
    /// snapshots' change tokens (no polling); converged when a snapshot holds all 1,000 endpoints. The registrars
    /// are those of <see cref="W5RoundAsync"/>.
    /// </summary>
    private static async Task<W5Round> W5EndpointsRoundAsync(BenchOptions o, string[][] names)
    {
        const string service = "bench";
        var w = await ConnectAsync(o).ConfigureAwait(false);
        var discoveryOptions = new ZooKeeperServiceDiscoveryOptions();
        discoveryOptions.Services[service] = SvcPath;
        using var metrics = new ZooKeeperHostingMetrics(null);
        var resolver = new ZooKeeperServiceEndpointResolver(w, Options.Create(discoveryOptions), NullLoggerFactory.Instance, TimeProvider.System, metrics);
        var registrars = new List<ZooKeeperClient>();
        var state = new MembershipState();
        try
        {
            for (var k = 0; k < Registrars; k++)
            {
                registrars.Add(await ConnectAsync(o).ConfigureAwait(false));
            }
            var initial = await resolver.GetSnapshotAsync(service).ConfigureAwait(false);
            if (!initial.IsLoaded || initial.Endpoints.Length != 0)
            {
                throw new InvalidOperationException($"W5: {SvcPath} has {initial.Endpoints.Length} endpoints before the round (loaded={initial.IsLoaded}).");
            }
            // Each change token fires once, after the newer snapshot is visible: count it, look at the newest
            // snapshot and follow its token (which may have fired already: then the callback runs at once).
            Action<object?>? onChange = null;
            onChange = _ =>
            {
                if (state.Done)
                {
                    return;
                }
                Interlocked.Increment(ref state.Events);
                var snapshot = resolver.GetSnapshot(service);
                if (snapshot.Endpoints.Length >= Registrars * PerRegistrar)
                {
                    if (Interlocked.CompareExchange(ref state.ConvergedTimestamp, Stopwatch.GetTimestamp(), 0) == 0)
                    {
                        state.Converged.TrySetResult();
                    }
                    return;
                }
                snapshot.ChangeToken.RegisterChangeCallback(onChange!, null);
            };
            initial.ChangeToken.RegisterChangeCallback(onChange, null);

            return await RunRegistrarsAsync(registrars, names, state).ConfigureAwait(false);
        }
        finally
        {
            state.Done = true;
            await resolver.DisposeAsync().ConfigureAwait(false);
            await w.DisposeAsync().ConfigureAwait(false);
            foreach (var registrar in registrars)
            {
                await registrar.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // ---- W6: session setup ----

    private static async Task<string> W6Async(BenchOptions o)
    {
        var n = o.Scaled(200);
        var setup = new double[n];
        var close = new double[n];
        for (var i = 0; i < n; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var client = new ZooKeeperClient(ClientOptions(o));
            try
            {
                await client.WaitUntilConnectedAsync(s_wait).ConfigureAwait(false);
                var t1 = Stopwatch.GetTimestamp();
                setup[i] = Stats.TicksToMilliseconds(t1 - t0);
            }
            finally
            {
                var c0 = Stopwatch.GetTimestamp();
                await client.DisposeAsync().ConfigureAwait(false);
                close[i] = Stats.TicksToMilliseconds(Stopwatch.GetTimestamp() - c0);
            }
        }
        var mean = setup.Average();
        Array.Sort(setup);
        Array.Sort(close);
        return new ResultLine()
            .Add("p50_ms", Stats.Percentile(setup, 50), 3)
            .Add("p99_ms", Stats.Percentile(setup, 99), 3)
            .Add("mean_ms", mean, 3)
            .Add("close_p50_ms", Stats.Percentile(close, 50), 3)
            .Add("n", n)
            .ToString();
    }
}

/// <summary>
/// The "at most 1,000 outstanding" counting semaphore of W1/W3: the issuer acquires a permit before each call, the
/// completion callback releases it. <see cref="Create"/> gives the definition's SemaphoreSlim (a released waiter
/// resumes on the thread pool) or, with <c>--inline-permits</c>, a bounded channel of permits whose waiting issuer
/// resumes synchronously on the releasing thread.
/// </summary>
internal abstract class PermitWindow(int permits) : IDisposable
{
    public static PermitWindow Create(bool inline, int permits) => inline ? new Inline(permits) : new Pooled(permits);

    public abstract ValueTask AcquireAsync();

    public abstract void Release();

    /// <summary>Takes every permit back: the last completion callback has run.</summary>
    public async Task DrainAsync()
    {
        for (var i = 0; i < Permits; i++)
        {
            await AcquireAsync().ConfigureAwait(false);
        }
        for (var i = 0; i < Permits; i++)
        {
            Release();
        }
    }

    /// <summary>How many calls may be outstanding.</summary>
    protected int Permits { get; } = permits;

    public virtual void Dispose()
    {
    }

    private sealed class Pooled(int permits) : PermitWindow(permits)
    {
        private readonly SemaphoreSlim _semaphore = new(permits, permits);

        public override ValueTask AcquireAsync() => new(_semaphore.WaitAsync());

        public override void Release() => _semaphore.Release();

        public override void Dispose()
        {
            _semaphore.Dispose();
            base.Dispose();
        }
    }

    private sealed class Inline : PermitWindow
    {
        private readonly System.Threading.Channels.Channel<byte> _permits;

        public Inline(int permits)
            : base(permits)
        {
            _permits = System.Threading.Channels.Channel.CreateBounded<byte>(new System.Threading.Channels.BoundedChannelOptions(permits)
            {
                AllowSynchronousContinuations = true,
                SingleReader = true,
            });
            for (var i = 0; i < permits; i++)
            {
                _permits.Writer.TryWrite(0);
            }
        }

        public override ValueTask AcquireAsync() =>
            _permits.Reader.TryRead(out _) ? ValueTask.CompletedTask : WaitAsync();

        public override void Release()
        {
            if (!_permits.Writer.TryWrite(0))
            {
                throw new InvalidOperationException("A permit was released twice.");
            }
        }

        private async ValueTask WaitAsync() => await _permits.Reader.ReadAsync().ConfigureAwait(false);
    }
}
