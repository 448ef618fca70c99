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

    public override string ToString() => _text.ToString();

    private void Separator()
    {
        if (_text.Length > 0)
        {
            _text.Append(' ');
        }
    }
}
