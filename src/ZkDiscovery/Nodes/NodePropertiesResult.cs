namespace ZkDiscovery.Nodes;

/// <summary>The stored properties of a node read from, or written to, ZooKeeper.</summary>
/// <param name="Path">The path that was asked for.</param>
/// <param name="RealPath">The node's real path, after symbolic links.</param>
/// <param name="Properties">
/// The stored properties, including link properties (<c>NAME -&gt;</c>, <c>NAME =&gt;</c>); data that is not a JSON object
/// reads as <c>string_value</c> (see <see cref="NodeProperties.ReadWarning"/>).
/// </param>
/// <param name="Stat">The node's metadata at the time of the read or write; its <see cref="NodeStat.Version"/> is what a conditional write expects.</param>
public sealed record NodePropertiesResult(string Path, string RealPath, NodeProperties Properties, NodeStat Stat);
