namespace ZkDiscovery.Connection;

/// <summary>Starts the long-lived loops of the client and of the layers on it.</summary>
internal static class BackgroundLoop
{
    /// <summary>
    /// Runs <paramref name="loop"/> on the thread pool without the caller's ExecutionContext: a loop outlives the
    /// call that started it, and the callbacks it runs (watchers, subscribers) must not see that call's AsyncLocals
    /// (log scopes, <c>Activity.Current</c>).
    /// </summary>
    public static Task Start(Func<Task> loop)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(loop, CancellationToken.None);
        }
    }
}
