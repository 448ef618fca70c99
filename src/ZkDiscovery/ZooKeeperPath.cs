using System.Diagnostics.CodeAnalysis;

namespace ZkDiscovery;

/// <summary>Validation and manipulation of ZooKeeper node paths.</summary>
public static class ZooKeeperPath
{
    /// <summary>Checks that <paramref name="path"/> is a valid ZooKeeper path.</summary>
    /// <param name="path">The path.</param>
    /// <param name="allowSequentialSuffix">True for sequential creates, whose path may end with <c>/</c> (the server appends the number).</param>
    /// <exception cref="ArgumentException">The path is empty, relative, ends with <c>/</c>, has an empty, <c>.</c> or <c>..</c> segment, or holds a forbidden character; the message says which.</exception>
    public static void Validate([NotNull] string? path, bool allowSequentialSuffix = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        var error = GetError(path, allowSequentialSuffix);
        if (error is not null)
        {
            throw new ArgumentException($"Invalid ZooKeeper path \"{Escape(path)}\": {error}.", nameof(path));
        }
    }

    /// <summary>True when <paramref name="path"/> is a valid ZooKeeper path.</summary>
    /// <param name="path">The path.</param>
    public static bool IsValid([NotNullWhen(true)] string? path) => GetError(path, false) is null;

    /// <summary>Describes why <paramref name="path"/> is invalid, or returns null when it is valid.</summary>
    /// <param name="path">The path.</param>
    /// <param name="allowSequentialSuffix">True for sequential creates, whose path may end with <c>/</c>.</param>
    public static string? GetError(string? path, bool allowSequentialSuffix = false)
    {
        if (path is null)
        {
            return "the path is null";
        }
        if (path.Length == 0)
        {
            return "the path is empty";
        }
        if (path[0] != '/')
        {
            return "the path must start with '/'";
        }
        if (path.Length == 1)
        {
            return null;
        }
        if (path[^1] == '/' && !allowSequentialSuffix)
        {
            return "the path must not end with '/'";
        }
        var segmentStart = 1;
        for (var i = 1; i <= path.Length; i++)
        {
            if (i == path.Length || path[i] == '/')
            {
                var length = i - segmentStart;
                if (length == 0 && i != path.Length)
                {
                    return $"empty segment at index {i}";
                }
                if (length == 1 && path[segmentStart] == '.')
                {
                    return $"relative segment '.' at index {segmentStart}";
                }
                if (length == 2 && path[segmentStart] == '.' && path[segmentStart + 1] == '.')
                {
                    return $"relative segment '..' at index {segmentStart}";
                }
                segmentStart = i + 1;
                continue;
            }
            var c = path[i];
            if (c == '\0' || c is > '\u0000' and <= '\u001f' || c is >= '\u007f' and <= '\u009f'
                || c is >= '\ud800' and <= '\uf8ff' || c is >= '\ufff0' and <= '\uffff')
            {
                return $"forbidden character U+{(int)c:X4} at index {i}";
            }
        }
        return null;
    }

    /// <summary>Joins a parent path and a child name: <c>Combine("/a", "b")</c> is <c>/a/b</c>, <c>Combine("/", "b")</c> is <c>/b</c>.</summary>
    /// <param name="parent">The parent path.</param>
    /// <param name="child">The child's name (no slash).</param>
    public static string Combine(string parent, string child)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(child);
        return parent.Length == 1 && parent[0] == '/' ? "/" + child : parent + "/" + child;
    }

    /// <summary>The parent of a path: <c>/a/b</c> → <c>/a</c>, <c>/a</c> → <c>/</c>; null for <c>/</c>.</summary>
    /// <param name="path">An absolute path.</param>
    public static string? GetParent(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length <= 1)
        {
            return null;
        }
        var index = path.LastIndexOf('/');
        return index <= 0 ? "/" : path[..index];
    }

    /// <summary>The last segment of a path: <c>/a/b</c> → <c>b</c>; empty for <c>/</c>.</summary>
    /// <param name="path">An absolute path.</param>
    public static string GetName(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path[(path.LastIndexOf('/') + 1)..];
    }

    internal static string Escape(string? path)
    {
        if (path is null)
        {
            return "(null)";
        }
        foreach (var c in path)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                var sb = new System.Text.StringBuilder(path.Length + 8);
                foreach (var ch in path)
                {
                    if (char.IsControl(ch) || char.IsSurrogate(ch))
                    {
                        sb.Append("\\u").Append(((int)ch).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(ch);
                    }
                }
                return sb.ToString();
            }
        }
        return path;
    }
}
