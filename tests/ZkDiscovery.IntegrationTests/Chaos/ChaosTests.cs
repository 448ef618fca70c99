using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit.Abstractions;
using ZkDiscovery.Discovery;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.Nodes;
using ZkDiscovery.Testing;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Chaos;

/// <summary>
/// The chaos suite: one client under a bounded load, 50 registrations, a live view of them and a
/// configuration provider bound to <c>IOptionsMonitor</c>, while the 3-member ensemble is killed, restarted, loses its
/// quorum briefly and for longer than the session timeout, and the client is partitioned off it until its session
/// expires. Afterwards nothing acknowledged is lost and every layer shows what the servers hold.
/// Run alone: <c>dotnet test --filter Category=Chaos</c>.
/// </summary>
[Collection(EnsembleCollectionDefinition.Name)]
[Trait("Category", "Chaos")]
public sealed class ChaosTests(EnsembleFixture fixture, ITestOutputHelper output)
{
    private const int RegistrationCount = 50;
    private const int MaxWrites = 12_000;
    private static readonly TimeSpan s_sessionTimeout = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task EnsembleFaultsUnderLoad_NoAcknowledgedWriteLost_EveryLayerRecovers()
    {
        using var testTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await fixture.EnsureAllRunningAsync(testTimeout.Token);
        var ensemble = fixture.Ensemble;
        var clock = Stopwatch.StartNew();
        var root = "/chaos-" + Guid.NewGuid().ToString("N")[..12];
        var loadPath = root + "/load";
        var configPath = root + "/config";
        var servicePath = root + "/providers";

        await using var proxy = PartitionProxy.Start([.. ensemble.Members.Select(m => m.Port)]);
        await using var verifier = await ZooKeeperClient.ConnectAsync(fixture.ConnectionString);
        await verifier.EnsurePathAsync(loadPath);
        await verifier.EnsurePathAsync(servicePath);
        await verifier.CreateAsync(configPath, BoundConfiguration.Json(0));
        try
        {
            await using var client = new ZooKeeperClient(new ZooKeeperClientOptions
            {
                ConnectionString = proxy.ConnectionString,
                SessionTimeout = s_sessionTimeout,
            });
            var timeline = new StateTimeline(client, clock);
            await client.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(s_sessionTimeout, client.SessionTimeout);

            await using var registrar = new ServiceRegistrar(client);
            for (var i = 0; i < RegistrationCount; i++)
            {
                await registrar.RegisterAsync(servicePath, "127.0.0.1", 30_000 + i, cancellationToken: testTimeout.Token);
            }
            await using var registrations = await LiveChildren.StartAsync(client, servicePath);
            var viewNotifications = 0;
            using var viewChanged = new SemaphoreSlim(0);
            using var subscription = registrations.Subscribe(view =>
            {
                Interlocked.Increment(ref viewNotifications);
                viewChanged.Release();
            });
            await using var configView = await LiveProperties.StartAsync(client, configPath);
            using var configuration = new BoundConfiguration(proxy.ConnectionString, configPath);
            Assert.Equal(0, configuration.Monitor.CurrentValue.Seq);

            var load = new ChaosLoad(client, loadPath, configPath, clock, MaxWrites);
            using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(testTimeout.Token);
            var loadTask = load.RunAsync(stopLoad.Token);
            try
            {
                var faults = new List<FaultRecord>();

                async Task FaultAsync(string name, Func<Task> inject, TimeSpan outage = default, Func<Task>? heal = null)
                {
                    var faultAt = clock.Elapsed;
                    var session = client.SessionId;
                    await inject();
                    var healAt = faultAt;
                    if (heal is not null)
                    {
                        await Task.Delay(outage, testTimeout.Token); // the outage's length is the scenario's parameter
                        healAt = clock.Elapsed;
                        await heal();
                    }
                    var successAt = await load.FirstSuccessStartedAfterAsync(faultAt).WaitAsync(s_bound, testTimeout.Token);
                    var lossAt = timeline.FirstLossAfter(faultAt);
                    if (lossAt is { } lost)
                    {
                        // The client lost its connection (perhaps only after the first success): recovered once an
                        // operation started after the loss succeeded.
                        successAt = await load.FirstSuccessStartedAfterAsync(lost).WaitAsync(s_bound, testTimeout.Token);
                    }
                    var record = new FaultRecord(
                        name,
                        faultAt,
                        outage,
                        healAt,
                        lossAt,
                        timeline.FirstConnectedAfterLoss(faultAt),
                        successAt,
                        load.LongestStall(faultAt, clock.Elapsed),
                        timeline.ExpiredSince(faultAt),
                        client.SessionId != session);
                    faults.Add(record);
                    output.WriteLine(record.ToString());
                }

                async Task RestartAsync(ZooKeeperEnsembleMember member, string why) =>
                    await FaultAsync($"restart member {member.Id} ({why})", async () =>
                    {
                        await member.StartAsync(testTimeout.Token);
                        await ensemble.WaitForQuorumAsync(testTimeout.Token);
                    });

                // 1. kill -9 the leader.
                var leader = await ensemble.GetLeaderAsync(testTimeout.Token);
                await FaultAsync($"kill -9 leader (member {leader.Id})", () => leader.KillAsync(testTimeout.Token));
                await RestartAsync(leader, "after kill -9");

                // 2. kill -9 the member the client is connected to.
                await client.WaitUntilConnectedAsync(s_bound, testTimeout.Token);
                var connected = ensemble.Members.Single(m => m.Port == proxy.TargetPortOf(client.ConnectedServer));
                await FaultAsync($"kill -9 connected member {connected.Id}", () => connected.KillAsync(testTimeout.Token));
                await RestartAsync(connected, "after kill -9");

                // 3. Rolling restart (SIGTERM, start, rejoin) of every member.
                foreach (var member in ensemble.Members)
                {
                    await FaultAsync($"rolling restart member {member.Id} (SIGTERM)", async () =>
                    {
                        await member.StopAsync(testTimeout.Token);
                        await member.StartAsync(testTimeout.Token);
                        await ensemble.WaitForQuorumAsync(testTimeout.Token);
                    });
                }

                // 4 and 5. Quorum lost (leader and one follower killed) for half and for twice the session timeout.
                foreach (var outage in new[] { TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(8) })
                {
                    var victims = new List<ZooKeeperEnsembleMember> { await ensemble.GetLeaderAsync(testTimeout.Token) };
                    victims.Add(ensemble.Members.First(m => m != victims[0]));
                    await FaultAsync(
                        $"quorum lost {outage.TotalSeconds:0} s (members {victims[0].Id},{victims[1].Id} killed)",
                        async () =>
                        {
                            foreach (var victim in victims)
                            {
                                await victim.KillAsync(testTimeout.Token);
                            }
                        },
                        outage,
                        async () =>
                        {
                            foreach (var victim in victims)
                            {
                                await victim.StartAsync(testTimeout.Token);
                            }
                            await ensemble.WaitForQuorumAsync(testTimeout.Token);
                        });
                }
                Assert.DoesNotContain(faults, f => f.Expired); // without a quorum no session can expire

                // 6. The client (and the configuration provider) cut off a healthy ensemble for twice the session
                //    timeout: the ensemble expires the session; the client reconnects to a new one after the partition.
                var sessionBeforePartition = client.SessionId;
                await FaultAsync("client partitioned 8 s (quorum up; session expires)", () =>
                {
                    proxy.Partition();
                    return Task.CompletedTask;
                }, TimeSpan.FromSeconds(8), () =>
                {
                    proxy.Heal();
                    return Task.CompletedTask;
                });
                var healed = clock.Elapsed;
                Assert.True(faults[^1].Expired, "The partition longer than the session timeout did not expire the session.");
                Assert.NotEqual(sessionBeforePartition, client.SessionId);

                // Stop the load, then one last configuration write (retried until acknowledged).
                await stopLoad.CancelAsync();
                await loadTask.WaitAsync(s_bound);
                var finalSeq = MaxWrites + 1;
                await client.ExecuteWithRetryAsync(ct => client.SetDataAsync(configPath, BoundConfiguration.Json(finalSeq), cancellationToken: ct), testTimeout.Token);

                // Every registration is back, owned by the current session, and the live view equals the server.
                await ChaosWait.UntilAsync(async () =>
                {
                    var server = (await verifier.GetChildrenAsync(servicePath)).Children.Order(StringComparer.Ordinal).ToList();
                    if (server.Count != RegistrationCount || !registrations.Children.SequenceEqual(server))
                    {
                        return false;
                    }
                    foreach (var child in server)
                    {
                        if ((await verifier.ExistsAsync(servicePath + "/" + child))?.EphemeralOwner != client.SessionId)
                        {
                            return false;
                        }
                    }
                    return true;
                }, s_bound, $"{RegistrationCount} registrations owned by session 0x{client.SessionId:x}, view = server (view has {registrations.Children.Count})", viewChanged);
                var registrationsBack = clock.Elapsed - healed;

                // The configuration equals the last value written; the live properties view too.
                await configuration.WaitForSeqAsync(finalSeq, s_bound);
                var serverConfig = NodeProperties.Parse((await verifier.GetDataAsync(configPath)).Data);
                await ChaosWait.UntilAsync(
                    () => Task.FromResult(configView.Properties.TryGetValue("seq", out var seq) && seq?.GetValue<int>() == finalSeq),
                    s_bound,
                    $"live properties seq={finalSeq}");
                Assert.Equal(finalSeq, serverConfig["seq"]!.GetValue<int>());

                // No acknowledged write lost.
                var acknowledged = load.Acknowledged;
                var present = (await verifier.GetChildrenAsync(loadPath)).Children.ToHashSet(StringComparer.Ordinal);
                var missing = acknowledged.Where(a => !present.Contains(a.Path[(loadPath.Length + 1)..])).Select(a => a.Path).ToList();
                var wrongValue = new List<string>();
                foreach (var chunk in acknowledged.Chunk(200))
                {
                    var reads = await Task.WhenAll(chunk.Select(async a =>
                    {
                        try
                        {
                            return (a.Path, Ok: (await verifier.GetDataAsync(a.Path)).Data.AsSpan().SequenceEqual(a.Value));
                        }
                        catch (NoNodeException)
                        {
                            return (a.Path, Ok: false);
                        }
                    }));
                    wrongValue.AddRange(reads.Where(r => !r.Ok).Select(r => r.Path));
                }

                output.WriteLine(Summary(load, faults, acknowledged.Count, present.Count, missing.Count, wrongValue.Count, registrationsBack, viewNotifications, proxy.Accepted, clock.Elapsed, timeline));
                Assert.Empty(missing);
                Assert.Empty(wrongValue);
                Assert.Equal(0, load.ReadMismatches);
                // A sanity bound that the load ran through the faults (it is paced by them: 190-300 writes here, fewer
                // when other test assemblies share the two cores), not a throughput check.
                Assert.True(acknowledged.Count > 100, $"The load made only {acknowledged.Count} writes.");
                Assert.Equal(finalSeq, configuration.Monitor.CurrentValue.Seq);
            }
            finally
            {
                // Before anything is disposed: the client and the registrar must find a whole ensemble to close on.
                await stopLoad.CancelAsync();
                await loadTask.WaitAsync(s_bound, CancellationToken.None);
                proxy.Heal();
                await fixture.EnsureAllRunningAsync(CancellationToken.None);
            }
        }
        finally
        {
            await new ZooKeeperNodes(verifier).DeleteRecursiveAsync(root, force: true);
        }
    }

