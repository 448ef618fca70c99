using ZkDiscovery.Hosting.Discovery;

namespace ZkDiscovery.Hosting.Tests;

/// <summary>Event-driven waits (watches, change tokens); the timeouts are upper bounds only.</summary>
internal static class ZooKeeperWaits
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Waits until <paramref name="path"/> exists and <paramref name="predicate"/> holds for its stat, re-checking on each watch event.</summary>
    public static async Task<NodeStat> WaitForNodeAsync(ZooKeeperClient client, string path, Func<NodeStat, bool>? predicate = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        while (true)
        {
            var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var stat = await client.ExistsAsync(path, _ => fired.TrySetResult(), cts.Token);
            if (stat is not null && (predicate is null || predicate(stat)))
            {
                return stat;
            }
            if (stat is not null)
            {
                // Exists but not yet as wanted: a data watch tells about the next change.
                await client.GetDataAsync(path, _ => fired.TrySetResult(), cts.Token);
            }
            await fired.Task.WaitAsync(cts.Token);
        }
    }

    /// <summary>Waits until <paramref name="path"/> does not exist (NodeDeleted watch).</summary>
    public static async Task WaitForNoNodeAsync(ZooKeeperClient client, string path, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        while (true)
        {
            var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var stat = await client.ExistsAsync(path, _ => fired.TrySetResult(), cts.Token);
            if (stat is null)
            {
                return;
            }
            await fired.Task.WaitAsync(cts.Token);
        }
    }

    /// <summary>Waits (on change tokens) until the snapshot of <paramref name="serviceName"/> satisfies <paramref name="predicate"/>.</summary>
    public static async Task<ServiceEndpointSnapshot> WaitForSnapshotAsync(ZooKeeperServiceEndpointResolver resolver, string serviceName, Func<ServiceEndpointSnapshot, bool> predicate)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await resolver.GetSnapshotAsync(serviceName, cts.Token);
        return await WaitForSnapshotAsync(() => resolver.GetSnapshot(serviceName), predicate, cts.Token);
    }

    /// <summary>Waits (on change tokens) until the snapshot <paramref name="current"/> returns satisfies <paramref name="predicate"/>.</summary>
    public static async Task<ServiceEndpointSnapshot> WaitForSnapshotAsync(Func<ServiceEndpointSnapshot> current, Func<ServiceEndpointSnapshot, bool> predicate, CancellationToken cancellationToken)
    {
        while (true)
        {
            var snapshot = current();
            if (predicate(snapshot))
            {
                return snapshot;
            }
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (snapshot.ChangeToken.RegisterChangeCallback(static s => ((TaskCompletionSource)s!).TrySetResult(), changed))
            {
                await changed.Task.WaitAsync(cancellationToken);
            }
        }
    }
}
