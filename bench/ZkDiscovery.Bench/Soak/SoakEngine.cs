using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using ZkDiscovery.Configuration;
using ZkDiscovery.Hosting.Diagnostics;
using ZkDiscovery.Hosting.Discovery;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.Soak;

/// <summary>What a soak run does and how long. All network actions go to 127.0.0.1.</summary>
internal sealed class SoakOptions
{
    /// <summary>The server's client port on 127.0.0.1; it must answer the four-letter words mntr, wchc and wchp.</summary>
    public int ServerPort { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>Samples before this time are the warm-up: not part of the memory verdict.</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the watched client's connections are cut (partitioned for <see cref="CutOutage"/>, then closed).</summary>
    public TimeSpan CutInterval { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan CutOutage { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Instances of the watched service (W7's N).</summary>
    public int Instances { get; init; } = 1_000;

    /// <summary>Rolling-restart changes per second (each deletes the oldest instance and creates a new one).</summary>
    public int ChangesPerSecond { get; init; } = 20;

    public TimeSpan ConfigWriteInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Allowed growth of the managed heap (live bytes after a full GC) from the first to the second half after the warm-up.</summary>
    public double MaxMemoryGrowth { get; init; } = 0.05;

    /// <summary>Progress lines (samples, cuts, verdict); null for none.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>One sample of the watched process and of the server.</summary>
internal sealed record SoakSample(
    TimeSpan At,
    long HeapBytes,
    long WorkingSetBytes,
    long ServerWatches,
    long WchcWatches,
    long WchpPaths,
    int Sockets,
    int Threads,
    long Changes,
    long ConfigWrites,
    int Cuts);

/// <summary>The samples and the verdict of a soak run.</summary>
internal sealed class SoakReport
{
    public required IReadOnlyList<SoakSample> Samples { get; init; }

    public required TimeSpan WarmUp { get; init; }

    public long Changes { get; init; }

    public long ConfigWrites { get; init; }

    public int Cuts { get; init; }

    public int Disconnects { get; init; }

    public double HeapGrowth { get; init; }

    public double WorkingSetGrowth { get; init; }

    public bool WatchesFlat { get; init; }

    public bool SocketsFlat { get; init; }

    public bool ViewEqualsServer { get; init; }

    public bool ConfigurationCurrent { get; init; }

    public double MaxMemoryGrowth { get; init; }

    public bool MemoryFlat => HeapGrowth < MaxMemoryGrowth;

    public bool Passed => MemoryFlat && WatchesFlat && SocketsFlat && ViewEqualsServer && ConfigurationCurrent;

    public string Verdict => string.Create(CultureInfo.InvariantCulture,
        $"{(Passed ? "PASS" : "FAIL")}: managed heap growth after warm-up {HeapGrowth:P1} (limit {MaxMemoryGrowth:P0}; working set {WorkingSetGrowth:P1}, not judged), "
        + $"watches {(WatchesFlat ? "flat" : "GROWING")}, sockets {(SocketsFlat ? "flat" : "GROWING")}, "
        + $"discovery view {(ViewEqualsServer ? "equals the server" : "DIFFERS from the server")}, "
        + $"configuration {(ConfigurationCurrent ? "current" : "STALE")}; {Changes:N0} changes, {ConfigWrites:N0} configuration writes, "
        + $"{Cuts} connection cuts ({Disconnects} disconnects seen by the watched client).");

    /// <summary>The samples as a markdown table, then the verdict.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| t (s) | managed heap MB | working set MB | server watches (mntr) | wchc watches | wchp paths | sockets | threads | changes | config writes | cuts |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in Samples)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.At.TotalSeconds:F0}{(s.At < WarmUp ? " (warm-up)" : "")} | {s.HeapBytes / 1048576.0:F2} | {s.WorkingSetBytes / 1048576.0:F1} | {s.ServerWatches} | {s.WchcWatches} | {s.WchpPaths} | {s.Sockets} | {s.Threads} | {s.Changes} | {s.ConfigWrites} | {s.Cuts} |"));
        }
        text.AppendLine();
        text.AppendLine(Verdict);
        return text.ToString();
    }
}

/// <summary>
/// The soak engine, used by <c>ZkDiscovery.Bench soak</c> (20 minutes by default) and by a one-minute
/// test in CI. The process under test holds a discovery resolver (<see cref="ZooKeeperServiceEndpointResolver"/>) on a
/// service of <see cref="SoakOptions.Instances"/> ephemeral instances and a configuration provider on a node, both
/// connected through a <see cref="PartitionProxy"/> on 127.0.0.1. Meanwhile, on direct sessions: W7-style churn (a
/// rolling restart at <see cref="SoakOptions.ChangesPerSecond"/>), a configuration write every
/// <see cref="SoakOptions.ConfigWriteInterval"/>, and every <see cref="SoakOptions.CutInterval"/> the proxy black-holes
/// the watched connections for <see cref="SoakOptions.CutOutage"/> and then closes them (the sessions survive and
/// reconnect). Every <see cref="SoakOptions.SampleInterval"/> it samples the managed heap (live bytes after a full GC),
/// the working set, the server's watch counts (mntr zk_watch_count, wchc, wchp), this process's sockets and threads.
/// At the end the load stops and the view and the configuration must reach exactly the server's state.
/// </summary>
/// <remarks>
/// The churner and the writer run in this process too (on their own sessions, not through the proxy), so the heap and
/// thread samples include their small, constant share.
/// </remarks>
internal static class SoakEngine
{
    private const string Service = "soak";
    private static readonly byte[] s_payload = Enumerable.Repeat((byte)'x', 100).ToArray();
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    public static async Task<SoakReport> RunAsync(SoakOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var log = options.Log ?? (_ => { });
        var direct = "127.0.0.1:" + options.ServerPort.ToString(CultureInfo.InvariantCulture);
        var root = "/soak-" + Guid.NewGuid().ToString("N")[..12];
        var servicePath = root + "/svc";
        var configPath = root + "/cfg";

        await using var admin = await ZooKeeperClient.ConnectAsync(direct, s_bound, cancellationToken).ConfigureAwait(false);
        await admin.EnsurePathAsync(servicePath, cancellationToken: cancellationToken).ConfigureAwait(false);
        await admin.CreateAsync(configPath, ConfigData(0), cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var churner = await ZooKeeperClient.ConnectAsync(direct, s_bound, cancellationToken).ConfigureAwait(false);
        var live = new Queue<string>();
        for (var m = 0; m < options.Instances; m++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"10.1.{m % 10}.{m / 10}:8080");
            live.Enqueue(name);
        }
        await Task.WhenAll(live.Select(name => churner.CreateAsync(servicePath + "/" + name, s_payload, CreateMode.Ephemeral, cancellationToken: cancellationToken))).ConfigureAwait(false);

        await using var proxy = PartitionProxy.Start([options.ServerPort]);
        await using var watched = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = proxy.ConnectionString, SessionTimeout = options.SessionTimeout });
        var disconnects = 0;
        watched.StateChanged += (_, e) =>
        {
            if (e.State == ConnectionState.Suspended)
            {
                Interlocked.Increment(ref disconnects);
            }
        };
        await watched.WaitUntilConnectedAsync(s_bound, cancellationToken).ConfigureAwait(false);
        var discoveryOptions = new ZooKeeperServiceDiscoveryOptions();
        discoveryOptions.Services[Service] = servicePath;
        using var metrics = new ZooKeeperHostingMetrics(null);
        await using var resolver = new ZooKeeperServiceEndpointResolver(watched, Options.Create(discoveryOptions), NullLoggerFactory.Instance, TimeProvider.System, metrics);
        var configuration = new ConfigurationBuilder().AddZooKeeper(configPath, source =>
        {
            source.ConnectionString = proxy.ConnectionString;
            source.StartupTimeout = s_bound;
        }).Build();
        try
        {
            await WaitForAsync(
                () => resolver.GetSnapshot(Service) is { IsLoaded: true } s && s.Endpoints.Length == options.Instances,
                () => resolver.GetSnapshot(Service).ChangeToken, s_bound, "the discovery view holds every instance", cancellationToken).ConfigureAwait(false);
            _ = await resolver.GetSnapshotAsync(Service, cancellationToken).ConfigureAwait(false);

            var clock = Stopwatch.StartNew();
            long changes = 0;
            long configWrites = 0;
            var cuts = 0;
            var lastSeq = 0;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stop.CancelAfter(options.Duration);

            async Task ChurnAsync()
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / options.ChangesPerSecond));
                var i = 0;
                while (await WaitTickAsync(timer, stop.Token).ConfigureAwait(false))
                {
                    var created = string.Create(CultureInfo.InvariantCulture, $"10.2.{i / 250}.{i % 250}:8080");
                    var deleted = live.Dequeue();
                    var delete = churner.DeleteAsync(servicePath + "/" + deleted, cancellationToken: CancellationToken.None);
                    var create = churner.CreateAsync(servicePath + "/" + created, s_payload, CreateMode.Ephemeral, cancellationToken: CancellationToken.None);
                    await Task.WhenAll(delete, create).ConfigureAwait(false);
                    live.Enqueue(created);
                    i++;
                    Interlocked.Increment(ref changes);
                }
            }

