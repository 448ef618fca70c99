using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace ZkDiscovery.TestSupport;

/// <summary>
/// An OpenTelemetry tracer provider for one test: the ZkDiscovery sources (as an app opts in) and the tests' own
/// source, exported to OpenTelemetry's in-memory exporter. Tests run in parallel in one process and every provider
/// sees every span of the sources it listens to, so a test picks its spans out by its own trace (<see cref="StartTest"/>)
/// or by an attribute only it uses (a path under its root).
/// </summary>
public sealed class TraceCapture : IDisposable
{
    /// <summary>The source of the tests' parent spans.</summary>
    public static readonly ActivitySource TestSource = new("ZkDiscovery.Tests");

    private readonly LockedList _exported;
    private readonly TracerProvider _provider;

    public TraceCapture()
    {
        _exported = new LockedList();
        _provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(ZooKeeperTelemetry.ActivitySourceNames)
            .AddSource(TestSource.Name)
            .AddInMemoryExporter(_exported)
            .Build()!;
    }

    /// <summary>Starts a root span for the test: its children are the test's spans.</summary>
    public static Activity StartTest([CallerMemberName] string name = "") =>
        TestSource.StartActivity(name, ActivityKind.Internal, parentContext: default) ?? throw new InvalidOperationException("The test source is not sampled.");

    /// <summary>The exported spans so far (each is exported when it ends).</summary>
    public IReadOnlyList<Activity> Exported => _exported.Snapshot();

    /// <summary>The exported spans of <paramref name="trace"/>'s trace, except the test's own span.</summary>
    public IReadOnlyList<Activity> InTrace(Activity trace) =>
        [.. Exported.Where(a => a.TraceId == trace.TraceId && a.Source != TestSource)];

    /// <summary>Waits for an exported span that <paramref name="match"/> accepts.</summary>
    public async Task<Activity> WaitForAsync(Func<Activity, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var changed = _exported.Changed;
            if (Exported.FirstOrDefault(match) is { } found)
            {
                return found;
            }
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching span within {timeout.TotalSeconds} s; exported: " + string.Join(", ", Exported.Select(a => a.Status == ActivityStatusCode.Error ? $"{a.DisplayName} ({a.GetTagItem("error.type")}: {a.StatusDescription})" : a.DisplayName)));
            }
        }
    }

    public void Dispose() => _provider.Dispose();

    /// <summary>The exporter's collection: added to from the threads that end spans, read by the test.</summary>
    private sealed class LockedList : Collection<Activity>
    {
        private readonly object _lock = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Changed
        {
            get
            {
                lock (_lock)
                {
                    return _changed.Task;
                }
            }
        }

        public Activity[] Snapshot()
        {
            lock (_lock)
            {
                return [.. Items];
            }
        }

        protected override void InsertItem(int index, Activity item)
        {
            TaskCompletionSource changed;
            lock (_lock)
            {
                base.InsertItem(index, item);
                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            changed.TrySetResult();
        }
    }
}
