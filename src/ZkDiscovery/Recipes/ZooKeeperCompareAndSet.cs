using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ZkDiscovery.Recipes;

/// <summary>Settings of a <see cref="ZooKeeperCompareAndSet"/> update.</summary>
public sealed class CompareAndSetOptions
{
    /// <summary>The default number of read-compute-write rounds, 100.</summary>
    public const int DefaultMaxAttempts = 100;

    /// <summary>The most read-compute-write rounds before giving up with <see cref="BadVersionException"/> (at least 1).</summary>
    /// <value>The default value is <see cref="DefaultMaxAttempts"/>.</value>
    public int MaxAttempts { get; init; } = DefaultMaxAttempts;

    /// <summary>True to create the node (and missing parents) when it does not exist; the update function then gets no value.</summary>
    /// <value>The default value is false: a missing node fails with <see cref="NoNodeException"/>.</value>
    public bool CreateIfMissing { get; init; }

    /// <summary>The ACL of nodes created; <see cref="ZooKeeperAcl.OpenUnsafe"/> when null.</summary>
    public IReadOnlyList<ZooKeeperAcl>? Acl { get; init; }

    /// <summary>Where conflicts are logged (debug level); nothing is logged when null.</summary>
    public ILogger? Logger { get; init; }

    internal static CompareAndSetOptions Default { get; } = new();
}

/// <summary>The outcome of a compare-and-set update.</summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="Value">The value written.</param>
/// <param name="Stat">The node's metadata after the write.</param>
/// <param name="Attempts">How many read-compute-write rounds it took (1 when there was no conflict).</param>
/// <param name="Created">True when the node was created by this update.</param>
public sealed record CompareAndSetResult<T>(T Value, NodeStat Stat, int Attempts, bool Created);

/// <summary>
/// Compare-and-set update loops: read a node's value with its version, apply a function, write the result only if
/// the version is unchanged, and on <see cref="BadVersionException"/> (a concurrent writer won) read again and retry,
/// a bounded number of times. Values are raw bytes, JSON as <see cref="JsonNode"/>, or a typed JSON value
/// (System.Text.Json).
/// </summary>
/// <remarks>
/// The update function may run several times and should have no side effects. Empty node data reads as no value
/// (null / default). Reads are retried on transient errors by the client's retry policy; a write that fails with a
/// connection loss is not (it may have been applied) and the <see cref="ConnectionLossException"/> reaches the caller.
/// </remarks>
public static partial class ZooKeeperCompareAndSet
{
    private static readonly JsonSerializerOptions s_webOptions = new(JsonSerializerDefaults.Web);

    /// <summary>Updates a node's raw data.</summary>
    /// <param name="client">The client.</param>
    /// <param name="path">The node's path.</param>
    /// <param name="update">Computes the new data from the current data (null when the node is being created).</param>
    /// <param name="options">Attempts, create-if-missing, ACL; defaults when null.</param>
    /// <param name="cancellationToken">Stops between attempts and abandons the wait.</param>
    /// <returns>The data written and the node's new metadata.</returns>
    /// <exception cref="NoNodeException">The node does not exist (or was deleted) and <see cref="CompareAndSetOptions.CreateIfMissing"/> is false.</exception>
    /// <exception cref="BadVersionException">Concurrent writers won every attempt; the message gives the number.</exception>
    public static Task<CompareAndSetResult<byte[]>> UpdateBytesAsync(
        ZooKeeperClient client,
        string path,
        Func<byte[]?, byte[]> update,
        CompareAndSetOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return UpdateCoreAsync(client, path, update, static b => b, options, cancellationToken);
    }

    /// <summary>Updates a node whose data is a JSON document, as a <see cref="JsonNode"/>.</summary>
    /// <param name="client">The client.</param>
    /// <param name="path">The node's path.</param>
    /// <param name="update">Computes the new document from the current one (null for empty data or a node being created). It may modify and return its argument.</param>
    /// <param name="options">Attempts, create-if-missing, ACL; defaults when null.</param>
    /// <param name="cancellationToken">Stops between attempts and abandons the wait.</param>
    /// <returns>The document written and the node's new metadata.</returns>
    /// <exception cref="JsonException">The node's data is not JSON.</exception>
    /// <exception cref="NoNodeException">The node does not exist and <see cref="CompareAndSetOptions.CreateIfMissing"/> is false.</exception>
    /// <exception cref="BadVersionException">Concurrent writers won every attempt.</exception>
    public static Task<CompareAndSetResult<JsonNode?>> UpdateJsonAsync(
        ZooKeeperClient client,
        string path,
        Func<JsonNode?, JsonNode?> update,
        CompareAndSetOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return UpdateCoreAsync(
            client,
            path,
            data => update(data is null || IsBlank(data) ? null : JsonNode.Parse(data)),
            static node => node is null ? [] : JsonSerializer.SerializeToUtf8Bytes(node),
            options,
            cancellationToken);
    }

