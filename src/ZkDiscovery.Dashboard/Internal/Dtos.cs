using System.Text.Json;

namespace ZkDiscovery.Dashboard.Internal;

// The JSON the page reads (camelCase on the wire). docs/dashboard.md documents each shape.

internal sealed record InfoDto(string Title, bool AllowWrites, bool CanWrite, string? AntiforgeryToken, string? AntiforgeryHeader);

internal sealed record ServiceDto(string Name, string Path, string Source, bool IsLoaded, bool PathExists, bool IsStale, DateTimeOffset Updated, IReadOnlyList<InstanceDto> Instances);

internal sealed record InstanceDto(string Name, string Path, string Uri, string Address, string? Pid, string? Version, DateTimeOffset? Started, string Layout, bool IsStale, JsonElement Properties);

internal sealed record ConfigurationProviderDto(string Path, bool IsOptional, string Status, DateTimeOffset? LastReloadTime, DateTimeOffset? LastGoodDataTime,
    string? LastError, DateTimeOffset? LastErrorTime, IReadOnlyList<ConfigurationKeyDto> Keys);

internal sealed record ConfigurationKeyDto(string Key, string? Value, bool IsSecret, bool IsOverridden, string NodePath, IReadOnlyList<string> Links);

internal sealed record SessionDto(string State, bool IsConnected, bool IsReadOnly, string? Server, string SessionId, double SessionTimeoutSeconds, string? Chroot, string LastZxid, MeterFigures Meter);

internal sealed record NodeDto(string Path, string RealPath, StatDto Stat, IReadOnlyList<PropertyDto> Properties, IReadOnlyList<PropertyLinkDto> PropertyLinks,
    IReadOnlyList<SymbolicLinkDto> SymbolicLinks, IReadOnlyList<string> Children, IReadOnlyList<AclDto> Acl, string? ReadWarning);

/// <summary>A change of the node the tree page shows (its live feed): the real path and the watch event's type.</summary>
internal sealed record NodeChangeDto(string Path, string Type);

internal sealed record StatDto(int Version, int ChildrenVersion, int AclVersion, string EphemeralOwner, bool IsEphemeral, int ChildrenCount, int DataLength,
    DateTimeOffset Created, DateTimeOffset Modified, string Czxid, string Mzxid);

internal sealed record PropertyDto(string Name, string Value);

internal sealed record PropertyLinkDto(string Name, string Target, string? TargetPath, string? TargetProperty, string? Value, string? Error);

internal sealed record SymbolicLinkDto(string Name, string Target, string? ResolvedPath, bool Exists, string? Error);

internal sealed record AclDto(string Scheme, string Id, string Permissions);

internal sealed record GraphNodeDto(string Name, string Path, IReadOnlyList<GraphLinkDto> Links, IReadOnlyList<GraphNodeDto> Children);

internal sealed record GraphLinkDto(string Kind, string Name, string Target, string? TargetPath);

internal sealed record GraphDto(string Path, bool Truncated, int NodeCount, GraphNodeDto Root);

internal sealed record ErrorDto(string Error, string? Detail = null);

internal sealed record SetPropertyRequest(string? Path, string? Name, string? Value, int? ExpectedVersion);

internal sealed record SetPropertyResult(string Path, string RealPath, int Version);

internal sealed record ConflictDto(string Error, string Path, int ExpectedVersion, int CurrentVersion, string? CurrentValue);

internal sealed record ImportRequest(string? Path, string? Text, bool Trim, string? Confirmation);

internal sealed record ImportPreviewDto(string Path, bool Trim, IReadOnlyList<string> Changes, string Confirmation);

internal sealed record ImportAppliedDto(string Path, IReadOnlyList<string> Applied);

internal sealed record TreeTextErrorDto(int Line, string Message, string Text);

internal sealed record ImportErrorDto(string Error, IReadOnlyList<TreeTextErrorDto>? Errors = null, IReadOnlyList<string>? Applied = null, IReadOnlyList<string>? Changes = null, string? Confirmation = null);
