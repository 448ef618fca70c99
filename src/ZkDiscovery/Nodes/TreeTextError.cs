namespace ZkDiscovery.Nodes;

/// <summary>One error found in tree text.</summary>
/// <param name="LineNumber">The 1-based line number.</param>
/// <param name="Text">The offending line, without its indentation.</param>
/// <param name="Message">What is wrong.</param>
public sealed record TreeTextError(int LineNumber, string Text, string Message)
{
    /// <summary>The error as one line: <c>line N: MESSAGE: TEXT</c>.</summary>
    public override string ToString() => $"line {LineNumber}: {Message}: {Text}";
}

/// <summary>Tree text has errors; <see cref="Errors"/> lists every one, in line order.</summary>
public sealed class TreeTextException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errors">The errors; at least one.</param>
    public TreeTextException(IReadOnlyList<TreeTextError> errors)
        : base(Describe(errors))
    {
        Errors = errors;
    }

    /// <summary>Every error found, in line order.</summary>
    public IReadOnlyList<TreeTextError> Errors { get; }

    private static string Describe(IReadOnlyList<TreeTextError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors.Count == 1
            ? "Invalid tree text: " + errors[0]
            : $"Invalid tree text ({errors.Count} errors):" + string.Concat(errors.Select(static e => "\n  " + e));
    }
}