    private static string Summary(ChaosLoad load, List<FaultRecord> faults, int acknowledged, int present, int missing, int wrongValue,
        TimeSpan registrationsBack, int viewNotifications, int proxyConnections, TimeSpan total, StateTimeline timeline)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Chaos suite: {total.TotalSeconds:0.0} s, 3-member ensemble (tick 200 ms), client session {s_sessionTimeout.TotalSeconds:0} s, {RegistrationCount} registrations, live view, configuration provider + IOptionsMonitor.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Operations: {load.Operations} attempted, {load.Succeeded} succeeded, {load.Failed} failed ({load.Attempts} creates tried, {acknowledged} acknowledged, {load.Reads} reads, {load.ConfigWrites} configuration writes).");
        text.AppendLine("Errors by type: " + (load.Errors.IsEmpty ? "none" : string.Join(", ", load.Errors.OrderByDescending(e => e.Value).Select(e => $"{e.Key} {e.Value}"))));
        text.AppendLine(CultureInfo.InvariantCulture, $"Checks: acknowledged writes missing {missing}, wrong value {wrongValue}, read mismatches {load.ReadMismatches} (nodes on server {present}); registrations back {registrationsBack.TotalSeconds:0.00} s after the partition healed; view notifications {viewNotifications}; proxy connections {proxyConnections}.");
        text.AppendLine("States: " + timeline.Describe());
        text.AppendLine();
        text.AppendLine("Times in seconds from the fault (and from the heal, for outages): connection lost, Connected event, first successful operation started after the loss (after the fault if none); longest stall = longest time without a successful operation while the step ran.");
        text.AppendLine();
        text.AppendLine("| Fault | Outage | Connection lost | Connected again | First successful op | Longest stall | Session |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var f in faults)
        {
            text.AppendLine(f.Row());
        }
        return text.ToString();
    }

