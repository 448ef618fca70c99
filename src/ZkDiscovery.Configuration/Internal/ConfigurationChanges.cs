using System.Text;

namespace ZkDiscovery.Configuration.Internal;

/// <summary>The keys that differ between two versions of a provider's data, and their names for the log (never values).</summary>
internal static class ConfigurationChanges
{
    private const int MaxListed = 50;

    /// <summary>A change of one key: Added, Removed or Changed, with the new value.</summary>
    internal readonly record struct Change(string Key, char Kind, string? Value);

    /// <summary>The changed keys in ordinal-ignore-case order; empty when both hold the same keys and values.</summary>
    public static List<Change> Compute(IDictionary<string, string?> before, Dictionary<string, string?> after)
    {
        var changes = new List<Change>();
        // The provider's data is always a Dictionary: enumerated as one, without boxing an enumerator per pass.
        if (before is not Dictionary<string, string?> known)
        {
            known = new Dictionary<string, string?>(before.Count, StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in before)
            {
                known[key] = value;
            }
        }
        AddChanges(known, after, changes);
        if (changes.Count > 1)
        {
            changes.Sort(static (a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Key, b.Key));
        }
        return changes;
    }

    private static void AddChanges(Dictionary<string, string?> before, Dictionary<string, string?> after, List<Change> changes)
    {
        foreach (var (key, value) in after)
        {
            if (!before.TryGetValue(key, out var old))
            {
                changes.Add(new Change(key, '+', value));
            }
            else if (!string.Equals(old, value, StringComparison.Ordinal))
            {
                changes.Add(new Change(key, '~', value));
            }
        }
        foreach (var key in before.Keys)
        {
            if (!after.ContainsKey(key))
            {
                changes.Add(new Change(key, '-', null));
            }
        }
    }

    /// <summary>
    /// <c>+added, ~changed, -removed</c>: key names only, never values (values may be secrets); long lists are cut.
    /// </summary>
    public static string Describe(IReadOnlyList<Change> changes)
    {
        var text = new StringBuilder();
        for (var i = 0; i < changes.Count && i < MaxListed; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }
            text.Append(changes[i].Kind).Append(changes[i].Key);
        }
        if (changes.Count > MaxListed)
        {
            text.Append(", and ").Append(changes.Count - MaxListed).Append(" more");
        }
        return text.ToString();
    }
}
