using System.Text.Json.Nodes;
using ZkDiscovery.Discovery;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Hosting.Discovery;

/// <content>
/// Reading the providers: in multiRead batches or one request each, taking in what each holds (plain properties, a
/// Curator instance, or property links followed by a live view).
/// </content>
internal sealed partial class ServiceEndpointWatcher
{
    /// <summary>
    /// Reads the providers' data, leaving a data watch on each: in multiRead batches, or (before ZooKeeper 3.6) one
    /// pipelined <c>getData</c> per provider. A provider whose read fails for want of a connection keeps its last data and
    /// is read again after the next state change.
    /// </summary>
    private async Task ReadAsync(List<Provider> providers, CancellationToken cancellationToken)
    {
        if (!_perProviderReads)
        {
            try
            {
                await ReadInBatchesAsync(providers, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (UnimplementedException)
            {
                Log.PerProviderReads(_logger, ServiceName, ServicePath);
                _perProviderReads = true;
            }
        }
        await ReadOneByOneAsync(providers, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReadInBatchesAsync(List<Provider> providers, CancellationToken cancellationToken)
    {
        // Every batch goes out at once (pipelined), then the replies are taken in order.
        var batches = new Task<IReadOnlyList<NodeDataResult>>[(providers.Count + ReadsPerBatch - 1) / ReadsPerBatch];
        for (var b = 0; b < batches.Length; b++)
        {
            var count = Math.Min(ReadsPerBatch, providers.Count - (b * ReadsPerBatch));
            var paths = new string[count];
            for (var i = 0; i < count; i++)
            {
                paths[i] = providers[(b * ReadsPerBatch) + i].Path;
            }
            batches[b] = _client.GetDataManyAsync(paths, DataWatcher, cancellationToken);
        }
        ZooKeeperException? lost = null;
        for (var b = 0; b < batches.Length; b++)
        {
            var batch = batches[b];
            await ((Task)batch).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (batches.Length > 1)
            {
                await LeaveReaderThreadAsync().ConfigureAwait(false);
            }
            if (!batch.IsCompletedSuccessfully)
            {
                switch (batch.Exception?.InnerException)
                {
                    case UnimplementedException ex:
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
                        break;
                    case ZooKeeperException ex:
                        // Connection loss, expiry (or anything else the server says about the whole request): read again
                        // after the next state change or watch.
                        lost ??= ex;
                        continue;
                    case { } other:
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(other);
                        break;
                    default:
                        cancellationToken.ThrowIfCancellationRequested();
                        throw new OperationCanceledException("A provider read was canceled.");
                }
            }
            var results = batch.Result;
            for (var i = 0; i < results.Count; i++)
            {
                var provider = providers[(b * ReadsPerBatch) + i];
                var result = results[i];
                if (result.IsOk)
                {
                    lost ??= await ApplyAsync(provider, new NodeData(result.Data, result.Stat), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    Skip(provider, result.Error);
                }
            }
        }
        if (lost is null)
        {
            _batchLosses = 0;
            return;
        }
        // Not connected: the next Connected state (or a watch) reads the rest. A reply too large for one frame (providers
        // holding a lot of data) also ends in a dropped connection, every time: after a few such losses in a row, read
        // each provider with its own request, whose reply is as large as one node's data can be.
        Log.LoadFailed(_logger, ServiceName, ServicePath, lost.Message);
        if (lost is ConnectionLossException && ++_batchLosses >= BatchLossesBeforeFallback)
        {
            Log.BatchReadsAbandoned(_logger, ServiceName, ServicePath, _batchLosses);
            _perProviderReads = true;
        }
    }

    /// <summary>
    /// Goes on on the thread pool when running on a thread of the client's own (a reply resumes its awaiter on the
    /// connection's reader thread): taking in one provider there is cheap (a change of the service), but a whole service
    /// (at the start, after a reconnect) would hold the thread up long enough for the connection to give up reading on a
    /// thread of its own. Free on a pool thread.
    /// </summary>
    private static async ValueTask LeaveReaderThreadAsync()
    {
        if (!Thread.CurrentThread.IsThreadPoolThread)
        {
            await Task.Yield();
        }
    }

    /// <summary>A provider the server gave an error for: gone (the children view drops it) or unreadable (logged).</summary>
    private void Skip(Provider provider, ZooKeeperErrorCode error)
    {
        provider.Gone = error == ZooKeeperErrorCode.NoNode;
        if (error != ZooKeeperErrorCode.NoNode)
        {
            // A read the server refuses (say, NoAuth) arms no watch: left out until it is listed again or a new session begins.
            Log.ProviderUnreadable(_logger, provider.Path, ServiceName, new ZooKeeperException(error, provider.Path).Message);
        }
        provider.Forget();
    }

    private async Task ReadOneByOneAsync(List<Provider> providers, CancellationToken cancellationToken)
    {
        var reads = new Task<NodeData>[Math.Min(providers.Count, ReadsInFlight)];
        for (var start = 0; start < providers.Count; start += reads.Length)
        {
            var count = Math.Min(reads.Length, providers.Count - start);
            for (var i = 0; i < count; i++)
            {
                reads[i] = _client.GetDataAsync(providers[start + i].Path, DataWatcher, cancellationToken);
            }
            ZooKeeperException? lost = null;
            for (var i = 0; i < count; i++)
            {
                var provider = providers[start + i];
                var read = reads[i];
                await ((Task)read).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (count > 1)
                {
                    await LeaveReaderThreadAsync().ConfigureAwait(false);
                }
                if (read.IsCompletedSuccessfully)
                {
                    lost ??= await ApplyAsync(provider, read.Result, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                switch (read.Exception?.InnerException)
                {
                    case ZooKeeperException ex when ex.IsTransient || ex is SessionExpiredException:
                        lost ??= ex;
                        break;
                    case ZooKeeperException ex:
                        Skip(provider, ex.Code);
                        break;
                    case { } other:
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(other);
                        break;
                    default:
                        cancellationToken.ThrowIfCancellationRequested();
                        throw new OperationCanceledException("A provider read was canceled.");
                }
            }
            if (lost is not null)
            {
                // Not connected: the next Connected state (or a watch) reads the rest.
                Log.LoadFailed(_logger, ServiceName, ServicePath, lost.Message);
                return;
            }
        }
    }

    /// <summary>Takes in a provider's data; returns the error when following its property links needs a connection.</summary>
    private async Task<ZooKeeperException?> ApplyAsync(Provider provider, NodeData data, CancellationToken cancellationToken)
    {
        provider.NeedsRead = false;
        provider.Gone = false;
        provider.CreatedMs = data.Stat.Ctime;
        if (CuratorServiceInstance.LooksLikeInstance(data.Data))
        {
            // A Curator x-discovery instance (Curator, Spring Cloud Zookeeper): its metadata are the properties.
            await provider.ReleaseLinkedAsync().ConfigureAwait(false);
            if (CuratorServiceInstance.TryParse(data.Data, out var instance, out var error))
            {
                provider.Curator = instance;
                provider.Data = null;
                provider.Stored = new NodeProperties(instance.Metadata.Select(static m => KeyValuePair.Create(m.Key, (JsonNode?)JsonValue.Create(m.Value))));
            }
            else
            {
                if (provider.WarnedMzxid != data.Stat.Mzxid)
                {
                    provider.WarnedMzxid = data.Stat.Mzxid;
                    Log.ProviderUnreadable(_logger, provider.Path, ServiceName, error);
                }
                provider.Forget();
            }
            return null;
        }
        provider.Curator = null;
        var scan = ProviderData.Scan(data.Data);
        if (scan.IsPlain && !scan.HasPropertyLinks)
        {
            // Kept as read: the endpoint builds its properties when someone asks for them.
            if (scan.Warning is { } plainWarning && provider.WarnedMzxid != data.Stat.Mzxid)
            {
                provider.WarnedMzxid = data.Stat.Mzxid;
                Log.ProviderDataWarning(_logger, provider.Path, ServiceName, plainWarning);
            }
            await provider.ReleaseLinkedAsync().ConfigureAwait(false);
            provider.Stored = null;
            provider.Data = data.Data;
            return null;
        }
        provider.Data = null;
        var stored = NodeProperties.Parse(data.Data);
        if (stored.ReadWarning is { } warning && provider.WarnedMzxid != data.Stat.Mzxid)
        {
            provider.WarnedMzxid = data.Stat.Mzxid;
            Log.ProviderDataWarning(_logger, provider.Path, ServiceName, warning);
        }
        var hasPropertyLinks = false;
        var hasSymbolicLinks = false;
        foreach (var key in stored.Keys)
        {
            hasPropertyLinks |= NodePropertyNames.IsPropertyLink(key);
            hasSymbolicLinks |= NodePropertyNames.IsSymbolicLink(key);
        }
        if (!hasPropertyLinks)
        {
            await provider.ReleaseLinkedAsync().ConfigureAwait(false);
            // Symbolic links are for paths below the provider, not part of what it says about itself.
            provider.Stored = hasSymbolicLinks
                ? new NodeProperties(stored.Where(p => !NodePropertyNames.IsSymbolicLink(p.Key)))
                : stored;
            return null;
        }
        if (provider.Linked is not null)
        {
            return null; // Its view follows the node and the link targets itself.
        }
        try
        {
            var linked = await LiveProperties.StartAsync(_client, provider.Path, _loggerFactory, cancellationToken).ConfigureAwait(false);
            provider.Linked = linked;
            provider.LinkedSubscription = linked.Subscribe(_ =>
            {
                Volatile.Write(ref _republish, 1); // Tree mode rebuilds the snapshot only when asked to.
                Signal();
            });
            return null;
        }
        catch (NoNodeException)
        {
            provider.Forget();
            provider.Gone = true;
            return null;
        }
        catch (NodeLinkException ex)
        {
            Log.ProviderUnreadable(_logger, provider.Path, ServiceName, ex.Message);
            provider.Forget();
            return null;
        }
        catch (ZooKeeperException ex) when (ex.IsTransient || ex is SessionExpiredException)
        {
            provider.NeedsRead = true;
            return ex;
        }
        catch (ZooKeeperException ex)
        {
            Log.ProviderUnreadable(_logger, provider.Path, ServiceName, ex.Message);
            provider.Forget();
            return null;
        }
    }
}
