namespace ZkDiscovery.Connection;

/// <summary>
/// The client's table of watches, keyed by client-side path (chroot removed). Registration happens on the read
/// loop right after a successful reply; a notification takes the matching one-shot watchers out of the table
/// and returns them with every persistent watcher that matches, for the dispatcher to call in order.
/// Thread-safe; its lock is never held while user code runs.
/// </summary>
internal sealed class WatchManager
{
    // Few and small: a set that held many watchers keeps its large arrays when cleared.
    private const int MaxSpareSets = 16;
    private const int MaxSpareSetCount = 8;

    private readonly object _lock = new();
    private readonly Dictionary<string, HashSet<Action<WatchedEvent>>> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Action<WatchedEvent>>> _exist = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Action<WatchedEvent>>> _child = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Action<WatchedEvent>>> _persistent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Action<WatchedEvent>>> _recursive = new(StringComparer.Ordinal);
    // Emptied sets of fired one-shot watches, for the next watches: a watch re-armed on every event costs no new set.
    private readonly Stack<HashSet<Action<WatchedEvent>>> _spare = new();

    /// <summary>Number of (path, watcher) registrations of every kind.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return CountOf(_data) + CountOf(_exist) + CountOf(_child) + CountOf(_persistent) + CountOf(_recursive);
            }
        }
    }

    public bool HasRecursiveWatches
    {
        get
        {
            lock (_lock)
            {
                return _recursive.Count > 0;
            }
        }
    }

    public void AddData(string path, Action<WatchedEvent> watcher) => Add(_data, path, watcher);

    public void AddExist(string path, Action<WatchedEvent> watcher) => Add(_exist, path, watcher);

    public void AddChild(string path, Action<WatchedEvent> watcher) => Add(_child, path, watcher);

    public void AddPersistent(string path, Action<WatchedEvent> watcher, AddWatchMode mode) =>
        Add(mode == AddWatchMode.PersistentRecursive ? _recursive : _persistent, path, watcher);

    /// <summary>Finds the watchers a server notification triggers, removing the one-shot ones.</summary>
    public void Materialize(WatchEventType type, string path, List<Action<WatchedEvent>> result)
    {
        lock (_lock)
        {
            switch (type)
            {
                case WatchEventType.NodeCreated:
                case WatchEventType.NodeDataChanged:
                    Take(_data, path, result);
                    Take(_exist, path, result);
                    break;
                case WatchEventType.NodeChildrenChanged:
                    Take(_child, path, result);
                    break;
                case WatchEventType.NodeDeleted:
                    Take(_data, path, result);
                    Take(_exist, path, result);
                    Take(_child, path, result);
                    break;
                default:
                    break;
            }
            if (_persistent.TryGetValue(path, out var persistent))
            {
                AddDistinct(result, persistent);
            }
            if (_recursive.Count > 0 && type != WatchEventType.NodeChildrenChanged)
            {
                var current = path;
                while (current is not null)
                {
                    if (_recursive.TryGetValue(current, out var recursive))
                    {
                        AddDistinct(result, recursive);
                    }
                    current = ZooKeeperPath.GetParent(current);
                }
            }
        }
    }

    /// <summary>Removes a watcher (or, with a null watcher, all watchers) of the given type on a path; returns the kinds removed as events to raise.</summary>
    public bool Remove(string path, Action<WatchedEvent>? watcher, WatcherType type, List<(Action<WatchedEvent> Watcher, WatchEventType Event)> removed)
    {
        lock (_lock)
        {
            var found = false;
            if (type is WatcherType.Children or WatcherType.Any)
            {
                found |= RemoveFrom(_child, path, watcher, WatchEventType.ChildWatchRemoved, removed);
            }
            if (type is WatcherType.Data or WatcherType.Any)
            {
                found |= RemoveFrom(_data, path, watcher, WatchEventType.DataWatchRemoved, removed);
                found |= RemoveFrom(_exist, path, watcher, WatchEventType.DataWatchRemoved, removed);
            }
            if (type == WatcherType.Any)
            {
                found |= RemoveFrom(_persistent, path, watcher, WatchEventType.PersistentWatchRemoved, removed);
                found |= RemoveFrom(_recursive, path, watcher, WatchEventType.PersistentWatchRemoved, removed);
            }
            return found;
        }
    }

    /// <summary>True when some watch of <paramref name="type"/> is registered on <paramref name="path"/> (for <paramref name="watcher"/>, when given).</summary>
    public bool Contains(string path, Action<WatchedEvent>? watcher, WatcherType type)
    {
        lock (_lock)
        {
            return (type is WatcherType.Children or WatcherType.Any && Has(_child, path, watcher))
                || (type is WatcherType.Data or WatcherType.Any && (Has(_data, path, watcher) || Has(_exist, path, watcher)))
                || (type == WatcherType.Any && (Has(_persistent, path, watcher) || Has(_recursive, path, watcher)));
        }
    }

    /// <summary>True when a watcher other than <paramref name="watcher"/> holds a watch of <paramref name="type"/> on <paramref name="path"/>.</summary>
    public bool ContainsOther(string path, Action<WatchedEvent> watcher, WatcherType type)
    {
        lock (_lock)
        {
            return (type is WatcherType.Children or WatcherType.Any && HasOther(_child, path, watcher))
                || (type is WatcherType.Data or WatcherType.Any && (HasOther(_data, path, watcher) || HasOther(_exist, path, watcher)))
                || (type == WatcherType.Any && (HasOther(_persistent, path, watcher) || HasOther(_recursive, path, watcher)));
        }
    }

    private static bool HasOther(Dictionary<string, HashSet<Action<WatchedEvent>>> table, string path, Action<WatchedEvent> watcher) =>
        table.TryGetValue(path, out var set) && (set.Count > 1 || (set.Count == 1 && !set.Contains(watcher)));

    /// <summary>The kinds of watch covered by <paramref name="type"/> that some watcher holds on <paramref name="path"/>, as a batch to arm again.</summary>
    public WatchSnapshot Held(string path, WatcherType type)
    {
        var data = type is WatcherType.Data or WatcherType.Any;
        var any = type == WatcherType.Any;
        lock (_lock)
        {
            return new WatchSnapshot(
                data && _data.ContainsKey(path) ? [path] : [],
                data && _exist.ContainsKey(path) ? [path] : [],
                (any || type == WatcherType.Children) && _child.ContainsKey(path) ? [path] : [],
                any && _persistent.ContainsKey(path) ? [path] : [],
                any && _recursive.ContainsKey(path) ? [path] : []);
        }
    }

    /// <summary>A snapshot of the watched paths of every kind, for re-arming after a reconnect.</summary>
    public WatchSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new WatchSnapshot([.. _data.Keys], [.. _exist.Keys], [.. _child.Keys], [.. _persistent.Keys], [.. _recursive.Keys]);
        }
    }

    /// <summary>Removes every watch, returning each (path, watcher) once, for telling owners the watches are lost.</summary>
    public List<(string Path, Action<WatchedEvent> Watcher)> Clear()
    {
        var all = new List<(string, Action<WatchedEvent>)>();
        lock (_lock)
        {
            var seen = new HashSet<(string, Action<WatchedEvent>)>();
            foreach (var table in new[] { _data, _exist, _child, _persistent, _recursive })
            {
                foreach (var (path, watchers) in table)
                {
                    foreach (var watcher in watchers)
                    {
                        if (seen.Add((path, watcher)))
                        {
                            all.Add((path, watcher));
                        }
                    }
                }
                table.Clear();
            }
        }
        return all;
    }

    private void Add(Dictionary<string, HashSet<Action<WatchedEvent>>> table, string path, Action<WatchedEvent> watcher)
    {
        lock (_lock)
        {
            if (!table.TryGetValue(path, out var set))
            {
                set = _spare.Count > 0 ? _spare.Pop() : [];
                table[path] = set;
            }
            set.Add(watcher);
        }
    }

    private void Take(Dictionary<string, HashSet<Action<WatchedEvent>>> table, string path, List<Action<WatchedEvent>> result)
    {
        if (table.Remove(path, out var set))
        {
            AddDistinct(result, set);
            if (set.Count <= MaxSpareSetCount && _spare.Count < MaxSpareSets)
            {
                set.Clear();
                _spare.Push(set);
            }
        }
    }

    private static void AddDistinct(List<Action<WatchedEvent>> result, HashSet<Action<WatchedEvent>> set)
    {
        foreach (var watcher in set)
        {
            if (!result.Contains(watcher))
            {
                result.Add(watcher);
            }
        }
    }

    private static bool Has(Dictionary<string, HashSet<Action<WatchedEvent>>> table, string path, Action<WatchedEvent>? watcher) =>
        table.TryGetValue(path, out var set) && (watcher is null || set.Contains(watcher));

    private static bool RemoveFrom(Dictionary<string, HashSet<Action<WatchedEvent>>> table, string path, Action<WatchedEvent>? watcher,
        WatchEventType removedEvent, List<(Action<WatchedEvent>, WatchEventType)> removed)
    {
        if (!table.TryGetValue(path, out var set))
        {
            return false;
        }
        if (watcher is null)
        {
            foreach (var w in set)
            {
                removed.Add((w, removedEvent));
            }
            table.Remove(path);
            return true;
        }
        if (!set.Remove(watcher))
        {
            return false;
        }
        removed.Add((watcher, removedEvent));
        if (set.Count == 0)
        {
            table.Remove(path);
        }
        return true;
    }

    private static int CountOf(Dictionary<string, HashSet<Action<WatchedEvent>>> table)
    {
        var count = 0;
        foreach (var set in table.Values)
        {
            count += set.Count;
        }
        return count;
    }
}

/// <summary>The watched paths at one moment, by kind.</summary>
internal sealed record WatchSnapshot(
    IReadOnlyList<string> Data,
    IReadOnlyList<string> Exist,
    IReadOnlyList<string> Child,
    IReadOnlyList<string> Persistent,
    IReadOnlyList<string> PersistentRecursive)
{
    public bool IsEmpty => Data.Count + Exist.Count + Child.Count + Persistent.Count + PersistentRecursive.Count == 0;
}
