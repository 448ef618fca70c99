using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.Configuration.Tests;

/// <summary>ZooKeeper unreachable when the configuration is built: private servers that the tests kill and restart.</summary>
public sealed class StartupFailureTests : IDisposable
{
    private readonly string _snapshotDirectory = Path.Combine(Path.GetTempPath(), "zkd-config-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_snapshotDirectory))
        {
            Directory.Delete(_snapshotDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task NotOptional_ServerDown_ThrowsNamingServersAndPath_WithinTheTimeout()
    {
        var port = FreePort();
        var stopwatch = Stopwatch.StartNew();

        var error = Assert.Throws<InvalidOperationException>(() => new ConfigurationBuilder()
            .AddZooKeeper("/fooservice", s =>
            {
                s.ConnectionString = $"127.0.0.1:{port}";
                s.StartupTimeout = TimeSpan.FromSeconds(1);
            })
            .Build());

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"Threw after {stopwatch.Elapsed}");
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("/fooservice", error.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public void Optional_ServerDown_NoSnapshot_StartsEmpty()
    {
        var port = FreePort();
        ZooKeeperLoadExceptionContext? reported = null;

        using var configuration = (ConfigurationRoot)new ConfigurationBuilder()
            .AddZooKeeper("/fooservice", s =>
            {
                s.ConnectionString = $"127.0.0.1:{port}";
                s.StartupTimeout = TimeSpan.FromMilliseconds(300);
                s.Optional = true;
                s.OnLoadException = c => reported = c;
            })
            .Build();

        var provider = configuration.Providers.OfType<ZooKeeperConfigurationProvider>().Single();
        Assert.Empty(configuration.AsEnumerable());
        Assert.Equal(ZooKeeperConfigurationStatus.NotLoaded, provider.Status);
        Assert.NotNull(reported);
        Assert.True(reported.IsStartup);
        Assert.True(reported.Ignore);
        Assert.Same(reported.Exception, provider.LastError);
    }

    [Fact]
    public async Task Optional_ServerDownAtStart_ServesSnapshot_ThenFreshValuesWhenServerComesUp()
    {
        await using var server = await FreshZooKeeper.StartAsync();
        var snapshot = Path.Combine(_snapshotDirectory, "fooservice.json");
        await using (var client = await ZooKeeperClient.ConnectAsync(server.ConnectionString))
        {
            await client.CreateAsync("/fooservice", Encoding.UTF8.GetBytes("""{"database":"/databases/foomain","threads":1,"favorite_color":"red"}"""));
            using (var first = (ConfigurationRoot)Build(server.ConnectionString, snapshot))
            {
                Assert.Equal("1", first["threads"]);
            }
            Assert.True(File.Exists(snapshot));
            // Changed while no provider runs: only a fresh read can know.
            await client.SetDataAsync("/fooservice", Encoding.UTF8.GetBytes("""{"database":"/databases/foomain","threads":2,"favorite_color":"red"}"""));
        }
        await server.KillAsync();

        using var configuration = (ConfigurationRoot)Build(server.ConnectionString, snapshot);
        var provider = configuration.Providers.OfType<ZooKeeperConfigurationProvider>().Single();
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = ChangeToken.OnChange(configuration.GetReloadToken, () => reloaded.TrySetResult());
        Assert.Equal("1", configuration["threads"]);
        Assert.Equal("red", configuration["favorite_color"]);
        Assert.Equal(ZooKeeperConfigurationStatus.Snapshot, provider.Status);

        await server.RestartAsync();
        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("2", configuration["threads"]);
        Assert.Equal(ZooKeeperConfigurationStatus.Current, provider.Status);
        Assert.Null(provider.LastError);
        Assert.Contains("\"threads\": \"2\"", await File.ReadAllTextAsync(snapshot), StringComparison.Ordinal);
    }

    private static IConfigurationRoot Build(string connectionString, string snapshot) =>
        new ConfigurationBuilder()
            .AddZooKeeper("/fooservice", s =>
            {
                s.ConnectionString = connectionString;
                s.SnapshotPath = snapshot;
                s.Optional = true;
                s.StartupTimeout = TimeSpan.FromSeconds(1);
            })
            .Build();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
