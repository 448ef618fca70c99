namespace ZkDiscovery.Fuzz;

/// <summary>
/// SplitMix64: small, fast and the same on every runtime, so a seed and a case index always give the same input.
/// </summary>
internal struct FuzzRandom(ulong seed)
{
    private ulong _state = seed;

    public static ulong Mix(ulong a, ulong b)
    {
        var r = new FuzzRandom(a ^ (b * 0x9E3779B97F4A7C15UL));
        r.NextULong();
        return r.NextULong();
    }

    public ulong NextULong()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [0, max).</summary>
    public int Next(int max) => max <= 0 ? 0 : (int)(NextULong() % (ulong)max);

    /// <summary>A value in [min, max).</summary>
    public int Next(int min, int max) => min + Next(max - min);

    public bool Chance(int percent) => Next(100) < percent;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    public byte NextByte() => (byte)NextULong();
}