    private sealed record FaultRecord(string Name, TimeSpan FaultAt, TimeSpan Outage, TimeSpan HealAt, TimeSpan? LossAt, TimeSpan? ConnectedAt,
        TimeSpan SuccessAt, TimeSpan LongestStall, bool Expired, bool NewSession)
    {
        public string Row()
        {
            static string S(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);
            var healed = Outage > TimeSpan.Zero;
            var outage = healed ? S(Outage) : "-";
            var loss = LossAt is { } l ? "+" + S(l - FaultAt) : "none";
            var connected = ConnectedAt is { } c ? (healed ? $"+{S(c - FaultAt)} (heal +{S(c - HealAt)})" : "+" + S(c - FaultAt)) : "-";
            var success = healed ? $"+{S(SuccessAt - FaultAt)} (heal +{S(SuccessAt - HealAt)})" : "+" + S(SuccessAt - FaultAt);
            var session = Expired ? "expired, new session" : NewSession ? "new session" : "kept";
            return $"| {Name} | {outage} | {loss} | {connected} | {success} | {S(LongestStall)} | {session} |";
        }

        public override string ToString() => Row();
    }

    /// <summary>The client's state changes with the clock time they were seen at.</summary>
    private sealed class StateTimeline
    {
        private readonly List<(TimeSpan At, ConnectionStateChangedEventArgs Change)> _changes = [];

