using System.Text.Json.Nodes;

namespace ZkDiscovery.Nodes;

/// <summary>The properties of a node as a reader sees them, with property links followed.</summary>
public sealed class ResolvedNodeProperties
{
    internal ResolvedNodeProperties(
        string path,
        string realPath,
        IReadOnlyDictionary<string, JsonNode?> stored,
        NodeProperties properties,
        IReadOnlyList<NodeLinkException> errors,
        IReadOnlyList<string> linkedPaths)
    {
        Path = path;
        RealPath = realPath;
        Stored = stored;
        Properties = properties;
        Errors = errors;
        LinkedPaths = linkedPaths;
    }

    /// <summary>The path that was asked for.</summary>
    public string Path { get; }

    /// <summary>The real path of the node, after symbolic links.</summary>
    public string RealPath { get; }

    /// <summary>The node's stored properties, including link properties (<c>NAME -&gt;</c>, <c>NAME =&gt;</c>).</summary>
    public IReadOnlyDictionary<string, JsonNode?> Stored { get; }

    /// <summary>Plain properties and followed property links, in stored order; no symbolic links, no bad links.</summary>
    public NodeProperties Properties { get; }

    /// <summary>The bad property links whose names are absent from <see cref="Properties"/>; log each as a warning.</summary>
    public IReadOnlyList<NodeLinkException> Errors { get; }

    /// <summary>The real paths of the other nodes read to follow property links: a watcher watches these too.</summary>
    public IReadOnlyList<string> LinkedPaths { get; }
}
