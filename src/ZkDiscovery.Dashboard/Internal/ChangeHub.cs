namespace ZkDiscovery.Dashboard.Internal;

/// <summary>What changed, for the live feed: one version per topic and a task that completes on the next change.</summary>
internal sealed class ChangeHub
{
    public const int Services = 0;
    public const int Configuration = 1;
    public const int Session = 2;
    public const int TopicCount = 3;

    private readonly long[] _versions = new long[TopicCount];
    private readonly object _lock = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next change of any topic. Take it before reading <see cref="GetVersion"/>, so no change is missed.</summary>
    public Task NextChange
    {
        get
        {
            lock (_lock)
            {
                return _next.Task;
            }
        }
    }

    public long GetVersion(int topic) => Interlocked.Read(ref _versions[topic]);

    /// <summary>Marks <paramref name="topic"/> changed and wakes every waiting feed (continuations run elsewhere).</summary>
    public void Changed(int topic)
    {
        TaskCompletionSource fired;
        lock (_lock)
        {
            Interlocked.Increment(ref _versions[topic]);
            fired = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        fired.TrySetResult();
    }
}

/// <summary>Tells <c>MapZooKeeperDashboard</c> that <c>AddZooKeeperDashboard</c> ran.</summary>
internal sealed class DashboardMarker;
