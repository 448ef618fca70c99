using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZkDiscovery.Configuration.Internal;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.Configuration.Tests;

/// <summary>
/// What a provider tells without being asked: its log (kept until the host's logging is attached), its report (status,
/// times, last error, where each key comes from), the deleted-node decision and the ZkDiscovery.Configuration meter.
/// </summary>
public sealed class DiagnosticsTests : ConfigurationTestBase
{
    private const string FooService = """{"database":"/databases/foomain","threads":1,"favorite_color":"red"}""";

    [Fact]
    public async Task NoLoggerFactory_EventsKeptUntilAttached_ReplayedInOrderOnce_ThenLiveUntilDetached()
    {
        var path = Root + "/fooservice";
        await Client.CreateAsync(path, Bytes(FooService));
        var errors = Channel.CreateUnbounded<ZooKeeperLoadExceptionContext>();
        using var configuration = BuildWithoutLogging(path, s => s.OnLoadException = c => errors.Writer.TryWrite(c));
        var provider = ProviderOf(configuration);
        using var recorder = new ReloadRecorder(configuration);

        await Client.SetDataAsync(path, Bytes("""{"threads": 2,"""));
        await errors.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.True(provider.PendingLogEvents >= 2);

        var host = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(host).SetMinimumLevel(LogLevel.Debug));
        var attachment = provider.AttachLogging(factory);

        // What happened before, in order: the first load, then the failed reload.
        Assert.Equal([6000, 6003], Significant(host));
        Assert.Equal(0, provider.PendingLogEvents);

        // From now on, straight through; a second attachment changes nothing and replays nothing.
        using (provider.AttachLogging(factory))
        {
            await Client.SetDataAsync(path, Bytes("""{"database":"/databases/foomain","threads":5,"favorite_color":"red"}"""));
            await recorder.NextAsync();
        }
        Assert.Equal([6000, 6003, 6004, 6001], Significant(host));

