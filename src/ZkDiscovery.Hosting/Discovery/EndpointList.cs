namespace ZkDiscovery.Hosting.Discovery;

/// <summary>
/// The endpoints of a snapshot in node-name order, held as a persistent list of chunks: a change of a few endpoints
/// copies the chunks they fall in (at most <see cref="MaxChunk"/> endpoints each) and the index of chunks, and shares
/// every other chunk with the previous list. A service of 10,000 instances thus costs about 2 KB per change instead of a
/// copy of all 10,000, and a lookup by name is two binary searches. Immutable and safe to share between threads.
/// </summary>
internal sealed class EndpointList
{
    /// <summary>The size chunks are cut to.</summary>
    internal const int ChunkSize = 128;

    /// <summary>A chunk that grows beyond this is cut again.</summary>
    internal const int MaxChunk = 2 * ChunkSize;

    private readonly ZooKeeperServiceEndpoint[][] _chunks;

    private EndpointList(ZooKeeperServiceEndpoint[][] chunks, int count)
    {
        _chunks = chunks;
        Count = count;
    }

    /// <summary>No endpoints.</summary>
    public static EndpointList Empty { get; } = new([], 0);

    /// <summary>How many endpoints the list holds.</summary>
    public int Count { get; }

    /// <summary>The list of <paramref name="sorted"/> (in ordinal order of their names, no name twice).</summary>
    public static EndpointList FromSorted(ReadOnlySpan<ZooKeeperServiceEndpoint> sorted)
    {
        var chunks = new List<ZooKeeperServiceEndpoint[]>((sorted.Length + ChunkSize - 1) / ChunkSize);
        Cut(sorted, chunks);
        return new EndpointList([.. chunks], sorted.Length);
    }

    /// <summary>The endpoint of node <paramref name="name"/>, if the list holds one.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ZooKeeperServiceEndpoint? endpoint)
    {
        endpoint = null;
        if (_chunks.Length == 0)
        {
            return false;
        }
        var chunk = _chunks[ChunkFor(name)];
        var index = IndexOf(chunk, name);
        if (index < 0)
        {
            return false;
        }
        endpoint = chunk[index];
        return true;
    }

    /// <summary>
    /// The list with <paramref name="changes"/> applied: each name (in ordinal order, once each) gets its new endpoint,
    /// or loses its endpoint when the new one is null. <paramref name="changed"/> tells whether anything differs.
    /// </summary>
    public EndpointList With(IReadOnlyList<(string Name, ZooKeeperServiceEndpoint? Endpoint)> changes, out bool changed)
    {
        changed = false;
        if (changes.Count == 0)
        {
            return this;
        }
        var chunks = new List<ZooKeeperServiceEndpoint[]>(_chunks.Length + 1);
        var count = Count;
        var next = 0; // The first chunk not copied yet.
        var i = 0;
        while (i < changes.Count)
        {
            var target = _chunks.Length == 0 ? -1 : ChunkFor(changes[i].Name);
            for (; next < target; next++)
            {
                chunks.Add(_chunks[next]);
            }
            var items = target < 0 ? new List<ZooKeeperServiceEndpoint>() : new List<ZooKeeperServiceEndpoint>(_chunks[target]);
            // Every change that falls in the same chunk (the changes are in order, so they come together).
            do
            {
                var (name, endpoint) = changes[i];
                var index = IndexOf(items, name);
                if (index >= 0)
                {
                    if (endpoint is null)
                    {
                        items.RemoveAt(index);
                        count--;
                        changed = true;
                    }
                    else if (!ReferenceEquals(items[index], endpoint))
                    {
                        items[index] = endpoint;
                        changed = true;
                    }
                }
                else if (endpoint is not null)
                {
                    items.Insert(~index, endpoint);
                    count++;
                    changed = true;
                }
                i++;
            }
            while (i < changes.Count && (_chunks.Length == 0 ? -1 : ChunkFor(changes[i].Name)) == target);
            Cut(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(items), chunks, items.Count <= MaxChunk);
            next = target + 1;
        }
        for (; next < _chunks.Length; next++)
        {
            chunks.Add(_chunks[next]);
        }
        return changed ? new EndpointList([.. chunks], count) : this;
    }

    /// <summary>Every endpoint, in order, in a new array.</summary>
    public ZooKeeperServiceEndpoint[] ToArray()
    {
        var array = new ZooKeeperServiceEndpoint[Count];
        var at = 0;
        foreach (var chunk in _chunks)
        {
            chunk.CopyTo(array, at);
            at += chunk.Length;
        }
        return array;
    }

    /// <summary>True when both lists hold the same endpoint objects in the same order.</summary>
    public bool SameAs(EndpointList other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        if (Count != other.Count)
        {
            return false;
        }
        using var mine = Enumerate().GetEnumerator();
        using var theirs = other.Enumerate().GetEnumerator();
        while (mine.MoveNext() && theirs.MoveNext())
        {
            if (!ReferenceEquals(mine.Current, theirs.Current))
            {
                return false;
            }
        }
        return true;
    }

    private IEnumerable<ZooKeeperServiceEndpoint> Enumerate()
    {
        foreach (var chunk in _chunks)
        {
            foreach (var endpoint in chunk)
            {
                yield return endpoint;
            }
        }
    }

    /// <summary>Adds <paramref name="items"/> to <paramref name="chunks"/>: as one chunk when it may stay whole, else cut to <see cref="ChunkSize"/>; nothing when empty.</summary>
    private static void Cut(ReadOnlySpan<ZooKeeperServiceEndpoint> items, List<ZooKeeperServiceEndpoint[]> chunks, bool whole = false)
    {
        if (items.IsEmpty)
        {
            return;
        }
        if (whole)
        {
            chunks.Add(items.ToArray());
            return;
        }
        for (var at = 0; at < items.Length; at += ChunkSize)
        {
            chunks.Add(items.Slice(at, Math.Min(ChunkSize, items.Length - at)).ToArray());
        }
    }

    /// <summary>The chunk <paramref name="name"/> belongs in: the last one whose first name is not after it, else the first.</summary>
    private int ChunkFor(string name)
    {
        var low = 1;
        var high = _chunks.Length - 1;
        var found = 0;
        while (low <= high)
        {
            var middle = low + ((high - low) >> 1);
            if (string.CompareOrdinal(_chunks[middle][0].Name, name) <= 0)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return found;
    }

    /// <summary>Binary search by node name: the index, or the complement of where it would go.</summary>
    private static int IndexOf(IReadOnlyList<ZooKeeperServiceEndpoint> items, string name)
    {
        var low = 0;
        var high = items.Count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) >> 1);
            var comparison = string.CompareOrdinal(items[middle].Name, name);
            if (comparison == 0)
            {
                return middle;
            }
            if (comparison < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return ~low;
    }
}
