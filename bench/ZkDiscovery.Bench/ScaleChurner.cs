using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ZkDiscovery.Bench;

/// <summary>
/// The registrars and the churner of W7, in a process of their own so that the measured watcher's process CPU holds
/// only the watcher (every W7 driver, C#, Java and Curator, starts this one as a child process:
/// <c>ZkDiscovery.Bench w7-churner --port P --instances N</c>). It reads commands from stdin, one per line:
/// <list type="bullet">
/// <item><c>SETUP</c>: closes the sessions of the previous pass (their ephemerals go at once), empties
/// <c>/bench/big</c>, lets 10 registrar sessions create the N ephemeral children with the 100-byte payload (at most
/// 1,000 outstanding each) and answers <c>READY N</c>.</item>
/// <item><c>GO</c>: the churner session makes C = 1,000 changes at a steady 200 changes/s (change i is issued at
/// start + i × 5 ms: a delete and a create sent back to back, not waiting for earlier changes) and answers
/// <c>ACKS t0 t1 ...</c> (CLOCK_MONOTONIC nanoseconds of each change's last ack) and <c>DONE</c>.</item>
/// <item><c>QUIT</c> or end of input: closes its sessions and exits.</item>
/// </list>
/// Failures answer <c>FAIL message</c> and exit 1.
/// </summary>
internal static class ScaleChurner
{
    private static readonly byte[] s_payload = Enumerable.Repeat((byte)'x', 100).ToArray();

    public static async Task<int> RunAsync(string[] args)
    {
        var port = 0;
        var n = 0;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port":
                    port = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--instances":
                    n = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    await Console.Error.WriteLineAsync($"w7-churner: unknown argument {args[i]}").ConfigureAwait(false);
                    return 2;
            }
        }
        if (port <= 0 || n <= 0)
        {
            await Console.Error.WriteLineAsync("Usage: ZkDiscovery.Bench w7-churner --port P --instances N").ConfigureAwait(false);
            return 2;
        }
        var connectionString = "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        var sessions = new List<ZooKeeperClient>();
        ZooKeeperClient? churner = null;
        var stdout = Console.Out;
        try
        {
            while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } command)
            {
                switch (command.Trim())
                {
                    case "SETUP":
                        await CloseAllAsync(sessions).ConfigureAwait(false);
                        churner = null;
                        for (var k = 0; k < ScaleNames.Registrars; k++)
                        {
                            sessions.Add(await ConnectAsync(connectionString).ConfigureAwait(false));
                        }
                        churner = await ConnectAsync(connectionString).ConfigureAwait(false);
                        sessions.Add(churner);
                        await SetUpAsync(sessions, n).ConfigureAwait(false);
                        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"READY {n}")).ConfigureAwait(false);
                        await stdout.FlushAsync().ConfigureAwait(false);
                        break;
                    case "GO":
                        var acks = await ChurnAsync(churner ?? throw new InvalidOperationException("GO before SETUP."), n).ConfigureAwait(false);
                        var line = new StringBuilder("ACKS");
                        foreach (var ack in acks)
                        {
                            line.Append(' ').Append(ack.ToString(CultureInfo.InvariantCulture));
                        }
                        await stdout.WriteLineAsync(line.ToString()).ConfigureAwait(false);
                        await stdout.WriteLineAsync("DONE").ConfigureAwait(false);
                        await stdout.FlushAsync().ConfigureAwait(false);
                        break;
                    case "QUIT":
                        return 0;
                    case "":
                        break;
                    default:
                        throw new InvalidOperationException($"Unknown command {command}.");
                }
            }
            return 0;
        }
#pragma warning disable CA1031 // Reported to the driver, which fails the run.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await stdout.WriteLineAsync("FAIL " + e.Message.ReplaceLineEndings(" ")).ConfigureAwait(false);
            await stdout.FlushAsync().ConfigureAwait(false);
            await Console.Error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            return 1;
        }
        finally
        {
            await CloseAllAsync(sessions).ConfigureAwait(false);
        }
    }

    private static async Task<ZooKeeperClient> ConnectAsync(string connectionString)
    {
        var client = new ZooKeeperClient(new ZooKeeperClientOptions { ConnectionString = connectionString, SessionTimeout = TimeSpan.FromSeconds(30) });
        await client.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return client;
    }

    private static async Task CloseAllAsync(List<ZooKeeperClient> sessions)
    {
        foreach (var session in sessions)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        sessions.Clear();
    }

    private static async Task SetUpAsync(List<ZooKeeperClient> sessions, int n)
    {
        var admin = sessions[^1];
        await admin.EnsurePathAsync(ScaleNames.BigPath).ConfigureAwait(false);
        var left = (await admin.GetChildrenAsync(ScaleNames.BigPath).ConfigureAwait(false)).Children;
        await PipelineAsync(left.Count, i => admin.DeleteAsync(ScaleNames.BigPath + "/" + left[i]), ignoreNoNode: true).ConfigureAwait(false);
        var registrations = new Task[ScaleNames.Registrars];
        for (var k = 0; k < ScaleNames.Registrars; k++)
        {
            var registrar = sessions[k];
            var first = k;
            var count = n > first ? ((n - 1 - first) / ScaleNames.Registrars) + 1 : 0;
            registrations[k] = PipelineAsync(count, j => registrar.CreateAsync(
                ScaleNames.BigPath + "/" + ScaleNames.Initial(first + (j * ScaleNames.Registrars)), s_payload, CreateMode.Ephemeral), ignoreNoNode: false);
        }
        await Task.WhenAll(registrations).ConfigureAwait(false);
        var present = (await admin.GetChildrenAsync(ScaleNames.BigPath).ConfigureAwait(false)).Children.Count;
        if (present != n)
        {
            throw new InvalidOperationException($"{ScaleNames.BigPath} has {present} children after the set-up, expected {n}.");
        }
    }

    /// <summary>Runs <paramref name="count"/> requests with at most 1,000 outstanding.</summary>
    private static async Task PipelineAsync(int count, Func<int, Task> request, bool ignoreNoNode)
    {
        using var window = new SemaphoreSlim(1000, 1000);
        var tasks = new Task[count];
        for (var i = 0; i < count; i++)
        {
            await window.WaitAsync().ConfigureAwait(false);
            tasks[i] = Release(request(i), window, ignoreNoNode);
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);

        static async Task Release(Task task, SemaphoreSlim window, bool ignoreNoNode)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (NoNodeException) when (ignoreNoNode)
            {
            }
            finally
            {
                window.Release();
            }
        }
    }

    private static async Task<long[]> ChurnAsync(ZooKeeperClient churner, int n)
    {
        var acks = new long[ScaleNames.Changes];
        var changes = new Task[ScaleNames.Changes];
        var interval = Stopwatch.Frequency / ScaleNames.ChangesPerSecond;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < ScaleNames.Changes; i++)
        {
            var due = start + (i * interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait).ConfigureAwait(false);
            }
            while (Stopwatch.GetTimestamp() < due)
            {
                Thread.Yield();
            }
            var delete = churner.DeleteAsync(ScaleNames.BigPath + "/" + ScaleNames.Deleted(i, n));
            var create = churner.CreateAsync(ScaleNames.BigPath + "/" + ScaleNames.Created(i), s_payload, CreateMode.Ephemeral);
            changes[i] = AckAsync(delete, create, acks, i);
        }
        await Task.WhenAll(changes).WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        return acks;

        static async Task AckAsync(Task delete, Task create, long[] acks, int i)
        {
            await delete.ConfigureAwait(false);
            await create.ConfigureAwait(false);
            acks[i] = Stats.MonotonicNanoseconds();
        }
    }
}
