using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ZkDiscovery.Configuration;

namespace ZkDiscovery.IntegrationTests.Chaos;

/// <summary>The options the chaos tests bind from a ZooKeeper configuration node holding <c>{"seq": N}</c>.</summary>
public sealed class ChaosSettings
{
    public int Seq { get; set; }
}

/// <summary>A configuration provider on one node, bound to an <see cref="IOptionsMonitor{TOptions}"/>.</summary>
internal sealed class BoundConfiguration : IDisposable
{
    private readonly ServiceProvider _services;

    public BoundConfiguration(string connectionString, string path)
    {
        Root = new ConfigurationBuilder()
            .AddZooKeeper(path, source =>
            {
                source.ConnectionString = connectionString;
                source.StartupTimeout = TimeSpan.FromSeconds(30);
            })
            .Build();
        _services = new ServiceCollection().AddOptions().Configure<ChaosSettings>(Root).BuildServiceProvider();
        Monitor = _services.GetRequiredService<IOptionsMonitor<ChaosSettings>>();
    }

    public IConfigurationRoot Root { get; }

    public IOptionsMonitor<ChaosSettings> Monitor { get; }

    public ZooKeeperConfigurationProvider Provider => Root.Providers.OfType<ZooKeeperConfigurationProvider>().Single();

    /// <summary>
    /// The provider's own (pooled) client. Internal to ZkDiscovery.Configuration, read by reflection so the tests can
    /// expire its session too.
    /// </summary>
    public ZooKeeperClient Client =>
        (ZooKeeperClient?)typeof(ZooKeeperConfigurationProvider).GetProperty("Client", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(Provider)
        ?? throw new InvalidOperationException("ZooKeeperConfigurationProvider.Client (internal) is gone or null; update the chaos tests.");

    /// <summary>Waits until the monitor's value has <paramref name="seq"/>; notified by OnChange, re-checked every 100 ms (upper bound <paramref name="timeout"/>).</summary>
    public async Task WaitForSeqAsync(int seq, TimeSpan timeout)
    {
        var changed = new SemaphoreSlim(0);
        using var subscription = Monitor.OnChange(_ => changed.Release());
        await ChaosWait.UntilAsync(() => Task.FromResult(Monitor.CurrentValue.Seq == seq), timeout, $"configuration seq={seq} (is {Monitor.CurrentValue.Seq})", changed);
    }

    public static byte[] Json(int seq) => Encoding.UTF8.GetBytes("{\"seq\":" + seq.ToString(CultureInfo.InvariantCulture) + "}");

    public void Dispose()
    {
        _services.Dispose();
        ((IDisposable)Root).Dispose();
    }
}

internal static class ChaosWait
{
    /// <summary>
    /// Waits until <paramref name="condition"/> holds. It is checked at once, whenever <paramref name="signal"/> is
    /// released (an event that may have made it true), and every 100 ms in case the event that makes it true is not one
    /// the test can see (e.g. a registrar re-creating nodes). Throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, SemaphoreSlim? signal = null)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (ZooKeeperException)
            {
                // A read failed during recovery: look again.
            }
            var left = timeout - stopwatch.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Not reached within {timeout.TotalSeconds:0.#} s: {what}.");
            }
            var poll = left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100);
            if (signal is not null)
            {
                await signal.WaitAsync(poll);
            }
            else
            {
                await Task.Delay(poll);
            }
        }
    }
}

/// <summary>Reads <c>key value</c> lines of a four-letter-word reply (mntr: tab-separated; srvr/wchs: "Key: value").</summary>
internal static class FourLetterReplies
{
    public static long MntrValue(string mntr, string key)
    {
        foreach (var line in mntr.Split('\n'))
        {
            var parts = line.Split('\t');
            if (parts.Length == 2 && parts[0] == key)
            {
                return long.Parse(parts[1].Trim(), CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"No {key} in mntr reply:\n{mntr}");
    }

    /// <summary>The <c>Total watches:N</c> of a <c>wchs</c> reply (data watches only).</summary>
    public static long WchsTotal(string wchs)
    {
        foreach (var line in wchs.Split('\n'))
        {
            if (line.StartsWith("Total watches:", StringComparison.Ordinal))
            {
                return long.Parse(line["Total watches:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"No total in wchs reply:\n{wchs}");
    }
}