        // Detached (the host is going away): later events are not written there.
        attachment.Dispose();
        await Client.SetDataAsync(path, Bytes("""{"threads":6}"""));
        await recorder.NextAsync();
        Assert.Equal([6000, 6003, 6004, 6001], Significant(host));
    }

    [Fact]
    public async Task ExplicitLoggerFactory_AttachLoggingChangesNothing()
    {
        var path = Root + "/fooservice";
        await Client.CreateAsync(path, Bytes(FooService));
        var configuration = Build(path);
        var provider = ProviderOf(configuration);
        using var recorder = new ReloadRecorder(configuration);
        var other = new CapturingLoggerProvider();
        using var otherFactory = LoggerFactory.Create(b => b.AddProvider(other));

        using (provider.AttachLogging(otherFactory))
        {
            await Client.SetDataAsync(path, Bytes("""{"threads":2}"""));
            await recorder.NextAsync();
        }

        Assert.Empty(other.Entries);
        Assert.Contains(Logs.Entries, e => e.EventId.Id == 6000);
        Assert.Contains(Logs.Entries, e => e.EventId.Id == 6001);
        Assert.Equal(0, provider.PendingLogEvents);
    }

    [Fact]
    public void DeferredLogger_MoreThanCapacity_OldestDropped_DropCountLoggedFirst()
    {
        var logger = new DeferredLogger(null, TimeProvider.System);
        for (var i = 0; i < DeferredLogger.Capacity + 44; i++)
        {
#pragma warning disable CA1873 // A test of the buffer: every call logs.
            logger.LogInformation(new EventId(i), "event {Number}", i);
#pragma warning restore CA1873
        }
        logger.LogTrace("not kept");
        var host = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(host).SetMinimumLevel(LogLevel.Trace));

        using var attachment = logger.Attach(factory.CreateLogger("test"), (l, dropped) => l.LogWarning("dropped {Dropped}", dropped));

        Assert.NotNull(attachment);
        var entries = host.Entries.ToArray();
        Assert.Equal(DeferredLogger.Capacity + 1, entries.Length);
        Assert.Equal("dropped 44", entries[0].Message);
        Assert.Equal(Enumerable.Range(44, DeferredLogger.Capacity), entries.Skip(1).Select(static e => e.EventId.Id));
        Assert.Null(logger.Attach(NullLogger.Instance, static (_, _) => { }));
    }

    [Fact]
    public void DeferredLogger_AfterStartup_KeepsInformationAndAbove_NotDebug()
    {
        var logger = new DeferredLogger(null, TimeProvider.System);
#pragma warning disable CA1873 // A test of the buffer: every call logs.
        logger.LogDebug(new EventId(1), "start-up detail");
        logger.EndStartup();
        Assert.False(logger.IsEnabled(LogLevel.Debug));
        logger.LogDebug(new EventId(2), "reload detail");
        logger.LogInformation(new EventId(3), "reloaded");
        logger.LogWarning(new EventId(4), "failed");
#pragma warning restore CA1873
        var host = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(host).SetMinimumLevel(LogLevel.Trace));

        using var attachment = logger.Attach(factory.CreateLogger("test"), static (_, _) => { });

        Assert.Equal([1, 3, 4], host.Entries.Select(static e => e.EventId.Id));
        Assert.True(logger.IsEnabled(LogLevel.Debug)); // Attached: the host's filters decide.
    }

    [Fact]
    public async Task NodeDeleted_Default_KeepsValues_WarnsWithTime_ReportsStale()
    {
        var path = Root + "/fooservice";
        await Client.CreateAsync(path, Bytes(FooService));
        var errors = Channel.CreateUnbounded<ZooKeeperLoadExceptionContext>();
        var configuration = Build(path, s => s.OnLoadException = c => errors.Writer.TryWrite(c));
        var before = ProviderOf(configuration).GetReport();

        await Client.DeleteAsync(path);
        await errors.Reader.ReadAsync().AsTask().WaitAsync(Timeout);

        Assert.Equal("red", configuration["favorite_color"]);
        var warning = Assert.Single(Logs.Entries, e => e.EventId.Id == 6020);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.StartsWith($"The ZooKeeper configuration node {path} was deleted: keeping the last good values from {before.LastGoodDataTime!.Value.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z (3 keys)", warning.Message, StringComparison.Ordinal);
        var report = ProviderOf(configuration).GetReport();
        Assert.Equal(ZooKeeperConfigurationStatus.Stale, report.Status);
        Assert.Contains("was deleted", report.LastError, StringComparison.Ordinal);
        Assert.NotNull(report.LastErrorTime);
        Assert.Equal(before.LastGoodDataTime, report.LastGoodDataTime);
        Assert.Equal(3, report.Keys.Count);
    }

    [Fact]
    public async Task NodeDeleted_RemoveKeys_KeysGoInOneReload_ComeBackWhenRecreated()
    {
        var path = Root + "/fooservice";
        await Client.CreateAsync(path, Bytes(FooService));
        var configuration = Build(path, s => s.NodeDeletedBehavior = ZooKeeperNodeDeletedBehavior.RemoveKeys);
        var provider = ProviderOf(configuration);
        using var recorder = new ReloadRecorder(configuration);

        await Client.DeleteAsync(path);
        Assert.Empty(await recorder.NextAsync());
        Assert.Null(configuration["favorite_color"]);
        Assert.Equal(ZooKeeperConfigurationStatus.Current, provider.Status);
        Assert.Null(provider.LastError);
        var warning = Assert.Single(Logs.Entries, e => e.EventId.Id == 6021);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal($"The ZooKeeper configuration node {path} was deleted: its 3 keys are removed (NodeDeletedBehavior is RemoveKeys) until it is created again.", warning.Message);
        Assert.Contains(Logs.Entries, e => e.EventId.Id == 6001 && e.Message.EndsWith("keys added 0, changed 0, removed 3.", StringComparison.Ordinal));

        await Client.CreateAsync(path, Bytes("""{"favorite_color":"green"}"""));
        Assert.Equal("green", (await recorder.NextAsync())["favorite_color"]);
        Assert.Equal(2, recorder.Count);
    }

    [Fact]
    public async Task Report_KeysNameTheirNodeAndLinks_ReportsListedInOrder()
    {
        await Client.CreateAsync(Root + "/databases");
        await Client.CreateAsync(Root + "/databases/main", Bytes("""{"host":"db1"}"""));
        await Client.CreateAsync(Root + "/shared", Bytes("""{"threads":3}"""));
        await Client.CreateAsync(Root + "/app", Bytes($$"""{"name":"app","db ->":"../databases/main","threads =>":"{{Root}}/shared threads"}"""));
        await Client.CreateAsync(Root + "/other", Bytes("""{"x":1}"""));
        using var configuration = (ConfigurationRoot)new ConfigurationBuilder()
            .AddZooKeeper(Root + "/app", s =>
            {
                s.ConnectionString = ConnectionString;
                s.IncludeChildren = true;
            })
            .AddZooKeeper(Root + "/other", s => s.ConnectionString = ConnectionString)
            .Build();

        var reports = configuration.GetZooKeeperConfigurationReports();

        Assert.Equal([Root + "/app", Root + "/other"], reports.Select(static r => r.Path));
        var app = reports[0];
        Assert.Equal(ZooKeeperConfigurationStatus.Current, app.Status);
        Assert.False(app.IsOptional);
        Assert.NotNull(app.LastReloadTime);
        Assert.Null(app.LastError);
        Assert.Equal(["db:host", "name", "threads"], app.Keys.Select(static k => k.Key));
        Assert.Equal(Root + "/databases/main", app.Keys[0].NodePath);
        Assert.Equal([$"{Root}/app/db -> {Root}/databases/main"], app.Keys[0].Links);
        Assert.Equal(Root + "/app", app.Keys[1].NodePath);
        Assert.Empty(app.Keys[1].Links);
        Assert.Equal([$"{Root}/app threads => {Root}/shared threads"], app.Keys[2].Links);
    }

    [Fact]
    public async Task Meter_CountsReloadsAndFailures_GaugeOneWhileStale()
    {
        var path = Root + "/fooservice";
        await Client.CreateAsync(path, Bytes(FooService));
        using var reloads = new MetricCollector<long>(null, ZooKeeperConfigurationMetrics.MeterName, ZooKeeperConfigurationMetrics.ReloadsName);
        using var failures = new MetricCollector<long>(null, ZooKeeperConfigurationMetrics.MeterName, ZooKeeperConfigurationMetrics.LoadFailuresName);
        using var stale = new MetricCollector<int>(null, ZooKeeperConfigurationMetrics.MeterName, ZooKeeperConfigurationMetrics.StaleName);
        var errors = Channel.CreateUnbounded<ZooKeeperLoadExceptionContext>();
        var configuration = Build(path, s => s.OnLoadException = c => errors.Writer.TryWrite(c));
        using var recorder = new ReloadRecorder(configuration);
        Assert.Equal(0, Gauge(stale, path));

        await Client.SetDataAsync(path, Bytes("""{"threads":2}"""));
        await recorder.NextAsync();
        await Client.SetDataAsync(path, Bytes("not json"));
        await errors.Reader.ReadAsync().AsTask().WaitAsync(Timeout);

        Assert.Equal(1, Sum(reloads, path));
        Assert.Equal(1, Sum(failures, path));
        Assert.Equal(1, Gauge(stale, path));

        await Client.SetDataAsync(path, Bytes("""{"threads":3}"""));
        await recorder.NextAsync();
        Assert.Equal(2, Sum(reloads, path));
        Assert.Equal(0, Gauge(stale, path));
    }

    [Fact]
    public void Snapshot_ServerDownAtStart_ReportAndGaugeSayStale_ReplayHasTheWarning()
    {
        var path = "/snap-" + Guid.NewGuid().ToString("N");
        var snapshot = Path.Combine(Path.GetTempPath(), "zkd-diag-" + Guid.NewGuid().ToString("N") + ".json");
        ConfigurationSnapshotFile.Write(snapshot, new Dictionary<string, string?> { ["threads"] = "7" });
        using var failures = new MetricCollector<long>(null, ZooKeeperConfigurationMetrics.MeterName, ZooKeeperConfigurationMetrics.LoadFailuresName);
        using var stale = new MetricCollector<int>(null, ZooKeeperConfigurationMetrics.MeterName, ZooKeeperConfigurationMetrics.StaleName);
        try
        {
            using var configuration = (ConfigurationRoot)new ConfigurationBuilder()
                .AddZooKeeper(path, s =>
                {
                    s.ConnectionString = $"127.0.0.1:{FreePort()}";
                    s.StartupTimeout = TimeSpan.FromMilliseconds(300);
                    s.Optional = true;
                    s.SnapshotPath = snapshot;
                })
                .Build();
            var provider = ProviderOf(configuration);

            var report = provider.GetReport();
            Assert.Equal(ZooKeeperConfigurationStatus.Snapshot, report.Status);
            Assert.Null(report.LastReloadTime);
            Assert.Equal(new DateTimeOffset(File.GetLastWriteTimeUtc(snapshot), TimeSpan.Zero), report.LastGoodDataTime);
            Assert.NotNull(report.LastError);
            Assert.Equal("threads", Assert.Single(report.Keys).Key);
            Assert.Equal(1, Sum(failures, path));
            Assert.Equal(1, Gauge(stale, path));

            var host = new CapturingLoggerProvider();
            using var factory = LoggerFactory.Create(b => b.AddProvider(host));
            using var attachment = provider.AttachLogging(factory);
            var warning = Assert.Single(host.Entries);
            Assert.Equal(6006, warning.EventId.Id);
            Assert.Equal(LogLevel.Warning, warning.Level);
            Assert.Contains(snapshot, warning.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(snapshot);
        }
    }

    private static int[] Significant(CapturingLoggerProvider logs) =>
        [.. logs.Entries.Where(static e => e.Level >= LogLevel.Information).Select(static e => e.EventId.Id)];

    private static long Sum(MetricCollector<long> collector, string path) =>
        collector.GetMeasurementSnapshot().Where(m => Equals(m.Tags[ZooKeeperConfigurationMetrics.PathTag], path)).Sum(static m => m.Value);

    private static int Gauge(MetricCollector<int> collector, string path)
    {
        collector.RecordObservableInstruments();
        return collector.GetMeasurementSnapshot().Last(m => Equals(m.Tags[ZooKeeperConfigurationMetrics.PathTag], path)).Value;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private ConfigurationRoot BuildWithoutLogging(string path, Action<ZooKeeperConfigurationSource> configure) =>
        (ConfigurationRoot)new ConfigurationBuilder()
            .AddZooKeeper(path, s =>
            {
                s.ConnectionString = ConnectionString;
                configure(s);
            })
            .Build();
}
