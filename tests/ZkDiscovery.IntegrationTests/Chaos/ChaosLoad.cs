using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ZkDiscovery.IntegrationTests.Chaos;

/// <summary>
/// A bounded load on one client: every 10 ms one create of a new node <c>LOAD/wNNNNNN</c> holding <c>value-N</c>, one
/// read of a node created earlier, and every tenth round a write of <c>{"seq": N}</c> to the configuration node.
/// Records every write the server acknowledged, errors by type, and when operations succeed.
/// </summary>
internal sealed class ChaosLoad(ZooKeeperClient client, string loadPath, string configPath, Stopwatch clock, int maxWrites)
{
    private static readonly TimeSpan s_operationTimeout = TimeSpan.FromSeconds(10);
    private readonly object _lock = new();
    private readonly List<(string Path, byte[] Value)> _acknowledged = [];
    private readonly List<(TimeSpan Mark, TaskCompletionSource<TimeSpan> Done)> _waiters = [];
    private readonly List<(TimeSpan Started, TimeSpan Completed)> _successes = [];
    private int _operations;
    private int _succeeded;
    private int _reads;
    private int _failed;
    private int _readMismatches;
    private int _lastConfigAck;
    private int _configWrites;

    public ConcurrentDictionary<string, int> Errors { get; } = new(StringComparer.Ordinal);

    public int Attempts { get; private set; }

    public int Operations => Volatile.Read(ref _operations);

    public int Succeeded => Volatile.Read(ref _succeeded);

    public int Reads => Volatile.Read(ref _reads);

    public int Failed => Volatile.Read(ref _failed);

    public int ReadMismatches => Volatile.Read(ref _readMismatches);

    public int LastConfigAck => Volatile.Read(ref _lastConfigAck);

    public int ConfigWrites => Volatile.Read(ref _configWrites);

    public IReadOnlyList<(string Path, byte[] Value)> Acknowledged
    {
        get
        {
            lock (_lock)
            {
                return [.. _acknowledged];
            }
        }
    }

    /// <summary>
    /// Completes with the clock time at which the first operation that <em>started</em> at or after
    /// <paramref name="mark"/> succeeded (at once when one already has).
    /// </summary>
    public Task<TimeSpan> FirstSuccessStartedAfterAsync(TimeSpan mark)
    {
        lock (_lock)
        {
            foreach (var (started, completed) in _successes)
            {
                if (started >= mark)
                {
                    return Task.FromResult(completed);
                }
            }
            var done = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((mark, done));
            return done.Task;
        }
    }

    /// <summary>The longest time between <paramref name="from"/>, the successes completed after it, and <paramref name="to"/>.</summary>
    public TimeSpan LongestStall(TimeSpan from, TimeSpan to)
    {
        lock (_lock)
        {
            var longest = TimeSpan.Zero;
            var previous = from;
            foreach (var (_, completed) in _successes.Where(s => s.Completed > from && s.Completed <= to).Append((to, to)))
            {
                longest = completed - previous > longest ? completed - previous : longest;
                previous = completed;
            }
            return longest;
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var random = new Random(8);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        for (var n = 1; n <= maxWrites; n++)
        {
            try
            {
                await timer.WaitForNextTickAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Attempts = n;
            var path = loadPath + "/w" + n.ToString("D6", CultureInfo.InvariantCulture);
            var value = Encoding.UTF8.GetBytes("value-" + n.ToString(CultureInfo.InvariantCulture));
            if (!await TryAsync(async ct =>
            {
                await client.CreateAsync(path, value, cancellationToken: ct);
                lock (_lock)
                {
                    _acknowledged.Add((path, value));
                }
            }, cancellationToken))
            {
                continue;
            }

            (string Path, byte[] Value) earlier;
            lock (_lock)
            {
                earlier = _acknowledged[random.Next(_acknowledged.Count)];
            }
            if (!await TryAsync(async ct =>
            {
                var data = await client.GetDataAsync(earlier.Path, cancellationToken: ct);
                Interlocked.Increment(ref _reads);
                if (!data.Data.AsSpan().SequenceEqual(earlier.Value))
                {
                    Interlocked.Increment(ref _readMismatches);
                }
            }, cancellationToken))
            {
                continue;
            }

            if (n % 10 == 0)
            {
                var seq = n;
                await TryAsync(async ct =>
                {
                    await client.SetDataAsync(configPath, BoundConfiguration.Json(seq), cancellationToken: ct);
                    Interlocked.Increment(ref _configWrites);
                    Volatile.Write(ref _lastConfigAck, seq);
                }, cancellationToken);
            }
        }
    }

    /// <summary>One operation with a 10 s bound; false (error recorded, connection awaited) when it failed.</summary>
    private async Task<bool> TryAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken)
    {
        var started = clock.Elapsed;
        Interlocked.Increment(ref _operations);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_operationTimeout);
        try
        {
            await operation(timeout.Token);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e) when (e is ZooKeeperException or OperationCanceledException or TimeoutException)
        {
            Interlocked.Increment(ref _failed);
            Errors.AddOrUpdate(e is OperationCanceledException ? "Timeout (10 s, abandoned)" : e.GetType().Name, 1, (_, c) => c + 1);
            try
            {
                // Event-driven back-off: the next attempt waits for the client to be connected again.
                await client.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }
            catch (Exception wait) when (wait is ZooKeeperException or OperationCanceledException)
            {
            }
            return false;
        }
        Interlocked.Increment(ref _succeeded);
        OnSuccess(started, clock.Elapsed);
        return true;
    }

    private void OnSuccess(TimeSpan started, TimeSpan now)
    {
        lock (_lock)
        {
            _successes.Add((started, now));
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Mark <= started)
                {
                    _waiters[i].Done.TrySetResult(now);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
