using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZkDiscovery.Nodes;
using ZkDiscovery.Testing;

namespace ZkDiscovery.Configuration.Tests;

public sealed class FooServiceOptions
{
    public string? Database { get; set; }

    public int Threads { get; set; }

    [ConfigurationKeyName("favorite_color")]
    public string? FavoriteColor { get; set; }
}

public sealed class ZooKeeperConfigurationTests : ConfigurationTestBase
{
    private const string FooService = """{"database":"/databases/foomain","threads":1,"favorite_color":"red"}""";

    private static (IOptionsMonitor<FooServiceOptions> Monitor, ServiceProvider Services) BindFooService(IConfiguration configuration)
    {
        var services = new ServiceCollection().AddOptions().Configure<FooServiceOptions>(configuration).BuildServiceProvider();
        return (services.GetRequiredService<IOptionsMonitor<FooServiceOptions>>(), services);
    }

    [Fact]
    public async Task SetData_OptionsMonitorOnChange_OnceWithinASecond()
    {
        var path = Root + "/fooservice";
        await Client.CreateAsync(path, Bytes(FooService));
        var configuration = Build(path);
        var (monitor, services) = BindFooService(configuration);
        using var _ = services;
        var changes = Channel.CreateUnbounded<FooServiceOptions>();
        var count = 0;
        using var subscription = monitor.OnChange(o =>
        {
            Interlocked.Increment(ref count);
            changes.Writer.TryWrite(o);
        });

        var initial = monitor.CurrentValue;
        Assert.Equal("/databases/foomain", initial.Database);
        Assert.Equal(1, initial.Threads);
        Assert.Equal("red", initial.FavoriteColor);
        Assert.Equal(ZooKeeperConfigurationStatus.Current, ProviderOf(configuration).Status);

        var stopwatch = Stopwatch.StartNew();
        await Client.SetDataAsync(path, Bytes("""{"database":"/databases/foomain","threads":2,"favorite_color":"red"}"""));
        var changed = await changes.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"OnChange after {stopwatch.Elapsed}");
        Assert.Equal(2, changed.Threads);

        // Same values written again (other spacing): no reload. Then a last change as a barrier: the next
        // notification must be that one, and nothing came in between.
        await Client.SetDataAsync(path, Bytes("""{ "threads": 2, "favorite_color": "red", "database": "/databases/foomain" }"""));
        await Client.SetDataAsync(path, Bytes("""{"database":"/databases/foomain","threads":2,"favorite_color":"blue"}"""));
        var barrier = await changes.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal("blue", barrier.FavoriteColor);
        Assert.Equal(2, Volatile.Read(ref count));
        Assert.Equal("blue", monitor.CurrentValue.FavoriteColor);