    /// <summary>Updates a node whose data is <typeparamref name="T"/> serialized as JSON, with source-generated metadata.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="client">The client.</param>
    /// <param name="path">The node's path.</param>
    /// <param name="update">Computes the new value from the current one (default for empty data or a node being created).</param>
    /// <param name="jsonTypeInfo">The serialization metadata of <typeparamref name="T"/>.</param>
    /// <param name="options">Attempts, create-if-missing, ACL; defaults when null.</param>
    /// <param name="cancellationToken">Stops between attempts and abandons the wait.</param>
    /// <returns>The value written and the node's new metadata.</returns>
    /// <exception cref="JsonException">The node's data is not a <typeparamref name="T"/>.</exception>
    /// <exception cref="NoNodeException">The node does not exist and <see cref="CompareAndSetOptions.CreateIfMissing"/> is false.</exception>
    /// <exception cref="BadVersionException">Concurrent writers won every attempt.</exception>
    public static Task<CompareAndSetResult<T>> UpdateAsync<T>(
        ZooKeeperClient client,
        string path,
        Func<T?, T> update,
        JsonTypeInfo<T> jsonTypeInfo,
        CompareAndSetOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(jsonTypeInfo);
        return UpdateCoreAsync(
            client,
            path,
            data => update(data is null || IsBlank(data) ? default : JsonSerializer.Deserialize(data, jsonTypeInfo)),
            value => JsonSerializer.SerializeToUtf8Bytes(value, jsonTypeInfo),
            options,
            cancellationToken);
    }

    /// <summary>Updates a node whose data is <typeparamref name="T"/> serialized as JSON (reflection-based serialization).</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="client">The client.</param>
    /// <param name="path">The node's path.</param>
    /// <param name="update">Computes the new value from the current one (default for empty data or a node being created).</param>
    /// <param name="jsonOptions">Serializer options; the web defaults (<see cref="JsonSerializerDefaults.Web"/>) when null.</param>
    /// <param name="options">Attempts, create-if-missing, ACL; defaults when null.</param>
    /// <param name="cancellationToken">Stops between attempts and abandons the wait.</param>
    /// <returns>The value written and the node's new metadata.</returns>
    /// <exception cref="JsonException">The node's data is not a <typeparamref name="T"/>.</exception>
    /// <exception cref="NoNodeException">The node does not exist and <see cref="CompareAndSetOptions.CreateIfMissing"/> is false.</exception>
    /// <exception cref="BadVersionException">Concurrent writers won every attempt.</exception>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode("Reflection-based JSON serialization; use the JsonTypeInfo overload for trimming.")]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode("Reflection-based JSON serialization; use the JsonTypeInfo overload for native AOT.")]
    public static Task<CompareAndSetResult<T>> UpdateAsync<T>(
        ZooKeeperClient client,
        string path,
        Func<T?, T> update,
        JsonSerializerOptions? jsonOptions = null,
        CompareAndSetOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        var json = jsonOptions ?? s_webOptions;
        return UpdateCoreAsync(
            client,
            path,
            data => update(data is null || IsBlank(data) ? default : JsonSerializer.Deserialize<T>(data, json)),
            value => JsonSerializer.SerializeToUtf8Bytes(value, json),
            options,
            cancellationToken);
    }

    private static async Task<CompareAndSetResult<T>> UpdateCoreAsync<T>(
        ZooKeeperClient client,
        string path,
        Func<byte[]?, T> update,
        Func<T, byte[]> encode,
        CompareAndSetOptions? options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ZooKeeperPath.Validate(path);
        options ??= CompareAndSetOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1, nameof(options));
        var logger = options.Logger ?? NullLogger.Instance;
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            NodeData current;
            try
            {
                current = await client.GetDataAsync(path, null, cancellationToken).ConfigureAwait(false);
            }
            catch (NoNodeException) when (options.CreateIfMissing)
            {
                var value = update(null);
                var data = encode(value);
                try
                {
                    var parent = ZooKeeperPath.GetParent(path);
                    if (parent is not null and not "/")
                    {
                        await client.EnsurePathAsync(parent, options.Acl, cancellationToken).ConfigureAwait(false);
                    }
                    var created = await client.CreateAsync(path, data, CreateMode.Persistent, options.Acl, null, cancellationToken).ConfigureAwait(false);
                    return new CompareAndSetResult<T>(value, created.Stat, attempt, true);
                }
                catch (NodeExistsException) when (attempt < options.MaxAttempts)
                {
                    Log.Conflict(logger, path, attempt);
                    continue;
                }
                catch (NodeExistsException e)
                {
                    throw new BadVersionException(path, $"{path} was created concurrently on the last of {options.MaxAttempts} attempts: {e.Message}");
                }
            }
            var next = update(current.Data);
            try
            {
                var stat = await client.SetDataAsync(path, encode(next), current.Stat.Version, cancellationToken).ConfigureAwait(false);
                return new CompareAndSetResult<T>(next, stat, attempt, false);
            }
            catch (BadVersionException) when (attempt < options.MaxAttempts)
            {
                Log.Conflict(logger, path, attempt);
            }
            catch (NoNodeException) when (options.CreateIfMissing && attempt < options.MaxAttempts)
            {
                Log.Conflict(logger, path, attempt);
            }
            catch (BadVersionException e)
            {
                throw new BadVersionException(path, $"{path} changed concurrently on each of {options.MaxAttempts} attempts: {e.Message}");
            }
        }
    }

    private static bool IsBlank(byte[] data) => data.All(static b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n');
}