            async Task WriteConfigurationAsync()
            {
                using var timer = new PeriodicTimer(options.ConfigWriteInterval);
                while (await WaitTickAsync(timer, stop.Token).ConfigureAwait(false))
                {
                    var seq = lastSeq + 1;
                    await admin.SetDataAsync(configPath, ConfigData(seq), cancellationToken: CancellationToken.None).ConfigureAwait(false);
                    Volatile.Write(ref lastSeq, seq);
                    Interlocked.Increment(ref configWrites);
                }
            }

            async Task CutAsync()
            {
                using var timer = new PeriodicTimer(options.CutInterval);
                while (await WaitTickAsync(timer, stop.Token).ConfigureAwait(false))
                {
                    proxy.Partition();
                    try
                    {
                        // The outage itself is the fault's duration, not a wait for an event.
                        await Task.Delay(options.CutOutage, stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                    proxy.Heal();
                    var n = Interlocked.Increment(ref cuts);
                    log(string.Create(CultureInfo.InvariantCulture, $"cut {n} at {clock.Elapsed.TotalSeconds:F0} s ({options.CutOutage.TotalSeconds:F1} s partition, then the connections closed)"));
                }
            }

            var samples = new List<SoakSample>();
            async Task<SoakSample> SampleAsync()
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                var heap = GC.GetTotalMemory(forceFullCollection: true);
                using var self = Process.GetCurrentProcess();
                var mntr = await FourLetterWordAsync(options.ServerPort, "mntr", cancellationToken).ConfigureAwait(false);
                var wchc = await FourLetterWordAsync(options.ServerPort, "wchc", cancellationToken).ConfigureAwait(false);
                var wchp = await FourLetterWordAsync(options.ServerPort, "wchp", cancellationToken).ConfigureAwait(false);
                var sample = new SoakSample(
                    clock.Elapsed,
                    heap,
                    self.WorkingSet64,
                    MntrValue(mntr, "zk_watch_count"),
                    wchc.Split('\n').Count(l => l.StartsWith('\t')),
                    wchp.Split('\n').Count(l => l.StartsWith('/')),
                    ProcessSockets.Count(),
                    self.Threads.Count,
                    Interlocked.Read(ref changes),
                    Interlocked.Read(ref configWrites),
                    Volatile.Read(ref cuts));
                log(string.Create(CultureInfo.InvariantCulture,
                    $"sample t={sample.At.TotalSeconds:F0}s heap_mb={heap / 1048576.0:F2} ws_mb={sample.WorkingSetBytes / 1048576.0:F1} watches={sample.ServerWatches} wchc={sample.WchcWatches} wchp={sample.WchpPaths} sockets={sample.Sockets} threads={sample.Threads} changes={sample.Changes} config_writes={sample.ConfigWrites} cuts={sample.Cuts}"));
                return sample;
            }

            async Task SampleLoopAsync()
            {
                using var timer = new PeriodicTimer(options.SampleInterval);
                while (await WaitTickAsync(timer, stop.Token).ConfigureAwait(false))
                {
                    samples.Add(await SampleAsync().ConfigureAwait(false));
                }
            }

            log(string.Create(CultureInfo.InvariantCulture, $"soak: {options.Duration.TotalMinutes:F1} min, {options.Instances} instances, {options.ChangesPerSecond} changes/s, a configuration write every {options.ConfigWriteInterval.TotalSeconds:F1} s, a cut every {options.CutInterval.TotalSeconds:F0} s, samples every {options.SampleInterval.TotalSeconds:F0} s (warm-up {options.WarmUp.TotalSeconds:F0} s)"));
            await Task.WhenAll(ChurnAsync(), WriteConfigurationAsync(), CutAsync(), SampleLoopAsync()).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested(); // (the cut loop always heals the proxy before it ends)
            // A cut that the end interrupted has just closed the watched connections: let the client reconnect first,
            // so the last sample is not taken in the middle of the reconnection.
            await watched.WaitUntilConnectedAsync(s_bound, cancellationToken).ConfigureAwait(false);

            // No missed update: with the load stopped, the view and the configuration must reach the server's state.
            var server = new HashSet<string>((await admin.GetChildrenAsync(servicePath, cancellationToken: cancellationToken).ConfigureAwait(false)).Children, StringComparer.Ordinal);
            var finalSeq = Volatile.Read(ref lastSeq).ToString(CultureInfo.InvariantCulture);
            var viewEquals = await TryWaitForAsync(
                () => resolver.GetSnapshot(Service).Endpoints is var e && e.Length == server.Count && e.All(x => server.Contains(x.Name)),
                () => resolver.GetSnapshot(Service).ChangeToken, s_bound, cancellationToken).ConfigureAwait(false);
            var configCurrent = await TryWaitForAsync(() => configuration["seq"] == finalSeq, configuration.GetReloadToken, s_bound, cancellationToken).ConfigureAwait(false);
            samples.Add(await SampleAsync().ConfigureAwait(false));

            var after = samples.Where(s => s.At >= options.WarmUp).ToList();
            var during = samples.Where(s => s.At < options.WarmUp).ToList();
            var firstHalf = after.Take(Math.Max(1, after.Count / 2)).ToList();
            var secondHalf = after.Skip(after.Count / 2).ToList();
            double Growth(Func<SoakSample, long> value) =>
                firstHalf.Count == 0 || secondHalf.Count == 0 ? 0 : (Median(secondHalf.Select(value)) / Median(firstHalf.Select(value))) - 1;
            bool Flat(Func<SoakSample, long> value, long tolerance) =>
                secondHalf.Count == 0 || secondHalf.Max(value) <= Math.Max(firstHalf.Max(value), during.Count == 0 ? 0 : during.Max(value)) + tolerance;
            var report = new SoakReport
            {
                Samples = samples,
                WarmUp = options.WarmUp,
                Changes = Interlocked.Read(ref changes),
                ConfigWrites = Interlocked.Read(ref configWrites),
                Cuts = cuts,
                Disconnects = Volatile.Read(ref disconnects),
                HeapGrowth = Growth(s => s.HeapBytes),
                WorkingSetGrowth = Growth(s => s.WorkingSetBytes),
                WatchesFlat = Flat(s => s.ServerWatches, 2),
                SocketsFlat = Flat(s => s.Sockets, 2),
                ViewEqualsServer = viewEquals,
                ConfigurationCurrent = configCurrent,
                MaxMemoryGrowth = options.MaxMemoryGrowth,
            };
            log(report.Verdict);
            return report;
        }
        finally
        {
            ((IDisposable)configuration).Dispose();
        }
    }

    private static byte[] ConfigData(int seq) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"seq\":{seq}}}"));

    private static double Median(IEnumerable<long> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Ceiling(0.5 * sorted.Length) - 1];
    }

    private static async Task<bool> WaitTickAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, Func<IChangeToken> token, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        if (!await TryWaitForAsync(condition, token, timeout, cancellationToken).ConfigureAwait(false))
        {
            throw new TimeoutException($"Not reached within {timeout.TotalSeconds:F0} s: {what}.");
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking whenever the change token fires (upper bound <paramref name="timeout"/>).</summary>
    private static async Task<bool> TryWaitForAsync(Func<bool> condition, Func<IChangeToken> token, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (token().RegisterChangeCallback(static s => ((TaskCompletionSource)s!).TrySetResult(), changed))
            {
                if (condition())
                {
                    return true;
                }
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }
                try
                {
                    await changed.Task.WaitAsync(left, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    return condition();
                }
            }
        }
    }

    private static long MntrValue(string mntr, string key)
    {
        foreach (var line in mntr.Split('\n'))
        {
            var parts = line.Split('\t');
            if (parts.Length == 2 && parts[0] == key)
            {
                return long.Parse(parts[1].Trim(), CultureInfo.InvariantCulture);
            }
        }
        return -1;
    }

    /// <summary>Sends a four-letter word to 127.0.0.1:<paramref name="port"/> and reads the reply (the server closes after it).</summary>
    private static async Task<string> FourLetterWordAsync(int port, string command, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port, timeout.Token).ConfigureAwait(false);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command), timeout.Token).ConfigureAwait(false);
        using var reply = new MemoryStream();
        await stream.CopyToAsync(reply, timeout.Token).ConfigureAwait(false);
        return Encoding.ASCII.GetString(reply.ToArray());
    }
}
