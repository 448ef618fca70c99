namespace ZkDiscovery.Nodes;

/// <summary>
/// The base type of errors in the links stored in node properties: symbolic link loops and invalid targets, and bad
/// or cyclic property links. These describe the data in ZooKeeper, not a failed request.
/// </summary>
public abstract class NodeLinkException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The explanation.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    protected NodeLinkException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>Resolving symbolic links (properties named <c>NAME -&gt;</c>) reached a path it had already seen.</summary>
public sealed class LinkLoopException : NodeLinkException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="chain">The paths followed, in order; the last one is the path seen twice.</param>
    public LinkLoopException(IReadOnlyList<string> chain)
        : base("Symbolic link loop: " + string.Join(" -> ", Required(chain)))
    {
        Chain = chain;
    }

    /// <summary>The paths followed, in order; the last one is the path that was seen twice.</summary>
    public IReadOnlyList<string> Chain { get; }

    private static IReadOnlyList<string> Required(IReadOnlyList<string> chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        return chain;
    }
}

/// <summary>A symbolic link's target is not a usable path (for example <c>..</c> above the root).</summary>
public sealed class InvalidLinkTargetException : NodeLinkException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node holding the link.</param>
    /// <param name="linkName">The link's stored property name (ending with <c> -&gt;</c>).</param>
    /// <param name="target">The link's target as stored.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public InvalidLinkTargetException(string path, string linkName, string target, Exception? innerException = null)
        : base($"Invalid symbolic link \"{linkName}\" = \"{target}\" on {path}" + (innerException is null ? "." : ": " + innerException.Message), innerException)
    {
        Path = path;
        LinkName = linkName;
        Target = target;
    }

    /// <summary>The node holding the link.</summary>
    public string Path { get; }

    /// <summary>The link's stored property name (ending with <c> -&gt;</c>).</summary>
    public string LinkName { get; }

    /// <summary>The link's target as stored.</summary>
    public string Target { get; }
}

/// <summary>Why a property link is bad.</summary>
public enum BadPropertyLinkReason
{
    /// <summary>The link's value is not one or two words (<c>PATH [PROPERTY]</c>), is not a string, or its path is invalid.</summary>
    InvalidValue,

    /// <summary>The link's target node does not exist (or its path does not resolve).</summary>
    TargetNodeNotFound,

    /// <summary>The target node has neither the property nor a property link for it.</summary>
    TargetPropertyNotFound,
}

/// <summary>
/// A property link (a property named <c>NAME =&gt;</c> with value <c>PATH [PROPERTY]</c>) cannot be followed.
/// Where a watcher reads it, the property is left out and a warning is logged.
/// </summary>
public sealed class BadPropertyLinkException : NodeLinkException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node holding the bad link.</param>
    /// <param name="propertyName">The property the link provides (without <c> =&gt;</c>).</param>
    /// <param name="value">The link's value as stored (compact JSON text when it is not a string).</param>
    /// <param name="reason">Why the link is bad.</param>
    /// <param name="detail">More about the reason, if any.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public BadPropertyLinkException(string path, string propertyName, string value, BadPropertyLinkReason reason, string? detail = null, Exception? innerException = null)
        : base($"Bad property link \"{propertyName} =>\" = \"{value}\" on {path}: {detail ?? Describe(reason)}.", innerException)
    {
        Path = path;
        PropertyName = propertyName;
        Value = value;
        Reason = reason;
    }

    /// <summary>The node holding the bad link.</summary>
    public string Path { get; }

    /// <summary>The property the link provides (its stored name without <c> =&gt;</c>).</summary>
    public string PropertyName { get; }

    /// <summary>The link's value as stored.</summary>
    public string Value { get; }

    /// <summary>Why the link is bad.</summary>
    public BadPropertyLinkReason Reason { get; }

    private static string Describe(BadPropertyLinkReason reason) => reason switch
    {
        BadPropertyLinkReason.InvalidValue => "the value must be PATH or PATH PROPERTY",
        BadPropertyLinkReason.TargetNodeNotFound => "the target node does not exist",
        BadPropertyLinkReason.TargetPropertyNotFound => "the target property does not exist",
        _ => reason.ToString(),
    };
}

/// <summary>Following property links came back to a property already followed.</summary>
public sealed class PropertyLinkCycleException : NodeLinkException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="chain">The properties followed, in order, each as <c>PATH PROPERTY</c> (real paths); the last one is the property seen twice.</param>
    public PropertyLinkCycleException(IReadOnlyList<string> chain)
        : base("Property link cycle: " + string.Join(" => ", Required(chain)))
    {
        Chain = chain;
    }

    /// <summary>The properties followed, in order, each as <c>PATH PROPERTY</c>; the last one is the property seen twice.</summary>
    public IReadOnlyList<string> Chain { get; }

    private static IReadOnlyList<string> Required(IReadOnlyList<string> chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        return chain;
    }
}