        // Counts at Information, key names at Debug, never a value.
        var reloaded = Logs.Entries.First(e => e.EventId.Id == 6001);
        Assert.Equal(LogLevel.Information, reloaded.Level);
        Assert.Equal($"Configuration from ZooKeeper path {Root}/fooservice reloaded: keys added 0, changed 1, removed 0.", reloaded.Message);
        Assert.Contains(Logs.Entries, e => e.EventId.Id == 6022 && e.Level == LogLevel.Debug && e.Message.EndsWith(": ~threads", StringComparison.Ordinal));
        Assert.DoesNotContain(Logs.Entries, e => e.Message.Contains("foomain", StringComparison.Ordinal) || e.Message.Contains("blue", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Import_TwentyNodesChanged_OneReload()
    {
        await Nodes.ImportAsync(Tree(version: 1), Root);
        var configuration = Build(Root + "/svc", s => s.IncludeChildren = true);
        using var recorder = new ReloadRecorder(configuration);
        Assert.Equal("1", configuration["node07:version"]);
        Assert.Equal("svc", configuration["name"]);

        await Nodes.ImportAsync(Tree(version: 2), Root);
        var first = await recorder.NextAsync();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("2", first[$"node{i:00}:version"]);
        }

        await Client.SetDataAsync(Root + "/svc", Bytes("""{"name":"barrier"}"""));
        var barrier = await recorder.NextAsync();
        Assert.Equal("barrier", barrier["name"]);
        Assert.Equal(2, recorder.Count);

        static string Tree(int version)
        {
            var text = new System.Text.StringBuilder("/svc\n  name = 'svc'\n");
            for (var i = 0; i < 20; i++)
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"  /node{i:00}\n    version = {version}\n    index = {i}\n");
            }
            return text.ToString();
        }
    }

    [Fact]
    public async Task IncludeChildren_EphemeralSkipped_SymbolicLinkFollowed_DeletedChildRemoved()
    {
        await Client.CreateAsync(Root + "/databases");
        await Client.CreateAsync(Root + "/databases/main", Bytes("""{"host":"db1","port":5432}"""));
        await Client.CreateAsync(Root + "/app", Bytes("""{"name":"app","type":"service","db ->":"../databases/main"}"""));
        await Client.CreateAsync(Root + "/app/providers");
        await Client.CreateAsync(Root + "/app/providers/10.0.0.1:80", Bytes("""{"pid":1}"""), CreateMode.Ephemeral);
        await Client.CreateAsync(Root + "/app/limits", Bytes("""{"max":10}"""));
        await Client.CreateAsync(Root + "/app/limits/inner", Bytes("""{"deep":true}"""));

        var configuration = Build(Root + "/app", s =>
        {
            s.IncludeChildren = true;
            s.MaxChildDepth = 1;
            s.KeyPrefix = "App";
        });
        using var recorder = new ReloadRecorder(configuration);

        var keys = configuration.AsEnumerable().Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(
            new Dictionary<string, string?> { ["App:name"] = "app", ["App:db:host"] = "db1", ["App:db:port"] = "5432", ["App:limits:max"] = "10" },
            keys);

        // The link target changes; then the child goes away.
        await Client.SetDataAsync(Root + "/databases/main", Bytes("""{"host":"db2","port":5432}"""));
        Assert.Equal("db2", (await recorder.NextAsync())["App:db:host"]);
        await Nodes.DeleteRecursiveAsync(Root + "/app/limits");
        var afterDelete = await recorder.NextAsync();
        Assert.False(afterDelete.ContainsKey("App:limits:max"));
        Assert.Null(configuration["App:limits:max"]);
    }

    [Fact]
    public async Task PropertyLinkTarget_Changed_ReloadsWithNewValue()
    {
        await Client.CreateAsync(Root + "/shared", Bytes("""{"threads":3,"pool":{"min":1,"max":8}}"""));
        await Client.CreateAsync(Root + "/cms", Bytes($$"""{"threads =>":"{{Root}}/shared threads","pool =>":"../shared","name":"cms"}"""));
        var configuration = Build(Root + "/cms");
        using var recorder = new ReloadRecorder(configuration);
        Assert.Equal("3", configuration["threads"]);
        Assert.Equal("8", configuration["pool:max"]);
        Assert.Null(configuration["threads =>"]);

        await Client.SetDataAsync(Root + "/shared", Bytes("""{"threads":4,"pool":{"min":1,"max":8}}"""));
        var reloaded = await recorder.NextAsync();
        Assert.Equal("4", reloaded["threads"]);
        Assert.Equal("4", configuration["threads"]);
        Assert.Equal(1, recorder.Count);
    }

    [Fact]
    public async Task KeyRemovedInZooKeeper_DisappearsFromConfiguration()
    {
        var path = Root + "/fooservice";
        await Client.CreateAsync(path, Bytes("""{"database":"/databases/foomain","threads":1,"favorite_color":"red","nested":{"a":1,"b":2}}"""));
        var configuration = Build(path);
        using var recorder = new ReloadRecorder(configuration);

        await Client.SetDataAsync(path, Bytes("""{"database":"/databases/foomain","threads":1,"nested":{"a":1}}"""));
        var reloaded = await recorder.NextAsync();

        Assert.False(reloaded.ContainsKey("favorite_color"));
        Assert.Null(configuration["favorite_color"]);
        Assert.Null(configuration["nested:b"]);
        Assert.Equal("1", configuration["nested:a"]);
    }

    [Fact]
    public async Task Reload_OnePropertyChanged_TheOthersKeepTheirStrings()
    {
        var path = Root + "/reuse";
        await Client.CreateAsync(path, Bytes("""{"keep":"a value that stays as it is","change":"one"}"""));
        var configuration = Build(path);
        using var recorder = new ReloadRecorder(configuration);
        var kept = configuration["keep"];

        await Client.SetDataAsync(path, Bytes("""{"keep":"a value that stays as it is","change":"two"}"""));
        var reloaded = await recorder.NextAsync();

        Assert.Equal("two", reloaded["change"]);
        Assert.Same(kept, configuration["keep"]); // Taken from the last read, not made again.
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task KeysDifferingOnlyInCase_KeepLastGoodData_ReportTheNode(bool inChild)
    {
        var path = Root + "/dupes";
        await Client.CreateAsync(path, Bytes("""{"threads":1}"""));
        await Client.CreateAsync(path + "/child", Bytes("""{"size":1}"""));
        var errors = Channel.CreateUnbounded<ZooKeeperLoadExceptionContext>();
        var configuration = Build(path, s =>
        {
            s.IncludeChildren = true;
            s.OnLoadException = c => errors.Writer.TryWrite(c);
        });
        var provider = ProviderOf(configuration);
        Assert.Equal("1", configuration["child:size"]);

        // The second property maps one new key, then one that the first property has already (case aside).
        var bad = inChild ? path + "/child" : path;
        await Client.SetDataAsync(bad, Bytes("""{"Size":{"a":1,"b":2},"size":{"c":3,"A":4}}"""));
        var error = await errors.Reader.ReadAsync().AsTask().WaitAsync(Timeout);

        Assert.IsType<InvalidDataException>(error.Exception);
        Assert.Contains($"the properties of {bad} map to the same key twice", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(ZooKeeperConfigurationStatus.Stale, provider.Status);
        Assert.Equal("1", configuration["threads"]);
        Assert.Equal("1", configuration["child:size"]);
        Assert.Null(configuration["child:size:c"]);
    }

    [Fact]
    public async Task BadJson_KeepsLastGoodData_ReportsError_ThenRecovers()
    {
        var path = Root + "/fooservice";
        await Client.CreateAsync(path, Bytes(FooService));
        var errors = Channel.CreateUnbounded<ZooKeeperLoadExceptionContext>();
        var configuration = Build(path, s => s.OnLoadException = c => errors.Writer.TryWrite(c));
        var provider = ProviderOf(configuration);
        using var recorder = new ReloadRecorder(configuration);

        await Client.SetDataAsync(path, Bytes("""{"threads": 2,"""));
        var error = await errors.Reader.ReadAsync().AsTask().WaitAsync(Timeout);

        Assert.False(error.IsStartup);
        Assert.Same(provider, error.Provider);
        Assert.Equal(path, error.Path);
        Assert.Contains(path, error.Exception.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidDataException>(error.Exception);
        Assert.Same(error.Exception, provider.LastError);
        Assert.Equal(ZooKeeperConfigurationStatus.Stale, provider.Status);
        Assert.Equal("1", configuration["threads"]);
        Assert.Null(configuration["string_value"]);
        Assert.Contains(Logs.Entries, e => e.Level == LogLevel.Warning && e.EventId.Id == 6003 && e.Message.Contains(path, StringComparison.Ordinal));

        // A dangling property link is bad data too.
        await Client.SetDataAsync(path, Bytes($$"""{"threads =>":"{{Root}}/nowhere threads"}"""));
        var dangling = await errors.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.Contains("nowhere", dangling.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("1", configuration["threads"]);

        await Client.SetDataAsync(path, Bytes("""{"database":"/databases/foomain","threads":5,"favorite_color":"red"}"""));
        var recovered = await recorder.NextAsync();
        Assert.Equal("5", recovered["threads"]);
        Assert.Null(provider.LastError);
        Assert.Equal(ZooKeeperConfigurationStatus.Current, provider.Status);
        Assert.Equal(1, recorder.Count);
    }

    [Fact]
    public async Task NodeDeleted_KeepsLastGoodData_RecoversWhenRecreated()
    {
        var path = Root + "/fooservice";
        await Client.CreateAsync(path, Bytes(FooService));
        var errors = Channel.CreateUnbounded<ZooKeeperLoadExceptionContext>();
        var configuration = Build(path, s => s.OnLoadException = c => errors.Writer.TryWrite(c));
        var provider = ProviderOf(configuration);
        using var recorder = new ReloadRecorder(configuration);

        await Client.DeleteAsync(path);
        var error = await errors.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.Contains(path, error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("red", configuration["favorite_color"]);
        Assert.Equal(ZooKeeperConfigurationStatus.Stale, provider.Status);

        await Client.CreateAsync(path, Bytes("""{"favorite_color":"green"}"""));
        var recovered = await recorder.NextAsync();
        Assert.Equal("green", recovered["favorite_color"]);
        Assert.Null(configuration["threads"]);
        Assert.Null(provider.LastError);
    }

    [Fact]
    public async Task ThousandKeys_LoadAndReload()
    {
        var path = Root + "/big";
        var properties = new System.Text.Json.Nodes.JsonObject();
        for (var i = 0; i < 1000; i++)
        {
            properties[$"key{i:0000}"] = $"value-{i}";
        }
        await Client.CreateAsync(path, Bytes(properties.ToJsonString()));
        var configuration = Build(path);
        using var recorder = new ReloadRecorder(configuration);
        Assert.Equal(1000, configuration.AsEnumerable().Count());
        Assert.Equal("value-999", configuration["key0999"]);

        properties.Remove("key0000");
        properties["key0500"] = "changed";
        properties["key1000"] = "added";
        await Client.SetDataAsync(path, Bytes(properties.ToJsonString()));
        var reloaded = await recorder.NextAsync();

        Assert.Equal(1000, reloaded.Count);
        Assert.False(reloaded.ContainsKey("key0000"));
        Assert.Equal("changed", configuration["key0500"]);
        Assert.Equal("added", configuration["key1000"]);
        Assert.Equal("value-1", configuration["key0001"]);
    }

    [Fact]
    public async Task SessionExpired_ValuesIntact_NoReload_WatchesRearmed()
    {
        var path = Root + "/fooservice";
        await Client.CreateAsync(path, Bytes(FooService));
        // Its own connection string, so that its shared session is not the one other tests use.
        var connectionString = ConnectionString.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        var configuration = Build(path, connectionString: connectionString);
        var provider = ProviderOf(configuration);
        using var recorder = new ReloadRecorder(configuration);
        var client = provider.Client!;
        var newSession = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += (_, e) =>
        {
            if (e.State == ConnectionState.Connected && e.IsNewSession)
            {
                newSession.TrySetResult();
            }
        };
        var credentials = client.SessionCredentials!;

        Assert.True(await ZooKeeperSessionKiller.ExpireAsync(ConnectionString, credentials.SessionId, credentials.Password));
        await newSession.Task.WaitAsync(Timeout);
        Assert.NotEqual(credentials.SessionId, client.SessionId);
        Assert.Equal("1", configuration["threads"]);

        // The re-read after expiry found nothing new; the next change is seen, and is the only reload.
        await Client.SetDataAsync(path, Bytes("""{"database":"/databases/foomain","threads":7,"favorite_color":"red"}"""));
        var reloaded = await recorder.NextAsync();
        Assert.Equal("7", reloaded["threads"]);
        Assert.Equal(1, recorder.Count);
        Assert.Null(provider.LastError);
    }

    [Fact]
    public async Task TwoSources_SameConnectionString_ShareOneSession()
    {
        await Client.CreateAsync(Root + "/a", Bytes("""{"x":1}"""));
        await Client.CreateAsync(Root + "/b", Bytes("""{"y":2}"""));
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ZooKeeper:ConnectionString"] = ConnectionString })
            .AddZooKeeper(Root + "/a")
            .AddZooKeeper(Root + "/b", s => s.KeyPrefix = "B")
            .Build();
        using var _ = (IDisposable)configuration;

        var providers = configuration.Providers.OfType<ZooKeeperConfigurationProvider>().ToList();
        Assert.Equal(2, providers.Count);
        Assert.Same(providers[0].Client, providers[1].Client);
        Assert.Equal("1", configuration["x"]);
        Assert.Equal("2", configuration["B:y"]);
    }

    [Fact]
    public async Task SamePath_TwoConfigurations_OneReadAndOneWatchPerChange_BothReload()
    {
        var path = Root + "/shared";
        await Client.CreateAsync(path, Bytes("""{"v":1}"""));
        var first = Build(path, s => s.ReloadDelay = TimeSpan.Zero);
        var second = Build(path, s => s.ReloadDelay = TimeSpan.Zero);
        var cache = ProviderOf(first).NodeCache;
        Assert.NotNull(cache);
        Assert.Same(cache, ProviderOf(second).NodeCache); // One session, one cache.
        using var firstReloads = new ReloadRecorder(first);
        using var secondReloads = new ReloadRecorder(second);
        var readsBefore = cache.Reads;

        await Client.SetDataAsync(path, Bytes("""{"v":2}"""));

        Assert.Equal("2", (await firstReloads.NextAsync())["v"]);
        Assert.Equal("2", (await secondReloads.NextAsync())["v"]);
        // One getData for both providers, which left the one watch both of them follow.
        Assert.Equal(1, cache.Reads - readsBefore);

        await Client.SetDataAsync(path, Bytes("""{"v":3}"""));
        Assert.Equal("3", (await firstReloads.NextAsync())["v"]);
        Assert.Equal("3", (await secondReloads.NextAsync())["v"]);
        Assert.Equal(2, cache.Reads - readsBefore);
    }

    [Fact]
    public async Task IncludeChildren_OneChildChanged_OnlyThatNodeIsReadAgain()
    {
        var path = Root + "/app";
        await Client.CreateAsync(path, Bytes("""{"name":"app"}"""));
        for (var i = 0; i < 20; i++)
        {
            await Client.CreateAsync($"{path}/c{i:00}", Bytes($$"""{"v":{{i}}}"""));
        }
        var configuration = Build(path, s =>
        {
            s.IncludeChildren = true;
            s.ReloadDelay = TimeSpan.Zero;
        });
        Assert.Equal("7", configuration["c07:v"]);
        var cache = ProviderOf(configuration).NodeCache!;
        using var reloads = new ReloadRecorder(configuration);
        var readsBefore = cache.Reads;

        await Client.SetDataAsync(path + "/c07", Bytes("""{"v":"seven"}"""));

        var reloaded = await reloads.NextAsync();
        Assert.Equal("seven", reloaded["c07:v"]);
        Assert.Equal("19", reloaded["c19:v"]);
        Assert.Equal("app", reloaded["name"]);
        Assert.Equal(1, cache.Reads - readsBefore); // Not the 22 reads of the whole tree.

        // A child deleted: the parent's list is read again. A pass that starts on the child's own event, before the
        // parent's arrives, also looks for the child once (getData, then exists) and is discarded.
        await Client.DeleteAsync(path + "/c19");
        reloaded = await reloads.NextAsync();
        Assert.False(reloaded.ContainsKey("c19:v"));
        Assert.Equal("seven", reloaded["c07:v"]);
        Assert.InRange(cache.Reads - readsBefore, 2, 4);
    }

    [Fact]
    public async Task ConfigurationManager_ConnectionStringFromEarlierSource()
    {
        await Client.CreateAsync(Root + "/a", Bytes("""{"x":1}"""));
        using var manager = new ConfigurationManager();
        manager.AddInMemoryCollection(new Dictionary<string, string?> { ["ZooKeeper:ConnectionString"] = ConnectionString });
        manager.AddZooKeeper(Root + "/a");

        Assert.Equal("1", manager["x"]);
    }

    [Fact]
    public async Task SymbolicLinkLoop_InChildren_IsAnErrorNotAHang()
    {
        await Client.CreateAsync(Root + "/app", Bytes("""{"name":"app"}"""));
        await Client.CreateAsync(Root + "/app/child", Bytes("""{"v":1}"""));
        var errors = Channel.CreateUnbounded<Exception>();
        var loopConfiguration = Build(Root + "/app", s =>
        {
            s.IncludeChildren = true;
            s.OnLoadException = c => errors.Writer.TryWrite(c.Exception);
        });

        await Client.SetDataAsync(Root + "/app/child", Bytes("""{"v":1,"up ->":".."}"""));
        var error = await errors.Reader.ReadAsync().AsTask().WaitAsync(Timeout);

        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
        Assert.Equal("1", loopConfiguration["child:v"]);
        Assert.Equal(ZooKeeperConfigurationStatus.Stale, ProviderOf(loopConfiguration).Status);
    }
}
