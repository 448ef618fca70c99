using System.Text;

namespace ZkDiscovery.Configuration.Internal;

/// <summary>The keys that differ between two versions of a provider's data, and their description for the log.</summary>
internal static class ConfigurationChanges
{
    private const int MaxListed = 50;
    private const int MaxValueLength = 100;

    private static readonly string[] s_secretMarkers = ["password", "secret", "key", "token", "connectionstring", "credential", "pwd"];

    /// <summary>A change of one key: Added, Removed or Changed, with the new value.</summary>
    internal readonly record struct Change(string Key, char Kind, string? Value);

    /// <summary>The changed keys in ordinal-ignore-case order; empty when both hold the same keys and values.</summary>
    public static List<Change> Compute(IDictionary<string, string?> before, IReadOnlyDictionary<string, string?> after)
    {
        var changes = new List<Change>();
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
        changes.Sort(static (a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Key, b.Key));
        return changes;
    }

    /// <summary>
    /// <c>+added=value, ~changed=value, -removed</c>; values of keys that look secret (password, secret, key, token,
    /// connection string, credential) are written <c>***</c>; long lists and values are cut.
    /// </summary>
    public static string Describe(IReadOnlyList<Change> changes)
    {
        var text = new StringBuilder();
        for (var i = 0; i < changes.Count && i < MaxListed; i++)
        {
            var change = changes[i];
            if (i > 0)
            {
                text.Append(", ");
            }
            text.Append(change.Kind).Append(change.Key);
            if (change.Kind != '-')
            {
                text.Append('=').Append(Show(change.Key, change.Value));
            }
        }
        if (changes.Count > MaxListed)
        {
            text.Append(", and ").Append(changes.Count - MaxListed).Append(" more");
        }
        return text.ToString();
    }

    /// <summary>True when a key's name suggests its value is a secret.</summary>
    public static bool LooksSecret(string key)
    {
        foreach (var marker in s_secretMarkers)
        {
            if (key.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static string Show(string key, string? value)
    {
        if (value is null)
        {
            return "null";
        }
        if (LooksSecret(key))
        {
            return "***";
        }
        return value.Length <= MaxValueLength ? value : string.Concat(value.AsSpan(0, MaxValueLength), "...");
    }
}
