using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit.Abstractions;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.Recipes;
using ZkDiscovery.Testing;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Chaos;

/// <summary>
/// Lock safety under faults: 5 clients contend for one <see cref="ZooKeeperLock"/> on the 3-member
/// ensemble while the leader is killed, clients' connections are cut (briefly, and for longer than the session timeout)
/// and sessions are expired by force. Every holder writes a fencing counter under the lock; the test fails if two
/// holds ever overlap or a fenced write is lost. Run alone: <c>dotnet test --filter Category=LockSafety</c> (also in
/// <c>Category=Chaos</c>).
/// </summary>
/// <remarks>
/// <para>
/// What "hold" means under ZooKeeper's semantics. A lock is held while the participant's ephemeral node exists and is
/// the lowest; the server ends that (expiry) on its own clock, and the holder can learn it only later, through its
/// connection. So a holder must stop treating itself as holder as soon as it is no longer sure: when its connection is
/// suspended (the session may be expiring; <see cref="ZooKeeperLockHandle"/> still reports <c>IsHeld</c> then), when the
/// session changes, or when the handle reports the loss (<see cref="ZooKeeperLockHandle.LockLost"/>). The holder here
/// checks all three before each protected write, gives the lock up (release, then acquire again) after any suspension,
/// and never writes again under that handle.
/// </para>
/// <para>
/// Fenced writes. The protected resource is a counter node. A write reads the counter (value and data version) and then
/// runs one transaction: <c>check(own lock node)</c> + <c>setData(counter, value + 1, version)</c>, i.e. compare-and-set
/// on the counter, conditioned on the holder's lock node still existing. A stale holder (session expired, node gone)
/// therefore cannot write, even if it has not noticed yet; and a write by anyone else in between makes the version check
/// fail. Each write stores "value client hold" so the history can be audited.
/// </para>
/// <para>
/// What is checked. (1) No overlap: a hold's validated interval runs from the moment <c>AcquireAsync</c> returned to the
/// moment its last successful fenced write was sent; the intervals of all holds, on this process's monotonic clock,
/// must not intersect. The ends are chosen so that an intersection is a real violation whatever the scheduling delays in
/// this (shared, loaded) process: the lock was granted before <c>AcquireAsync</c> returned, and a write took effect after
/// it was sent, so a hold starting before another's write was sent means both held at that write. (2) No lost write: every acknowledged write's value is unique; the final counter F equals the
/// number of writes that took effect, i.e. every value 1..F is an acknowledged write or one whose reply was lost to a
/// connection loss (outcome unknown), and no acknowledged value is above F. (3) A holder that learned its lock was lost
/// tries one more write with the version it last read: it must be rejected. (4) While a holder validly holds, its
/// version check never fails (nobody else wrote).
/// </para>
/// </remarks>
[Collection(EnsembleCollectionDefinition.Name)]
[Trait("Category", "Chaos")]
[Trait("Category", "LockSafety")]
public sealed class LockSafetyTests(EnsembleFixture fixture, ITestOutputHelper output)
{
    private const int Clients = 5;
    private const int WritesPerHold = 3;
    private static readonly TimeSpan WorkTime = TimeSpan.FromMilliseconds(10);
    private const int MaxAcquisitionsPerClient = 2_000;
    private static readonly TimeSpan s_faultPhase = TimeSpan.FromSeconds(70);
    private static readonly TimeSpan s_sessionTimeout = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FiveClientsUnderLeaderKillsCutsAndExpiries_HoldsNeverOverlap_NoFencedWriteLost()
    {
        using var testTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await fixture.EnsureAllRunningAsync(testTimeout.Token);
        var ensemble = fixture.Ensemble;
        var root = "/locksafety-" + Guid.NewGuid().ToString("N")[..12];
        var lockPath = root + "/lock";
        var fencePath = root + "/fence";
        await using var verifier = await ZooKeeperClient.ConnectAsync(fixture.ConnectionString);
        await verifier.EnsurePathAsync(lockPath);
        await verifier.CreateAsync(fencePath, FenceData(0, -1, -1));

        var clock = Stopwatch.StartNew();
        var proxies = new List<PartitionProxy>();
        var clients = new List<ZooKeeperClient>();
        var history = new LockHistory();
        var workers = new List<Task>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(testTimeout.Token);
        var faults = new List<string>();
        try
        {
            for (var k = 0; k < Clients; k++)
            {
                var proxy = PartitionProxy.Start([.. ensemble.Members.Select(m => m.Port)]);
                proxies.Add(proxy);
                var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = proxy.ConnectionString, SessionTimeout = s_sessionTimeout });
                clients.Add(client);
                await client.WaitUntilConnectedAsync(s_bound, testTimeout.Token);
            }
            for (var k = 0; k < Clients; k++)
            {
                workers.Add(new Worker(k, clients[k], lockPath, fencePath, history).RunAsync(stop.Token));
            }

