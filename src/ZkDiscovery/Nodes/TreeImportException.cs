namespace ZkDiscovery.Nodes;

/// <summary>
/// Importing tree text failed at one node. Nodes before it were applied (each node is applied on its own);
/// <see cref="AppliedReport"/> lists what was, and the inner exception says why this node failed.
/// </summary>
public sealed class TreeImportException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The node whose import failed.</param>
    /// <param name="appliedReport">The report lines of what was applied (or, in a dry run, found) before the failure.</param>
    /// <param name="innerException">Why the node failed.</param>
    public TreeImportException(string path, IReadOnlyList<string> appliedReport, Exception innerException)
        : base(Describe(path, appliedReport, innerException), innerException)
    {
        Path = path;
        AppliedReport = appliedReport;
    }

    /// <summary>The node whose import failed.</summary>
    public string Path { get; }

    /// <summary>The report lines of what was applied before the failure, in order.</summary>
    public IReadOnlyList<string> AppliedReport { get; }

    private static string Describe(string path, IReadOnlyList<string> appliedReport, Exception innerException)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(appliedReport);
        ArgumentNullException.ThrowIfNull(innerException);
        var applied = appliedReport.Count == 0
            ? " Nothing was applied before it."
            : $" Applied before it ({appliedReport.Count} report lines):" + string.Concat(appliedReport.Select(static l => "\n  " + l));
        return $"Importing {path} failed: {innerException.Message}.{applied}";
    }
}
