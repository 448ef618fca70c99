using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit.Abstractions;
using ZkDiscovery.Discovery;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.Nodes;
using ZkDiscovery.Recipes;
using ZkDiscovery.Testing;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Chaos;

/// <summary>
/// The expiry storm: the sessions of a client and of a configuration provider are expired 20 times
/// in a row while registrations, live views, a held lock and configuration watchers exist. After every expiry all
/// state is restored, the lock reports its loss, and nothing leaks (client and server watch counts, sockets).
/// Run alone: <c>dotnet test --filter Category=ExpiryStorm</c> (also part of <c>Category=Chaos</c>).
/// </summary>
[Collection(EnsembleCollectionDefinition.Name)] // runs alone: the socket count must not see other tests
[Trait("Category", "Chaos")]
[Trait("Category", "ExpiryStorm")]
public sealed class ExpiryStormTests(ITestOutputHelper output)
{
    private const int Rounds = 20;
    private const int RegistrationCount = 10;
    private static async Task<bool> ExpireWithRetryAsync(string connectionString, ZooKeeperClient victim, ITestOutputHelper log)
    {
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await victim.WaitUntilConnectedAsync(s_bound);
            var credentials = victim.SessionCredentials!;
            if (await ZooKeeperSessionKiller.ExpireAsync(connectionString, credentials.SessionId, credentials.Password))
            {
                return true;
            }
            log.WriteLine($"The server refused to close session 0x{credentials.SessionId:x} (attempt {attempt}); the client is {victim.State} on 0x{victim.SessionId:x}.");
        }
        return false;
    }

    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SessionExpired20Times_StateRestoredEveryTime_LocksLost_NoWatchOrSocketLeak()
    {
        await using var server = await FreshZooKeeper.StartAsync();
        const string servicePath = "/storm/providers";
        const string propertiesPath = "/storm/properties";
        const string configPath = "/storm/config";
        const string lockPath = "/storm/lock";
        await using var verifier = await ZooKeeperClient.ConnectAsync(server.ConnectionString);
        await verifier.EnsurePathAsync(servicePath);
        await verifier.CreateAsync(propertiesPath, Encoding.UTF8.GetBytes("{\"round\":0}"));
        await verifier.CreateAsync(configPath, BoundConfiguration.Json(0));

        await using var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = server.ConnectionString, SessionTimeout = TimeSpan.FromSeconds(10) });
        await client.WaitUntilConnectedAsync(s_bound);
        await using var registrar = new ServiceRegistrar(client);
        for (var i = 0; i < RegistrationCount; i++)
        {
            await registrar.RegisterAsync(servicePath, "127.0.0.1", 31_000 + i);
        }
        await using var children = await LiveChildren.StartAsync(client, servicePath);
        using var childrenChanged = new SemaphoreSlim(0);
        using var childrenSubscription = children.Subscribe(_ => childrenChanged.Release());
        await using var properties = await LiveProperties.StartAsync(client, propertiesPath);
        using var propertiesChanged = new SemaphoreSlim(0);
        using var propertiesSubscription = properties.Subscribe(_ => propertiesChanged.Release());
        using var configuration = new BoundConfiguration(server.ConnectionString, configPath);
        var configClient = configuration.Client;
        var zkLock = new ZooKeeperLock(client, lockPath, "storm");
        var handle = await zkLock.AcquireAsync(s_bound);

        var rows = new List<StormRound>();
        var clock = Stopwatch.StartNew();
        for (var round = 1; round <= Rounds; round++)
        {
            var held = handle;
            var lockLost = WhenCancelled(held.LockLost);
            var oldSession = client.SessionId;
            var clientBack = NewSession(client);
            var configBack = NewSession(configClient);
            var started = clock.Elapsed;

            var credentials = client.SessionCredentials!;
            var configCredentials = configClient.SessionCredentials!;
            // Rarely (about 1 run in 10 under load) the server refuses the killer's first join of a live session; the
            // cause is not understood yet (see docs/reliability.md). The storm is about what the client does after an
            // expiry, so a refused attempt is retried on fresh credentials, a bounded number of times.
            if (!await ExpireWithRetryAsync(server.ConnectionString, client, output))
            {
                Assert.Fail($"round {round}: the server refused to close the client's session 0x{credentials.SessionId:x} "
                    + $"(client now {client.State}, session 0x{client.SessionId:x}).\n"
                    + $"cons:\n{await server.SendFourLetterWordAsync("cons")}\ndump:\n{await server.SendFourLetterWordAsync("dump")}");
            }
            if (!await ExpireWithRetryAsync(server.ConnectionString, configClient, output))
            {
                Assert.Fail($"round {round}: the server refused to close the provider's session 0x{configCredentials.SessionId:x} "
                    + $"(provider client now {configClient.State}, session 0x{configClient.SessionId:x}).\n"
                    + $"cons:\n{await server.SendFourLetterWordAsync("cons")}\ndump:\n{await server.SendFourLetterWordAsync("dump")}");
            }
            await Task.WhenAll(clientBack, configBack).WaitAsync(s_bound);
            var reconnected = clock.Elapsed - started;

            // The lock reports its loss.
            await lockLost.WaitAsync(s_bound);
            Assert.True(held.IsLost, $"round {round}: handle not lost");
            Assert.False(held.IsHeld);
            await held.DisposeAsync(); // a lost handle releases nothing

            // Registrations back, owned by the new session.
            await ChaosWait.UntilAsync(async () =>
            {
                var names = (await verifier.GetChildrenAsync(servicePath)).Children.Where(c => c.StartsWith("127.0.0.1:", StringComparison.Ordinal)).ToList();
                if (names.Count != RegistrationCount)
                {
                    return false;
                }
                foreach (var name in names)
                {
                    if ((await verifier.ExistsAsync(servicePath + "/" + name))?.EphemeralOwner != client.SessionId)
                    {
                        return false;
                    }
                }
                return true;
            }, s_bound, $"round {round}: {RegistrationCount} registrations owned by 0x{client.SessionId:x}");
            Assert.NotEqual(oldSession, client.SessionId);
            var registrationsBack = clock.Elapsed - started;

            // Changes made after the expiry reach the live views and the configuration.
            if (round > 1)
            {
                await verifier.DeleteAsync($"{servicePath}/extra-{round - 1}");
            }
            await verifier.CreateAsync($"{servicePath}/extra-{round}");
            await ChaosWait.UntilAsync(async () =>
            {
                var onServer = (await verifier.GetChildrenAsync(servicePath)).Children.Order(StringComparer.Ordinal);
                return children.Children.Contains($"extra-{round}") && children.Children.SequenceEqual(onServer);
            }, s_bound, $"round {round}: live children = server", childrenChanged);
            await verifier.SetDataAsync(propertiesPath, Encoding.UTF8.GetBytes("{\"round\":" + round.ToString(CultureInfo.InvariantCulture) + "}"));
            await ChaosWait.UntilAsync(
                () => Task.FromResult(properties.Properties.TryGetValue("round", out var value) && value?.GetValue<int>() == round),
                s_bound, $"round {round}: live properties round={round}", propertiesChanged);
            await verifier.SetDataAsync(configPath, BoundConfiguration.Json(round));
            await configuration.WaitForSeqAsync(round, s_bound);
            var restored = clock.Elapsed - started;

            handle = await zkLock.AcquireAsync(s_bound);

            var sockets = ProcessSockets.Count();
            var mntr = await server.SendFourLetterWordAsync("mntr");
            var wchs = await server.SendFourLetterWordAsync("wchs");
            var row = new StormRound(
                round,
                reconnected,
                registrationsBack,
                restored,
                client.WatchCount,
                configClient.WatchCount,
                FourLetterReplies.MntrValue(mntr, "zk_watch_count"),
                FourLetterReplies.WchsTotal(wchs),
                sockets,
                FourLetterReplies.MntrValue(mntr, "zk_num_alive_connections"));
            rows.Add(row);
            output.WriteLine(row.ToString());
        }

        var first = rows[0];
        var last = rows[^1];
        output.WriteLine(Summary(rows, clock.Elapsed));
        Assert.InRange(last.ClientWatches, first.ClientWatches - 2, first.ClientWatches + 2);
        Assert.InRange(last.ProviderWatches, first.ProviderWatches - 2, first.ProviderWatches + 2);
        Assert.InRange(last.ServerWatches, first.ServerWatches - 3, first.ServerWatches + 3);
        Assert.InRange(last.ServerDataWatches, first.ServerDataWatches - 3, first.ServerDataWatches + 3);
        Assert.InRange(last.Sockets, first.Sockets - 2, first.Sockets + 2);
        Assert.InRange(last.ServerConnections, first.ServerConnections - 1, first.ServerConnections + 1);
        Assert.InRange(rows.Max(r => r.ClientWatches), 0, first.ClientWatches + 2);
        Assert.InRange(rows.Max(r => r.Sockets), 0, first.Sockets + 2);
        await handle.ReleaseAsync();
    }

    private static Task NewSession(ZooKeeperClient client)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(object? sender, ConnectionStateChangedEventArgs e)
        {
            if (e.State == ConnectionState.Connected && e.IsNewSession)
            {
                client.StateChanged -= Handler;
                done.TrySetResult();
            }
        }
        client.StateChanged += Handler;
        return done.Task;
    }

    private static Task WhenCancelled(CancellationToken token)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => done.TrySetResult());
        return done.Task;
    }

    private static string Summary(List<StormRound> rows, TimeSpan total)
    {
        static string Ms(IEnumerable<TimeSpan> values)
        {
            var list = values.Select(v => v.TotalMilliseconds).Order().ToList();
            return string.Create(CultureInfo.InvariantCulture, $"median {list[list.Count / 2]:0} ms, max {list[^1]:0} ms");
        }
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Expiry storm: {rows.Count} rounds in {total.TotalSeconds:0.0} s (standalone server, tick 200 ms; client + configuration provider sessions expired each round; {RegistrationCount} registrations, LiveChildren, LiveProperties, a held lock, IOptionsMonitor).");
        text.AppendLine("New sessions (both): " + Ms(rows.Select(r => r.Reconnected)) + "; registrations back: " + Ms(rows.Select(r => r.RegistrationsBack)) + "; views + configuration restored: " + Ms(rows.Select(r => r.Restored)));
        text.AppendLine();
        text.AppendLine("| Round | Client watches | Provider watches | Server zk_watch_count | Server wchs (data) | Server connections | Process sockets |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var r in rows.Where(r => r.Round is 1 or 2 or 10 or Rounds))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Round} | {r.ClientWatches} | {r.ProviderWatches} | {r.ServerWatches} | {r.ServerDataWatches} | {r.ServerConnections} | {r.Sockets} |");
        }
        return text.ToString();
    }

    private sealed record StormRound(int Round, TimeSpan Reconnected, TimeSpan RegistrationsBack, TimeSpan Restored, int ClientWatches, int ProviderWatches,
        long ServerWatches, long ServerDataWatches, int Sockets, long ServerConnections)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"round {Round}: new sessions {Reconnected.TotalMilliseconds:0} ms, registrations {RegistrationsBack.TotalMilliseconds:0} ms, restored {Restored.TotalMilliseconds:0} ms; watches client {ClientWatches} provider {ProviderWatches} server {ServerWatches} (data {ServerDataWatches}); connections {ServerConnections}; sockets {Sockets}");
    }
}
