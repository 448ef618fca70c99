using System.Globalization;

namespace ZkDiscovery.Bench;

/// <summary>The command line of the workload benchmark (the contract shared with the Java and kazoo drivers).</summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        Usage: ZkDiscovery.Bench --port P [--client NAME] [--workloads W1,...] [--scale S]
                                 [--no-warmup] [--warmup-passes N] [--w4-watch oneshot|persistent] [--w4-async-a] [--inline-permits] [--no-retry] [--async-reader] [--reader-threads N]
                                 [--w5-endpoints] [--w8-configuration]
               ZkDiscovery.Bench micro [BenchmarkDotNet arguments, e.g. --filter '*']
               ZkDiscovery.Bench w7-churner --port P --instances N   (W7's registrars and churner; started by W7)
               ZkDiscovery.Bench soak --port P [--minutes 20] ...    (endurance run; `soak --help`, bench/soak.sh)

          --port P            ZooKeeper server on 127.0.0.1:P (required)
          --client NAME       name printed in RESULT lines (default zkdiscovery)
          --workloads LIST    W1..W8 (comma-separated; SETUP only creates the tree); default W1..W6
          --scale S           multiplies the operation counts of W1-W4, the sessions of W6, N of W7 and S of W8
                              (default 1)
          --no-warmup         skip the discarded warm-up passes (diagnostics only)
          --warmup-passes N   use N warm-up passes (rounds for W5) instead of the standard counts (diagnostics only)
          --w4-watch MODE     oneshot (default): W4 as specified, getData watch re-armed by the watcher;
                              persistent: B holds one AddWatchAsync persistent watch and signals A from the
                              watcher (run.sh reports it as client zkdiscovery-persistent)
          --w4-async-a        W4's A awaits setData and then the watcher's signal (a SemaphoreSlim, whose waiter
                              resumes on the thread pool) instead of blocking on a thread of its own as the Java
                              driver's main thread does (diagnostics: the harness's own hop, before 5 December)
          --inline-permits    W1/W3's window of 1,000 permits resumes the waiting issuer on the thread that released a
                              permit (a bounded channel with synchronous continuations) instead of on the thread pool
                              (SemaphoreSlim): the issuer then runs inside the completion callbacks, on the
                              connection's reader thread (diagnostics: the library's own cost without the pool hop)
          --no-retry          ZooKeeperClientOptions.Retry.MaxRetryAttempts = 0 (diagnostics: cost of the retry wrapper)
          --async-reader      AppContext switch ZkDiscovery.Connection.AsyncReader: connections read on the thread pool
                              instead of a thread of their own (diagnostics: what the reader thread buys)
          --reader-threads N  at most N connections of the process read on threads of their own (diagnostics)
          --w5-endpoints      W5's watcher W is a ZooKeeperServiceEndpointResolver with /bench/svc as a service path:
                              events are snapshot changes (change tokens), converged when a snapshot holds 1,000
                              endpoints (run.sh reports it as client zkdiscovery-endpoints); in W7 the watcher is
                              that resolver too (view = its snapshot, lag through its change tokens)
          --w8-configuration  W8's readers are configuration providers (AddZooKeeper("/bench/cfg"), one session
                              each; run.sh reports it as client zkdiscovery-config)

        Prints `RESULT <client> <W> key=value ...` per workload on stdout, diagnostics on stderr; exit 1 when a
        workload failed. See docs/benchmarks.md.
        """;

    public int Port { get; private set; }

    public string Client { get; private set; } = "zkdiscovery";

    public IReadOnlyList<string> Workloads { get; private set; } = ["W1", "W2", "W3", "W4", "W5", "W6"];

    public double Scale { get; private set; } = 1.0;

    public bool NoWarmup { get; private set; }

    public int? WarmupPasses { get; private set; }

    public bool PersistentWatch { get; private set; }

    /// <summary>W4's A awaits (setData, then a SemaphoreSlim) instead of blocking on a thread of its own.</summary>
    public bool W4AsyncA { get; private set; }

    /// <summary>W1/W3's issuer resumes where a permit was released instead of on the thread pool.</summary>
    public bool InlinePermits { get; private set; }

    public bool NoRetry { get; private set; }

    public bool W5Endpoints { get; private set; }

    public bool W8Configuration { get; private set; }

    public bool Help { get; private set; }

    public string ConnectionString => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Scaled count, at least 1.</summary>
    public int Scaled(int count) => Math.Max(1, (int)Math.Round(count * Scale));

    public int Warmups(int standard) => NoWarmup ? 0 : WarmupPasses ?? standard;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--port":
                    o.Port = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--client":
                    o.Client = Value();
                    break;
                case "--workloads":
                    o.Workloads = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(w => w.ToUpperInvariant()).ToArray();
                    foreach (var w in o.Workloads)
                    {
                        if (w is not ("W1" or "W2" or "W3" or "W4" or "W5" or "W6" or "W7" or "W8" or "SETUP"))
                        {
                            throw new ArgumentException($"Unknown workload {w}.");
                        }
                    }
                    break;
                case "--scale":
                    o.Scale = double.Parse(Value(), CultureInfo.InvariantCulture);
                    if (o.Scale <= 0)
                    {
                        throw new ArgumentException("--scale must be positive.");
                    }
                    break;
                case "--no-warmup":
                    o.NoWarmup = true;
                    break;
                case "--warmup-passes":
                    o.WarmupPasses = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--w4-async-a":
                    o.W4AsyncA = true;
                    break;
                case "--inline-permits":
                    o.InlinePermits = true;
                    break;
                case "--w4-watch":
                    o.PersistentWatch = Value() switch
                    {
                        "oneshot" => false,
                        "persistent" => true,
                        var other => throw new ArgumentException($"Unknown --w4-watch mode {other}."),
                    };
                    break;
                case "--reader-threads":
                    ZkDiscovery.Connection.ZooKeeperConnection.MaxReaderThreads = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--async-reader":
                    AppContext.SetSwitch("ZkDiscovery.Connection.AsyncReader", true);
                    break;
                case "--no-retry":
                    o.NoRetry = true;
                    break;
                case "--w5-endpoints":
                    o.W5Endpoints = true;
                    break;
                case "--w8-configuration":
                    o.W8Configuration = true;
                    break;
                case "-h" or "--help":
                    o.Help = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown argument {args[i]}.");
            }
        }
        if (o.Port <= 0 && !o.Help)
        {
            throw new ArgumentException("--port is required.");
        }
        return o;
    }
}
