using ZkDiscovery.Connection;

namespace ZkDiscovery.Tests.Connection;

public sealed class BackgroundLoopTests
{
    private static readonly AsyncLocal<string?> s_callerValue = new();

    [Fact]
    public async Task Start_DoesNotCarryTheCallersAsyncLocals()
    {
        s_callerValue.Value = "caller";
        var observed = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await BackgroundLoop.Start(() =>
        {
            observed.SetResult(s_callerValue.Value);
            return Task.CompletedTask;
        }).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(await observed.Task);
        Assert.Equal("caller", s_callerValue.Value); // The caller's own context is untouched.
    }

    [Fact]
    public async Task Start_WhenTheCallerAlreadySuppressedTheFlow_StartsAnyway()
    {
        s_callerValue.Value = "caller";
        var observed = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task loop;
        using (ExecutionContext.SuppressFlow())
        {
            // ExecutionContext.SuppressFlow() would throw here.
            loop = BackgroundLoop.Start(() =>
            {
                observed.SetResult(s_callerValue.Value);
                return Task.CompletedTask;
            });
        }
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(await observed.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
