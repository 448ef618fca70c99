using ZkDiscovery.IntegrationTests.Client;
using ZkDiscovery.Recipes;
using ZkDiscovery.Testing;

namespace ZkDiscovery.IntegrationTests.Recipes;

public sealed class LockTests : ClientTestBase
{
    private string LockPath => Root + "/lock";

    [Fact]
    public async Task AcquireAsync_TwoClientsContending_NeverOverlapIn200Rounds()
    {
        var clients = new[] { await ConnectAsync(), await ConnectAsync() };
        var inside = 0;
        var overlaps = 0;
        var total = 0;

        async Task WorkerAsync(ZooKeeperClient client, string name)
        {
            var zkLock = new ZooKeeperLock(client, LockPath, name);
            for (var i = 0; i < 100; i++)
            {
                await using var handle = await zkLock.AcquireAsync(Timeout);
                if (Interlocked.Increment(ref inside) != 1)
                {
                    Interlocked.Increment(ref overlaps);
                }
                total++; // not atomic on purpose: the lock must protect it
                await Task.Yield();
                Interlocked.Decrement(ref inside);
            }
        }

        await Task.WhenAll(WorkerAsync(clients[0], "a"), WorkerAsync(clients[1], "b")).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(0, overlaps);
        Assert.Equal(200, total);
        Assert.Empty((await Client.GetChildrenAsync(LockPath)).Children);
    }

    [Fact]
    public async Task AcquireAsync_Waiter_IsWokenWhenHolderReleases()
    {
        var holderLock = new ZooKeeperLock(await ConnectAsync(), LockPath, "holder");
        var waiterLock = new ZooKeeperLock(await ConnectAsync(), LockPath, "waiter");
        var handle = await holderLock.AcquireAsync(Timeout);

        var children = new EventSink();
        await Client.GetChildrenAsync(LockPath, children.Watcher);
        var waiting = waiterLock.AcquireAsync(Timeout);
        await children.NextAsync(); // the waiter's node is queued

        Assert.False(waiting.IsCompleted);
        await handle.ReleaseAsync();
        await using var waiterHandle = await waiting.WaitAsync(Timeout);

        Assert.True(waiterHandle.IsHeld);
        Assert.False(handle.IsHeld);
        Assert.False(handle.IsLost);
        Assert.Equal("waiter", waiterHandle.Holder.NodeId);
    }

    [Fact]
    public async Task TryAcquireAsync_WhenHeld_ReportsHolderWithoutQueueing()
    {
        var holderLock = new ZooKeeperLock(await ConnectAsync(), LockPath, "holder");
        var otherLock = new ZooKeeperLock(await ConnectAsync(), LockPath, "other");
        var first = await holderLock.TryAcquireAsync();
        Assert.True(first.Succeeded);
        Assert.NotNull(first.Handle);

        var second = await otherLock.TryAcquireAsync();

        Assert.False(second.Succeeded);
        Assert.Null(second.Handle);
        Assert.Equal(first.Handle!.Holder, second.Holder);
        Assert.Equal("holder", second.Holder!.NodeId);
        Assert.Equal(Environment.ProcessId, second.Holder.ProcessId);
        Assert.Equal(0, second.HolderVersion);
        Assert.Single((await Client.GetChildrenAsync(LockPath)).Children);
        Assert.True(ZooKeeperLockHolder.TryParse(second.Holder.ToString(), out var parsed));
        Assert.Equal(second.Holder, parsed);

        var released = await first.Handle.TryReleaseAsync();
        Assert.True(released.Succeeded);
        Assert.Null(released.Holder);
        Assert.Equal(-1, released.HolderVersion);

        var third = await otherLock.TryAcquireAsync();
        Assert.True(third.Succeeded);
        await third.Handle!.DisposeAsync();
    }

    [Fact]
    public async Task AcquireAsync_Timeout_ThrowsAndLeavesNoNode()
    {
        var holderLock = new ZooKeeperLock(await ConnectAsync(), LockPath, "holder");
        var otherLock = new ZooKeeperLock(await ConnectAsync(), LockPath, "other");
        await using var handle = await holderLock.AcquireAsync(Timeout);

        var e = await Assert.ThrowsAsync<TimeoutException>(() => otherLock.AcquireAsync(TimeSpan.FromMilliseconds(300)));

        Assert.Contains(LockPath, e.Message, StringComparison.Ordinal);
        Assert.Single((await Client.GetChildrenAsync(LockPath)).Children);
        Assert.True(handle.IsHeld);
    }

    [Fact]
    public async Task AcquireAsync_Cancelled_ThrowsOperationCanceled()
    {
        var holderLock = new ZooKeeperLock(await ConnectAsync(), LockPath, "holder");
        var otherLock = new ZooKeeperLock(await ConnectAsync(), LockPath, "other");
        await using var handle = await holderLock.AcquireAsync(Timeout);
        using var cts = new CancellationTokenSource();

        var waiting = otherLock.AcquireAsync(Timeout, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Single((await Client.GetChildrenAsync(LockPath)).Children);
    }

    [Fact]
    public async Task HolderSessionExpiry_ReportsLossAndReleasesToWaiter()
    {
        var holderClient = await ConnectAsync();
        var holderLock = new ZooKeeperLock(holderClient, LockPath, "holder");
        var waiterLock = new ZooKeeperLock(await ConnectAsync(), LockPath, "waiter");
        var handle = await holderLock.AcquireAsync(Timeout);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = handle.LockLost.Register(() => lost.TrySetResult());
        var lostEvent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        handle.Lost += (_, _) => lostEvent.TrySetResult();
        var waiting = waiterLock.AcquireAsync(Timeout);

        var credentials = holderClient.SessionCredentials!;
        Assert.True(await ZooKeeperSessionKiller.ExpireAsync(ConnectionString, credentials.SessionId, credentials.Password));

        await lost.Task.WaitAsync(Timeout);
        await lostEvent.Task.WaitAsync(Timeout);
        Assert.False(handle.IsHeld);
        Assert.True(handle.IsLost);
        await using var waiterHandle = await waiting.WaitAsync(Timeout);
        Assert.True(waiterHandle.IsHeld);
        await handle.DisposeAsync(); // a lost handle disposes quietly
    }
}