        public StateTimeline(ZooKeeperClient client, Stopwatch clock) =>
            client.StateChanged += (_, e) =>
            {
                lock (_changes)
                {
                    _changes.Add((clock.Elapsed, e));
                }
            };

        /// <summary>When the client first lost its connection (Suspended or Expired) at or after <paramref name="since"/>, or null.</summary>
        public TimeSpan? FirstLossAfter(TimeSpan since)
        {
            lock (_changes)
            {
                var lost = _changes.FindIndex(c => c.At >= since && c.Change.State is ConnectionState.Suspended or ConnectionState.Expired);
                return lost < 0 ? null : _changes[lost].At;
            }
        }

        /// <summary>When the client was connected again after the first loss of connection at or after <paramref name="since"/>; null if it never lost it.</summary>
        public TimeSpan? FirstConnectedAfterLoss(TimeSpan since)
        {
            lock (_changes)
            {
                var lost = _changes.FindIndex(c => c.At >= since && c.Change.State is ConnectionState.Suspended or ConnectionState.Expired);
                if (lost < 0)
                {
                    return null;
                }
                var back = _changes.FindIndex(lost, c => c.Change.State == ConnectionState.Connected);
                return back < 0 ? null : _changes[back].At;
            }
        }

        public bool ExpiredSince(TimeSpan since)
        {
            lock (_changes)
            {
                return _changes.Any(c => c.At >= since && c.Change.State == ConnectionState.Expired);
            }
        }

        public string Describe()
        {
            lock (_changes)
            {
                return string.Join(", ", _changes.GroupBy(c => c.Change.State).Select(g => $"{g.Key} {g.Count()}"));
            }
        }
    }
}
