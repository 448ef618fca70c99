using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ZkDiscovery.Bench;

/// <summary>Percentiles, clocks and the key=value text of RESULT lines.</summary>
internal static class Stats
{
    /// <summary>Nearest rank over all samples: sorted[ceil(p/100 * N) - 1]. Sorts <paramref name="samples"/> in place.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return Percentile(sorted, 50);
    }

    public static double TicksToMicroseconds(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

    public static double TicksToMilliseconds(long ticks) => ticks * 1_000.0 / Stopwatch.Frequency;

    public static double TicksToSeconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    /// <summary>
    /// CLOCK_MONOTONIC in nanoseconds (Stopwatch's clock on Linux), comparable with Java's <c>System.nanoTime()</c> in
    /// another process (W7's churner and watchers).
    /// </summary>
    public static long MonotonicNanoseconds() => ToNanoseconds(Stopwatch.GetTimestamp());

    public static long ToNanoseconds(long timestamp) =>
        Stopwatch.Frequency == 1_000_000_000 ? timestamp : (long)(timestamp * (1e9 / Stopwatch.Frequency));

    /// <summary>CPU time of the whole process (all threads, JIT and GC included).</summary>
    public static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}

/// <summary>
/// What a measured phase cost the process: CPU time, thread-pool work items run and context switches (all threads,
/// ended ones included: getrusage). The last two tell how often threads were woken, which is where a request/reply
/// client spends CPU on a small machine; they do not move with the neighbours' load as CPU time does.
/// </summary>
internal readonly record struct Cost(TimeSpan Cpu, long WorkItems, long VoluntarySwitches, long InvoluntarySwitches)
{
    public static Cost Now()
    {
        PerfControl.OnCostSample();
        var (voluntary, involuntary) = ContextSwitches();
        return new Cost(Stats.ProcessCpu(), ThreadPool.CompletedWorkItemCount, voluntary, involuntary);
    }

    public static Cost operator -(Cost end, Cost start) =>
        new(end.Cpu - start.Cpu, end.WorkItems - start.WorkItems, end.VoluntarySwitches - start.VoluntarySwitches, end.InvoluntarySwitches - start.InvoluntarySwitches);

    /// <summary>Adds cpu_ms, cpu_us_op, tp_items_op and csw_op (voluntary context switches per operation).</summary>
    public ResultLine AddTo(ResultLine line, double ops) => line
        .Add("cpu_ms", Cpu.TotalMilliseconds, 0)
        .Add("cpu_us_op", Cpu.TotalMicroseconds / ops)
        .Add("tp_items_op", WorkItems / ops, 2)
        .Add("csw_op", VoluntarySwitches / ops, 2)
        .Add("icsw_op", InvoluntarySwitches / ops, 2);

    private static (long Voluntary, long Involuntary) ContextSwitches()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (0, 0);
        }
        // struct rusage on 64-bit Linux: two timevals (4 longs), then 14 longs; ru_nvcsw and ru_nivcsw are the last two.
        Span<long> usage = stackalloc long[18];
        unsafe
        {
            fixed (long* p = usage)
            {
                if (getrusage(0, p) != 0)
                {
                    return (0, 0);
                }
            }
        }
        return (usage[16], usage[17]);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern unsafe int getrusage(int who, long* usage);
}

/// <summary>
/// Waits, before a measured phase that follows a large set-up (W7 after the load, W8), until the JIT has compiled nothing for
/// <see cref="Quiet"/>: tiered compilation recompiles the set-up's hot methods in the background only once the set-up
/// stops producing new code, so without this wait the measured phase would pay for the set-up's compilation. The
/// Java drivers wait the same way on their compiler's total time. At most <see cref="Limit"/>.
/// </summary>
internal static class CompilerSettle
{
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>Returns how long it waited.</summary>
    public static async Task<TimeSpan> WaitAsync()
    {
        var start = Stopwatch.GetTimestamp();
        var before = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (Stopwatch.GetElapsedTime(start) < Limit)
        {
            await Task.Delay(Quiet).ConfigureAwait(false);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == before)
            {
                break;
            }
            before = now;
        }
        return Stopwatch.GetElapsedTime(start);
    }
}

/// <summary>
/// Profiling of measured phases only (a diagnostic; not used by run.sh). With <c>ZKD_BENCH_PERF_CTL</c> naming the
/// control FIFO of <c>perf record -D -1 --control=fifo:CTL,ACK</c>, each measured phase (each pair of
/// <see cref="Cost.Now"/> calls) sends <c>enable</c> at its start and <c>disable</c> at its end; with the value
/// <c>stdout</c> it prints <c>MARK enable</c> / <c>MARK disable</c> lines instead (to line up with
/// <c>DOTNET_JitDisasmSummary=1</c>'s list of compiled methods). <c>ZKD_BENCH_PERF_SKIP=K</c> leaves out the first K
/// phases (warm-up passes).
/// </summary>
internal static class PerfControl
{
    private static readonly string? s_target = Environment.GetEnvironmentVariable("ZKD_BENCH_PERF_CTL");
    private static readonly int s_skip = int.TryParse(Environment.GetEnvironmentVariable("ZKD_BENCH_PERF_SKIP"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) ? k : 0;
    private static int s_samples;

    public static void OnCostSample()
    {
        if (s_target is null)
        {
            return;
        }
        var sample = Interlocked.Increment(ref s_samples) - 1;
        if (sample < 2 * s_skip)
        {
            return;
        }
        var command = sample % 2 == 0 ? "enable" : "disable";
        if (s_target == "stdout")
        {
            Console.Out.WriteLine("MARK " + command);
            Console.Out.Flush();
        }
        else
        {
            File.AppendAllText(s_target, command + "\n");
        }
    }
}

/// <summary>Builds <c>key=value</c> pairs with invariant formatting.</summary>
internal sealed class ResultLine
{
    private readonly StringBuilder _text = new();

    public ResultLine Add(string key, double value, int decimals = 1)
    {
        Separator();
        _text.Append(key).Append('=').Append(value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
        return this;
    }

    public ResultLine Add(string key, long value)
    {
        Separator();
        _text.Append(key).Append('=').Append(value.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    public ResultLine Add(string key, IEnumerable<double> values, int decimals = 1)
    {
        Separator();
        _text.Append(key).Append('=').AppendJoin(',', values.Select(v => v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)));
        return this;
    }

    /// <summary>Adds what <paramref name="cost"/> says per operation (see <see cref="Cost.AddTo"/>).</summary>
    public ResultLine Apply(Cost cost, double ops) => cost.AddTo(this, ops);

    public override string ToString() => _text.ToString();

    private void Separator()
    {
        if (_text.Length > 0)
        {
            _text.Append(' ');
        }
    }
}
