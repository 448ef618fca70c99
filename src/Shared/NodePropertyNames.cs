namespace ZkDiscovery.Nodes;

/// <summary>
/// The reserved property names of the zc.zk conventions and helpers to recognise link properties.
/// </summary>
/// <remarks>
/// Compiled into ZkDiscovery and ZkDiscovery.Hosting (src/Shared); ZkDiscovery.Configuration uses the core's copy.
/// A property named <c>NAME -&gt;</c> is a symbolic link to another node; a property named
/// <c>NAME =&gt;</c> is a property link to a property of another node.
/// </remarks>
internal static class NodePropertyNames
{
    /// <summary>The property holding the node's type, written <c>/name : TYPE</c> in tree text.</summary>
    public const string Type = "type";

    /// <summary>The property holding the raw text of node data that is not a JSON object.</summary>
    public const string StringValue = "string_value";

    /// <summary>The read warning of data that is text, not a JSON object (read as <see cref="StringValue"/>).</summary>
    public const string NotAnObjectWarning = "the data is not a JSON object";

    /// <summary>The property holding the registering process id on registration nodes.</summary>
    public const string Pid = "pid";

    /// <summary>The suffix (space, hyphen, greater-than) of a symbolic link's property name.</summary>
    public const string SymbolicLinkSuffix = " ->";

    /// <summary>The suffix (space, equals, greater-than) of a property link's property name.</summary>
    public const string PropertyLinkSuffix = " =>";

    /// <summary>True when <paramref name="name"/> ends with <see cref="SymbolicLinkSuffix"/>.</summary>
    /// <param name="name">A stored property name.</param>
    public static bool IsSymbolicLink(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.EndsWith(SymbolicLinkSuffix, StringComparison.Ordinal);
    }

    /// <summary>True when <paramref name="name"/> ends with <see cref="PropertyLinkSuffix"/>.</summary>
    /// <param name="name">A stored property name.</param>
    public static bool IsPropertyLink(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.EndsWith(PropertyLinkSuffix, StringComparison.Ordinal);
    }

    /// <summary>The stored property name of the symbolic link <paramref name="linkName"/>: <c>l</c> → <c>l -&gt;</c>.</summary>
    /// <param name="linkName">The link's name (the child name it stands for).</param>
    public static string ForSymbolicLink(string linkName)
    {
        ArgumentNullException.ThrowIfNull(linkName);
        return linkName + SymbolicLinkSuffix;
    }

    /// <summary>The stored property name of the property link for <paramref name="propertyName"/>: <c>threads</c> → <c>threads =&gt;</c>.</summary>
    /// <param name="propertyName">The name of the property the link provides.</param>
    public static string ForPropertyLink(string propertyName)
    {
        ArgumentNullException.ThrowIfNull(propertyName);
        return propertyName + PropertyLinkSuffix;
    }

    /// <summary>
    /// The name without its link marker: <c>l -&gt;</c> → <c>l</c>, <c>threads =&gt;</c> → <c>threads</c>;
    /// other names are returned unchanged.
    /// </summary>
    /// <param name="name">A stored property name.</param>
    public static string StripLinkSuffix(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return IsSymbolicLink(name) || IsPropertyLink(name) ? name[..^3] : name;
    }

    /// <summary>
    /// The property names a reader sees, in order: plain names as they are, property links by the name they
    /// provide (<c>threads</c>, not <c>threads =&gt;</c>, listed once even when a real <c>threads</c> exists too),
    /// and no symbolic links.
    /// </summary>
    /// <param name="storedNames">The stored property names of one node.</param>
    public static IEnumerable<string> GetVisibleNames(IEnumerable<string> storedNames)
    {
        ArgumentNullException.ThrowIfNull(storedNames);
        return Iterate(storedNames);

        static IEnumerable<string> Iterate(IEnumerable<string> storedNames)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in storedNames)
            {
                if (IsSymbolicLink(name))
                {
                    continue;
                }
                var visible = IsPropertyLink(name) ? name[..^3] : name;
                if (seen.Add(visible))
                {
                    yield return visible;
                }
            }
        }
    }
}
