using System.Globalization;

namespace ZkDiscovery.Bench;

/// <summary>
/// The names and counts of W7/W8 (docs/benchmarks.md, "Scale workloads W7 and W8"), shared by the churner and every
/// watcher. bench/java/ScaleBench.java computes exactly the same names: keep the two in step.
/// </summary>
/// <remarks>
/// Initial child m (m = 0..N-1) is <c>10.1.{m % 10}.{m / 10}:8080</c> and belongs to registrar m % 10. Change i
/// (i = 0..C-1) deletes entry i of the queue "initial children in order, then the children created by the changes"
/// (always an existing child) and creates <c>10.2.{i / 250}.{i % 250}:8080</c>.
/// </remarks>
internal static class ScaleNames
{
    public const string BigPath = "/bench/big";
    public const string ConfigPath = "/bench/cfg";
    public const int Registrars = 10;
    public const int Changes = 1_000;
    public const int ChangesPerSecond = 200;
    public const int Writes = 20;
    public const int WriteIntervalMs = 100;

    /// <summary>N of W7: 10,000 × scale.</summary>
    public static int Instances(double scale) => Math.Max(1, (int)Math.Round(10_000 * scale));

    /// <summary>S of W8: 1,000 × scale.</summary>
    public static int Readers(double scale) => Math.Max(1, (int)Math.Round(1_000 * scale));

    public static string Initial(int m) => string.Create(CultureInfo.InvariantCulture, $"10.1.{m % Registrars}.{m / Registrars}:8080");

    public static string Created(int i) => string.Create(CultureInfo.InvariantCulture, $"10.2.{i / 250}.{i % 250}:8080");

    /// <summary>The child change <paramref name="i"/> deletes.</summary>
    public static string Deleted(int i, int n) => i < n ? Initial(i) : Created(i - n);

    /// <summary>The children after all <paramref name="changes"/> changes.</summary>
    public static HashSet<string> Final(int n, int changes)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        for (var m = 0; m < n; m++)
        {
            set.Add(Initial(m));
        }
        for (var i = 0; i < changes; i++)
        {
            set.Remove(Deleted(i, n));
            set.Add(Created(i));
        }
        return set;
    }

    /// <summary>W8's node data: exactly 100 bytes of JSON, <c>{"seq":N,"pad":"xx...x"}</c>, so the configuration provider can read it.</summary>
    public static byte[] ConfigData(int seq)
    {
        var head = string.Create(CultureInfo.InvariantCulture, $"{{\"seq\":{seq},\"pad\":\"");
        var text = head + new string('x', 100 - head.Length - 2) + "\"}";
        return System.Text.Encoding.ASCII.GetBytes(text);
    }
}