            // Faults, in rotation, one every ~3.5 s until the phase ends: kill -9 the leader (and restart it); cut the
            // current holder's connection for 1 s (the session survives); expire the current holder's session by force;
            // partition the current holder for 6 s (longer than the 4 s session timeout: the ensemble expires it).
            var rotation = 0;
            while (clock.Elapsed < s_faultPhase)
            {
                await Task.Delay(TimeSpan.FromSeconds(3.5), testTimeout.Token); // spacing of the faults: the scenario's parameter
                var holder = history.CurrentHolder;
                var victim = holder >= 0 ? holder : history.LastHolder; // holds are short: the last holder is likely to hold again soon
                var at = clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
                switch (rotation++ % 4)
                {
                    case 0:
                        var leader = await ensemble.GetLeaderAsync(testTimeout.Token);
                        await leader.KillAsync(testTimeout.Token);
                        await leader.StartAsync(testTimeout.Token);
                        await ensemble.WaitForQuorumAsync(testTimeout.Token);
                        faults.Add($"{at} s: kill -9 leader (member {leader.Id}), restarted");
                        break;
                    case 1:
                        proxies[victim].Partition();
                        await Task.Delay(TimeSpan.FromSeconds(1), testTimeout.Token); // the outage's length
                        proxies[victim].Heal();
                        faults.Add($"{at} s: client {victim}{(holder >= 0 ? " (holder)" : "")} cut off for 1 s");
                        break;
                    case 2:
                        var credentials = clients[victim].SessionCredentials;
                        var expired = credentials is not null
                            && await ZooKeeperSessionKiller.ExpireAsync(fixture.ConnectionString, credentials.SessionId, credentials.Password, testTimeout.Token);
                        faults.Add($"{at} s: client {victim}{(holder >= 0 ? " (holder)" : "")} session expired by force{(expired ? "" : " (refused by the server)")}");
                        break;
                    default:
                        proxies[victim].Partition();
                        await Task.Delay(TimeSpan.FromSeconds(6), testTimeout.Token); // longer than the session timeout
                        proxies[victim].Heal();
                        faults.Add($"{at} s: client {victim}{(holder >= 0 ? " (holder)" : "")} partitioned for 6 s (session expires)");
                        break;
                }
                output.WriteLine(faults[^1]);
            }
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var proxy in proxies)
            {
                proxy.Heal();
            }
            await Task.WhenAll(workers).WaitAsync(s_bound, CancellationToken.None);
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
            foreach (var proxy in proxies)
            {
                await proxy.DisposeAsync();
            }
        }
        await fixture.EnsureAllRunningAsync(testTimeout.Token);

        // The audit.
        var final = ParseFence((await verifier.GetDataAsync(fencePath)).Data).Value;
        var holds = history.Holds;
        var writes = history.Writes;
        var acked = writes.Where(w => w.Outcome == WriteOutcome.Acknowledged).ToList();
        var unknown = writes.Where(w => w.Outcome == WriteOutcome.Unknown).Select(w => w.Value).ToHashSet();
        output.WriteLine($"acquisitions {holds.Count}, holds with a write {holds.Count(h => h.LastWrite > 0)}, fenced writes acknowledged {acked.Count}, "
            + $"outcome unknown (connection lost) {unknown.Count}, rejected while holding {writes.Count(w => w.Outcome == WriteOutcome.RejectedWhileHolding)}, "
            + $"holds given up after a suspension {holds.Count(h => h.GaveUp)}, holds lost (session ended) {holds.Count(h => h.Lost)}, "
            + $"stale writes tried after a loss {history.StaleAttempts} (rejected {history.StaleRejected}), final counter {final}, faults {faults.Count}");

        // (1) No overlap between validated intervals.
        var ordered = holds.Where(h => h.LastWrite > 0).OrderBy(h => h.Start).ToList();
        var previousEnd = 0L;
        for (var i = 0; i < ordered.Count; i++)
        {
            Assert.True(ordered[i].Start >= previousEnd,
                $"hold {ordered[i]} started before an earlier hold's last fenced write was sent ({Ms(previousEnd)} ms)");
            previousEnd = Math.Max(previousEnd, ordered[i].LastWrite);
        }

        // (2) No lost write.
        var duplicates = acked.GroupBy(w => w.Value).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "fenced values acknowledged twice: " + string.Join(", ", duplicates));
        Assert.All(acked, w => Assert.True(w.Value <= final, $"acknowledged write {w.Value} is above the final counter {final}: it was lost"));
        var ackedValues = acked.Select(w => w.Value).ToHashSet();
        for (var v = 1; v <= final; v++)
        {
            Assert.True(ackedValues.Contains(v) || unknown.Contains(v), $"counter value {v} was written by nobody the test knows of");
        }

        // (3) Stale holders cannot write; (4) valid holders are never overtaken.
        Assert.Equal(history.StaleAttempts, history.StaleRejected);
        Assert.DoesNotContain(writes, w => w.Outcome == WriteOutcome.RejectedWhileHolding);

        Assert.True(holds.Count >= 20, $"only {holds.Count} acquisitions");
        Assert.True(acked.Count >= 20, $"only {acked.Count} fenced writes");
        Assert.True(faults.Count >= 8, $"only {faults.Count} faults");
    }

    private static string Ms(long timestamp) => (timestamp * 1000.0 / Stopwatch.Frequency).ToString("F1", CultureInfo.InvariantCulture);

    private static byte[] FenceData(int value, int client, int hold) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{value} {client} {hold}"));

    private static (int Value, int Client, int Hold) ParseFence(byte[] data)
    {
        var parts = Encoding.ASCII.GetString(data).Split(' ');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    private enum WriteOutcome
    {
        Acknowledged,
        Unknown,
        RejectedWhileHolding,
    }

    private sealed record FencedWrite(int Client, int Hold, int Value, WriteOutcome Outcome);

    private sealed class Hold(int client, int id, long start)
    {
        public int Client { get; } = client;

        public int Id { get; } = id;

        /// <summary>When AcquireAsync returned (Stopwatch timestamp).</summary>
        public long Start { get; } = start;

        /// <summary>When the last successful fenced write was sent; 0 if none.</summary>
        public long LastWrite { get; set; }

        public bool GaveUp { get; set; }

        public bool Lost { get; set; }

        public override string ToString() => $"client {Client} hold {Id} [{Ms(Start)}, {Ms(LastWrite)}] ms";
    }

    private sealed class LockHistory
    {
        private readonly object _gate = new();
        private readonly List<Hold> _holds = [];
        private readonly List<FencedWrite> _writes = [];
        private int _currentHolder = -1;
        private int _lastHolder;
        private int _staleAttempts;
        private int _staleRejected;

        public int CurrentHolder => Volatile.Read(ref _currentHolder);

        public int LastHolder => Volatile.Read(ref _lastHolder);

        public int StaleAttempts => Volatile.Read(ref _staleAttempts);

        public int StaleRejected => Volatile.Read(ref _staleRejected);

        public List<Hold> Holds
        {
            get
            {
                lock (_gate)
                {
                    return [.. _holds];
                }
            }
        }

        public List<FencedWrite> Writes
        {
            get
            {
                lock (_gate)
                {
                    return [.. _writes];
                }
            }
        }

        public void Add(Hold hold)
        {
            lock (_gate)
            {
                _holds.Add(hold);
            }
            Volatile.Write(ref _currentHolder, hold.Client);
            Volatile.Write(ref _lastHolder, hold.Client);
        }

        public void Ended(Hold hold) => Interlocked.CompareExchange(ref _currentHolder, -1, hold.Client);

        public void Add(FencedWrite write)
        {
            lock (_gate)
            {
                _writes.Add(write);
            }
        }

        public void Stale(bool rejected)
        {
            Interlocked.Increment(ref _staleAttempts);
            if (rejected)
            {
                Interlocked.Increment(ref _staleRejected);
            }
        }
    }

    /// <summary>One contending client: acquire, a few fenced writes while sure to hold, release; give up on any doubt.</summary>
    private sealed class Worker(int index, ZooKeeperClient client, string lockPath, string fencePath, LockHistory history)
    {
        private int _suspensions;

        public async Task RunAsync(CancellationToken stop)
        {
            client.StateChanged += (_, e) =>
            {
                if (e.State != ConnectionState.Connected)
                {
                    Interlocked.Increment(ref _suspensions);
                }
            };
            var zkLock = new ZooKeeperLock(client, lockPath, "client" + index.ToString(CultureInfo.InvariantCulture));
            for (var acquisition = 0; acquisition < MaxAcquisitionsPerClient && !stop.IsCancellationRequested; acquisition++)
            {
                ZooKeeperLockHandle handle;
                try
                {
                    await client.WaitUntilConnectedAsync(s_bound, stop);
                    handle = await zkLock.AcquireAsync(TimeSpan.FromSeconds(20), stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is ZooKeeperException or TimeoutException or ObjectDisposedException)
                {
                    continue; // a fault: try again
                }
                await HoldAsync(handle, acquisition, stop);
            }
        }

        private async Task HoldAsync(ZooKeeperLockHandle handle, int id, CancellationToken stop)
        {
            // Sure to hold only while connected on the session that acquired, with no suspension since the acquisition
            // and the handle not lost. Taken before the hold starts, so a suspension in between counts.
            var suspensions = Volatile.Read(ref _suspensions);
            var session = client.SessionId;
            var hold = new Hold(index, id, Stopwatch.GetTimestamp());
            history.Add(hold);
            bool Sure() => Volatile.Read(ref _suspensions) == suspensions && client.SessionId == session
                && client.State == ConnectionState.Connected && handle.IsHeld && !handle.LockLost.IsCancellationRequested;

            int lastValue = -1, lastVersion = -1;
            try
            {
                for (var w = 0; w < WritesPerHold && Sure() && !stop.IsCancellationRequested; w++)
                {
                    NodeData current;
                    try
                    {
                        current = await client.GetDataAsync(fencePath, cancellationToken: stop);
                    }
                    catch (Exception e) when (e is ZooKeeperException or OperationCanceledException or ObjectDisposedException)
                    {
                        break;
                    }
                    lastValue = ParseFence(current.Data).Value;
                    lastVersion = current.Stat.Version;
                    if (!Sure())
                    {
                        break;
                    }
                    var value = lastValue + 1;
                    var sent = Stopwatch.GetTimestamp();
                    try
                    {
                        await client.MultiAsync(
                            [MultiOperation.Check(handle.NodePath, -1), MultiOperation.SetData(fencePath, FenceData(value, index, id), lastVersion)],
                            CancellationToken.None);
                        hold.LastWrite = sent;
                        history.Add(new FencedWrite(index, id, value, WriteOutcome.Acknowledged));
                        // The protected work takes a while (a parameter of the scenario, not a wait for an event): holds
                        // last long enough for faults to hit holders, and the acquisitions stay far below the bound.
                        await Task.Delay(WorkTime, CancellationToken.None);
                    }
                    catch (MultiOperationException e) when (e.Code is ZooKeeperErrorCode.BadVersion && Sure())
                    {
                        // Someone else wrote while this holder was sure to hold.
                        history.Add(new FencedWrite(index, id, value, WriteOutcome.RejectedWhileHolding));
                        break;
                    }
                    catch (MultiOperationException)
                    {
                        break; // rejected after the holder stopped being sure (node gone or overtaken): the fence worked
                    }
                    catch (Exception e) when (e is ZooKeeperException or ObjectDisposedException)
                    {
                        // Connection lost with the request in flight: it may or may not have been applied.
                        history.Add(new FencedWrite(index, id, value, WriteOutcome.Unknown));
                        break;
                    }
                }
            }
            finally
            {
                history.Ended(hold);
            }

            if (!Sure())
            {
                hold.GaveUp = true;
                try
                {
                    await client.WaitUntilConnectedAsync(s_bound, stop);
                }
                catch (Exception e) when (e is ZooKeeperException or TimeoutException or OperationCanceledException or ObjectDisposedException)
                {
                }
            }
            if (handle.IsLost || client.SessionId != session)
            {
                // The session that held the lock ended (expired or closed): the lock node is gone.
                hold.Lost = true;
                await StaleWriteAsync(handle, lastValue, lastVersion);
                return;
            }
            try
            {
                // Given up or done: release (retried across reconnects; a session that ended meanwhile released it).
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(stop);
                bound.CancelAfter(s_bound);
                await handle.ReleaseAsync(bound.Token);
            }
            catch (Exception e) when (e is ZooKeeperException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        /// <summary>A holder that learned its lock was lost writes once more, as if it had not noticed: it must be rejected.</summary>
        private async Task StaleWriteAsync(ZooKeeperLockHandle handle, int lastValue, int lastVersion)
        {
            if (lastVersion < 0)
            {
                return;
            }
            try
            {
                using var bound = new CancellationTokenSource(s_bound);
                await client.WaitUntilConnectedAsync(s_bound, bound.Token);
                await client.MultiAsync(
                    [MultiOperation.Check(handle.NodePath, -1), MultiOperation.SetData(fencePath, FenceData(lastValue + 1, index, -2), lastVersion)],
                    bound.Token);
                history.Stale(rejected: false);
            }
            catch (MultiOperationException)
            {
                history.Stale(rejected: true);
            }
            catch (Exception e) when (e is ZooKeeperException or OperationCanceledException or ObjectDisposedException)
            {
                // Could not even be sent: nothing to judge.
            }
        }
    }
}
