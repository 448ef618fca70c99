using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZkDiscovery.Configuration;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.Hosting.Tests;

/// <summary>
/// An app as a user writes it: <c>builder.Configuration.AddZooKeeper("/myapi")</c>, <c>AddZooKeeperRegistration()</c> and
/// <c>IOptionsMonitor</c>, no logging option on the source. What goes wrong in ZooKeeper must show in the host's log,
/// in the health check and on the meter.
/// </summary>
public sealed class ConfigurationHostTests
{
    private const string MeterName = "ZkDiscovery.Configuration";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task HostWithoutLoggingOption_BadJsonDanglingLinkDeletedNode_HostLogHealthAndMeterTellTheUser()
    {
        var connectionString = await SharedZooKeeper.GetConnectionStringAsync();
        await using var setup = await ZooKeeperClient.ConnectAsync(connectionString);
        var root = "/cfghost-" + Guid.NewGuid().ToString("N");
        var path = root + "/myapi";
        var shared = root + "/shared";
        await setup.CreateAsync(root);
        await setup.CreateAsync(shared, Bytes("""{"Name":"orders"}"""));
        await setup.CreateAsync(path, Bytes($$"""{"Greeting":"hello","Threads":2,"Password":"s3cret-one","Database =>":"{{shared}} Name"}"""));

        using var reloads = new MetricCollector<long>(null, MeterName, "zookeeper.configuration.reloads");
        using var failures = new MetricCollector<long>(null, MeterName, "zookeeper.configuration.load_failures");
        using var stale = new MetricCollector<int>(null, MeterName, "zookeeper.configuration.stale");
        var log = new WaitingLoggerProvider();

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ZooKeeper:ConnectionString"] = connectionString,
            ["ZooKeeper:Registration:ServicePath"] = root + "/providers",
        });
        // The design card's lines: nothing about logging.
        builder.Configuration.AddZooKeeper(path);
        builder.Services.Configure<MyApiOptions>(builder.Configuration);
        builder.Services.AddZooKeeperRegistration();
        await using var app = builder.Build();
        var monitor = app.Services.GetRequiredService<IOptionsMonitor<MyApiOptions>>();
        var health = app.Services.GetRequiredService<HealthCheckService>();
        Assert.DoesNotContain(log.Entries, static e => e.EventId.Id is >= 6000 and < 6100);

        await app.StartAsync();

        // The first load, logged while configuration was built, is in the host's log once the host starts: once.
        await log.WaitAsync(e => e.EventId.Id == 6000 && e.Message.Contains(path, StringComparison.Ordinal), Timeout);
        Assert.Single(log.Entries, e => e.EventId.Id == 6000 && e.Message.Contains(path, StringComparison.Ordinal));
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(health)).Status);
        Assert.Equal("hello", monitor.CurrentValue.Greeting);
        Assert.Equal("orders", monitor.CurrentValue.Database);
        var report = Assert.Single(app.Services.GetRequiredService<IConfiguration>().GetZooKeeperConfigurationReports());
        Assert.Equal(ZooKeeperConfigurationStatus.Current, report.Status);
        var database = Assert.Single(report.Keys, k => k.Key == "Database");
        Assert.Equal(path, database.NodePath);
        Assert.Equal($"{path} Database => {shared} Name", Assert.Single(database.Links));

        // A good change: one Information line with counts, no values.
        var changed = OptionsChanged(monitor);
        await setup.SetDataAsync(path, Bytes($$"""{"Greeting":"bonjour","Threads":2,"Password":"s3cret-two","Database =>":"{{shared}} Name"}"""));
        Assert.Equal("bonjour", (await changed.WaitAsync(Timeout)).Greeting);
        var reloaded = await log.WaitAsync(e => e.EventId.Id == 6001, Timeout);
        Assert.Equal(LogLevel.Information, reloaded.Level);
        Assert.Contains($"path {path} reloaded: keys added 0, changed 2, removed 0.", reloaded.Message, StringComparison.Ordinal);

        // Broken JSON: a warning with the path, where the JSON breaks and since when the values are kept.
        await setup.SetDataAsync(path, Bytes("{\n  \"Greeting\": \"broken\"\n  \"Threads\": 3\n}"));
        var badJson = await log.WaitAsync(e => e.EventId.Id == 6003, Timeout);
        Assert.Equal(LogLevel.Warning, badJson.Level);
        Assert.Contains($"Configuration from ZooKeeper path {path} not reloaded, keeping the last good values from ", badJson.Message, StringComparison.Ordinal);
        Assert.Contains("is not valid JSON", badJson.Message, StringComparison.Ordinal);
        Assert.Contains("LineNumber: 2 | BytePositionInLine: 2", badJson.Message, StringComparison.Ordinal);
        var degraded = await CheckAsync(health);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains(path + ": serving the last good values from ", degraded.Description, StringComparison.Ordinal);
        Assert.Equal("Stale", degraded.Data[path]);
        Assert.Equal("bonjour", monitor.CurrentValue.Greeting);
        Assert.Equal(1, Gauge(stale, path));

        // Fixed: Healthy again.
        await setup.SetDataAsync(path, Bytes($$"""{"Greeting":"hallo","Threads":2,"Password":"s3cret-two","Database =>":"{{shared}} Name"}"""));
        await log.WaitAsync(e => e.EventId.Id == 6004, Timeout);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(health)).Status);
        Assert.Equal(0, Gauge(stale, path));

        // The property link dangles: its target node is deleted.
        await setup.DeleteAsync(shared);
        var dangling = await log.WaitAsync(e => e.EventId.Id == 6003 && e.Message.Contains(shared, StringComparison.Ordinal), Timeout);
        Assert.Equal(LogLevel.Warning, dangling.Level);
        Assert.Contains("Database", dangling.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", dangling.Message, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(health)).Status);
        Assert.Equal("orders", monitor.CurrentValue.Database);

        // The node itself is deleted: the default keeps the values, with a warning that says so.
        await setup.DeleteAsync(path);
        var deleted = await log.WaitAsync(e => e.EventId.Id == 6020, Timeout);
        Assert.Equal(LogLevel.Warning, deleted.Level);
        Assert.Contains($"The ZooKeeper configuration node {path} was deleted: keeping the last good values from ", deleted.Message, StringComparison.Ordinal);
        var afterDelete = await CheckAsync(health);
        Assert.Equal(HealthStatus.Degraded, afterDelete.Status);
        Assert.Contains("was deleted", (string)afterDelete.Data[path + " error"], StringComparison.Ordinal);
        Assert.Equal("hallo", monitor.CurrentValue.Greeting);
        Assert.Equal(ZooKeeperConfigurationStatus.Stale, app.Services.GetRequiredService<IConfiguration>().GetZooKeeperConfigurationReports().Single().Status);

        // The meter: two applied reloads, three failed loads, serving stale now.
        Assert.Equal(2, Sum(reloads, path));
        Assert.Equal(3, Sum(failures, path));
        Assert.Equal(1, Gauge(stale, path));

        // Never a value in the log, secret or not.
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("s3cret", StringComparison.Ordinal) || e.Message.Contains("bonjour", StringComparison.Ordinal));

        await app.StopAsync();
    }

    [Fact]
    public async Task HealthCheck_RequiredNeverLoaded_Unhealthy_OptionalNotLoaded_Degraded_RegisteredOnce()
    {
        // Nothing listens on this port: both sources start without data (the required one because OnLoadException
        // said to go on).
        var port = FreePort();
        using var configuration = (ConfigurationRoot)new ConfigurationBuilder()
            .AddZooKeeper("/required", s =>
            {
                s.ConnectionString = $"127.0.0.1:{port}";
                s.StartupTimeout = TimeSpan.FromMilliseconds(200);
                s.OnLoadException = static c => c.Ignore = true;
            })
            .AddZooKeeper("/optional", s =>
            {
                s.ConnectionString = $"127.0.0.1:{port}";
                s.StartupTimeout = TimeSpan.FromMilliseconds(200);
                s.Optional = true;
            })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddZooKeeper();
        services.AddZooKeeperRegistration();
        await using var provider = services.BuildServiceProvider();

        var registrations = provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        Assert.Single(registrations, static r => r.Name == "zookeeper-configuration");
        var entry = await CheckAsync(provider.GetRequiredService<HealthCheckService>());

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("/required: required, never loaded (no keys) (Could not load configuration from ZooKeeper path /required", entry.Description, StringComparison.Ordinal);
        Assert.Contains("/optional: optional, not loaded yet (no keys)", entry.Description, StringComparison.Ordinal);
        Assert.Equal("NotLoaded", entry.Data["/required"]);
        Assert.Equal("NotLoaded", entry.Data["/optional"]);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static Task<HealthReportEntry> CheckAsync(HealthCheckService health) =>
        health.CheckHealthAsync(static r => r.Name == "zookeeper-configuration")
            .ContinueWith(static t => t.Result.Entries["zookeeper-configuration"], TaskScheduler.Default);

    private static Task<MyApiOptions> OptionsChanged(IOptionsMonitor<MyApiOptions> monitor)
    {
        var changed = new TaskCompletionSource<MyApiOptions>(TaskCreationOptions.RunContinuationsAsynchronously);
        IDisposable? registration = null;
        registration = monitor.OnChange(options =>
        {
            changed.TrySetResult(options);
            registration?.Dispose();
        });
        return changed.Task;
    }

    private static long Sum(MetricCollector<long> collector, string path) =>
        collector.GetMeasurementSnapshot().Where(m => Equals(m.Tags["zookeeper.configuration.path"], path)).Sum(static m => m.Value);

    private static int Gauge(MetricCollector<int> collector, string path)
    {
        collector.RecordObservableInstruments();
        return collector.GetMeasurementSnapshot().Last(m => Equals(m.Tags["zookeeper.configuration.path"], path)).Value;
    }

    public sealed class MyApiOptions
    {
        public string? Greeting { get; set; }

        public int Threads { get; set; }

        public string? Database { get; set; }
    }

    /// <summary>Captures the host's log and lets a test await an entry (no polling).</summary>
    private sealed class WaitingLoggerProvider : ILoggerProvider
    {
        private readonly List<(LogLevel Level, EventId EventId, string Message)> _entries = [];
        private readonly List<(Func<(LogLevel Level, EventId EventId, string Message), bool> Match, TaskCompletionSource<(LogLevel Level, EventId EventId, string Message)> Done)> _waiters = [];
        private int _seen;

        public List<(LogLevel Level, EventId EventId, string Message)> Entries
        {
            get
            {
                lock (_entries)
                {
                    return [.. _entries];
                }
            }
        }

        /// <summary>Waits for the first entry, logged after the last wait's match, that matches.</summary>
        public async Task<(LogLevel Level, EventId EventId, string Message)> WaitAsync(Func<(LogLevel Level, EventId EventId, string Message), bool> match, TimeSpan timeout)
        {
            var done = new TaskCompletionSource<(LogLevel Level, EventId EventId, string Message)>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_entries)
            {
                for (var i = _seen; i < _entries.Count; i++)
                {
                    if (match(_entries[i]))
                    {
                        _seen = i + 1;
                        return _entries[i];
                    }
                }
                _waiters.Add((match, done));
            }
            try
            {
                return await done.Task.WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException("No such log entry within " + timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s; the log:\n" + string.Join("\n", Entries.Select(static e => $"{e.Level} {e.EventId.Id} {e.Message}")));
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private void Add(LogLevel level, EventId eventId, string message)
        {
            var entry = (level, eventId, message);
            lock (_entries)
            {
                _entries.Add(entry);
                var index = _waiters.FindIndex(w => w.Match(entry));
                if (index >= 0)
                {
                    _seen = _entries.Count;
                    _waiters[index].Done.TrySetResult(entry);
                    _waiters.RemoveAt(index);
                }
            }
        }

        private sealed class Logger(WaitingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    owner.Add(logLevel, eventId, formatter(state, exception));
                }
            }
        }
    }
}
