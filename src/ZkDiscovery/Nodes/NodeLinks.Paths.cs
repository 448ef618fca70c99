namespace ZkDiscovery.Nodes;

/// <summary>
/// Symbolic links and property links between nodes (zc.zk conventions): path arithmetic, and resolution against
/// any source of node properties.
/// </summary>
/// <remarks>
/// The resolution methods read nodes through a function that returns a node's properties, or null when the node
/// does not exist, so they work the same against ZooKeeper, a cache or an in-memory tree.
/// </remarks>
public static partial class NodeLinks
{
    /// <summary>
    /// Normalises an absolute path: removes <c>.</c> segments, applies <c>..</c> segments and drops empty segments
    /// (<c>/a/./b/../c/</c> → <c>/a/c</c>).
    /// </summary>
    /// <param name="path">An absolute path.</param>
    /// <exception cref="ArgumentException">The path does not start with <c>/</c>, or a <c>..</c> goes above the root.</exception>
    public static string NormalizePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || path[0] != '/')
        {
            throw new ArgumentException($"The path \"{ZooKeeperPath.Escape(path)}\" is not absolute.", nameof(path));
        }
        if (!NeedsNormalizing(path))
        {
            return path;
        }
        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            switch (segment)
            {
                case "":
                case ".":
                    break;
                case "..":
                    if (segments.Count == 0)
                    {
                        throw new ArgumentException($"The path \"{ZooKeeperPath.Escape(path)}\" goes above the root.", nameof(path));
                    }
                    segments.RemoveAt(segments.Count - 1);
                    break;
                default:
                    segments.Add(segment);
                    break;
            }
        }
        return "/" + string.Join('/', segments);
    }

    /// <summary>
    /// The absolute path a link target stands for: an absolute target is normalised, a relative one is taken relative
    /// to <paramref name="parentPath"/> (so <c>c</c> on <c>/a/b</c> is <c>/a/b/c</c> and <c>../c</c> is <c>/a/c</c>).
    /// </summary>
    /// <param name="parentPath">The (resolved) absolute path of the node holding the link.</param>
    /// <param name="target">The link's target.</param>
    /// <exception cref="ArgumentException">The target is empty, <paramref name="parentPath"/> is not absolute, or the result goes above the root.</exception>
    public static string ResolveTarget(string parentPath, string target)
    {
        ArgumentNullException.ThrowIfNull(parentPath);
        ArgumentNullException.ThrowIfNull(target);
        if (target.Length == 0)
        {
            throw new ArgumentException("The link target is empty.", nameof(target));
        }
        if (target[0] == '/')
        {
            return NormalizePath(target);
        }
        NormalizePath(parentPath);
        return NormalizePath(ZooKeeperPath.Combine(parentPath, target));
    }

    /// <summary>
    /// Reads a property link's value <c>PATH [PROPERTY]</c>: the absolute, normalised target path (a relative
    /// <c>PATH</c> is relative to <paramref name="path"/>) and the target property (default: <paramref name="propertyName"/>).
    /// The target path may still go through symbolic links.
    /// </summary>
    /// <param name="path">The absolute path of the node holding the link.</param>
    /// <param name="propertyName">The property the link provides (without <c> =&gt;</c>).</param>
    /// <param name="value">The link's value.</param>
    /// <exception cref="BadPropertyLinkException">The value is not one or two words, or its path goes above the root (reason <see cref="BadPropertyLinkReason.InvalidValue"/>).</exception>
    public static PropertyLinkTarget ParsePropertyLink(string path, string propertyName, string value)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(propertyName);
        ArgumentNullException.ThrowIfNull(value);
        var words = SplitWords(value);
        if (words.Count is < 1 or > 2)
        {
            throw new BadPropertyLinkException(path, propertyName, value, BadPropertyLinkReason.InvalidValue,
                words.Count == 0 ? "the value is empty" : $"the value has {words.Count} words, expected PATH or PATH PROPERTY");
        }
        string targetPath;
        try
        {
            targetPath = ResolveTarget(path, words[0]);
        }
        catch (ArgumentException ex)
        {
            throw new BadPropertyLinkException(path, propertyName, value, BadPropertyLinkReason.InvalidValue, ex.Message.TrimEnd('.'), ex);
        }
        return new PropertyLinkTarget(targetPath, words.Count == 2 ? words[1] : propertyName);
    }

    /// <summary>
    /// What <c>ln(target, source)</c> stores: the property <c>NAME -&gt;</c> on the parent of <paramref name="source"/>
    /// (NAME is the last segment of <paramref name="source"/>) with value <paramref name="target"/>, where a target
    /// ending with <c>/</c> gets NAME appended.
    /// </summary>
    /// <param name="target">The link target, absolute or relative to the parent of <paramref name="source"/>.</param>
    /// <param name="source">The absolute path the link makes available; not the root.</param>
    /// <exception cref="ArgumentException"><paramref name="source"/> is not a valid path other than the root, or <paramref name="target"/> is empty.</exception>
    public static SymbolicLinkDefinition CreateSymbolicLink(string target, string source)
    {
        ArgumentNullException.ThrowIfNull(target);
        ZooKeeperPath.Validate(source);
        if (source == "/")
        {
            throw new ArgumentException("The root cannot be a link.", nameof(source));
        }
        if (target.Length == 0)
        {
            throw new ArgumentException("The link target is empty.", nameof(target));
        }
        var name = ZooKeeperPath.GetName(source);
        if (target[^1] == '/')
        {
            target += name;
        }
        return new SymbolicLinkDefinition(ZooKeeperPath.GetParent(source)!, NodePropertyNames.ForSymbolicLink(name), target);
    }

    /// <summary>Splits on runs of white space, as Python's <c>str.split()</c>.</summary>
    internal static List<string> SplitWords(string text)
    {
        var words = new List<string>(2);
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var space = i == text.Length || char.IsWhiteSpace(text[i]);
            if (space && start >= 0)
            {
                words.Add(text[start..i]);
                start = -1;
            }
            else if (!space && start < 0)
            {
                start = i;
            }
        }
        return words;
    }

    private static bool NeedsNormalizing(string path)
    {
        if (path.Length > 1 && path[^1] == '/')
        {
            return true;
        }
        var segmentStart = 1;
        for (var i = 1; i <= path.Length; i++)
        {
            if (i == path.Length || path[i] == '/')
            {
                var segment = path.AsSpan(segmentStart, i - segmentStart);
                if ((segment.IsEmpty && i < path.Length) || segment is "." or "..")
                {
                    return true;
                }
                segmentStart = i + 1;
            }
        }
        return false;
    }
}

/// <summary>Where a property link points: a node path and the property to read there.</summary>
/// <param name="Path">The absolute, normalised target path; it may still go through symbolic links.</param>
/// <param name="PropertyName">The property to read on the target node.</param>
public readonly record struct PropertyLinkTarget(string Path, string PropertyName);

/// <summary>The property that <c>ln(target, source)</c> stores.</summary>
/// <param name="ParentPath">The node that holds the link: the parent of the source path.</param>
/// <param name="PropertyName">The stored property name, <c>NAME -&gt;</c>.</param>
/// <param name="Target">The property's value, the link target.</param>
public sealed record SymbolicLinkDefinition(string ParentPath, string PropertyName, string Target);
