namespace ZkDiscovery.Connection;

/// <summary>
/// Starts the long-lived loops of the client and of the layers on it. Compiled into ZkDiscovery and
/// ZkDiscovery.Hosting (each keeps its own internal copy); ZkDiscovery.Configuration uses the core's (InternalsVisibleTo).
/// </summary>
internal static class BackgroundLoop
{
    /// <summary>
    /// Runs <paramref name="loop"/> on the thread pool without the caller's ExecutionContext: a loop outlives the
    /// call that started it, and the callbacks it runs (watchers, subscribers) must not see that call's AsyncLocals
    /// (log scopes, <c>Activity.Current</c>). Works whether or not the caller already suppressed the flow.
    /// </summary>
    public static Task Start(Func<Task> loop) => WithoutExecutionContext(static l => Task.Run(l, CancellationToken.None), loop);

    /// <summary>
    /// Runs <paramref name="start"/> with the ExecutionContext flow suppressed, so that what it creates (tasks, timers,
    /// registrations) does not capture the caller's AsyncLocals; <see cref="ExecutionContext.SuppressFlow"/> itself
    /// throws when the flow is already suppressed.
    /// </summary>
    public static TResult WithoutExecutionContext<TState, TResult>(Func<TState, TResult> start, TState state)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return start(state);
        }
        using (ExecutionContext.SuppressFlow())
        {
            return start(state);
        }
    }
}
