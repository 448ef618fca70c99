using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.Configuration.Tests;

/// <summary>
/// <see cref="ZooKeeperConfigurationLayout.NodePerKey"/>: Spring Cloud Zookeeper Config's one-node-per-key layout, the tree
/// written by real Apache Curator as Spring's documentation shows (<c>create().creatingParentsIfNeeded()</c>).
/// </summary>
public sealed class NodePerKeyLayoutTests : ConfigurationTestBase
{
    [Fact]
    public async Task NodePerKey_TreeWrittenWithCurator_KeysFromPathsAndSharedApplicationUnderneath()
    {
        var app = Root + "/config/fooservice";
        var shared = Root + "/config/application";
        await CuratorPeer.PutAsync(
            ConnectionString,
            (app + "/server/port", "8080"),
            (app + "/spring.datasource.url", "jdbc:postgresql://db/foo"),
            (app + "/logging", "on"),
            (app + "/logging/level", "debug"),
            (app + "/greeting", "héllo wörld"),
            (shared + "/server/port", "9999"),
            (shared + "/shared/key", "from-application"));

        var configuration = Build(app, s =>
        {
            s.Layout = ZooKeeperConfigurationLayout.NodePerKey;
            s.SharedPath = shared;
        });

        Assert.Equal("8080", configuration["server:port"]);
        Assert.Equal("jdbc:postgresql://db/foo", configuration["spring:datasource:url"]);
        Assert.Equal("on", configuration["logging"]);
        Assert.Equal("debug", configuration["logging:level"]);
        Assert.Equal("héllo wörld", configuration["greeting"]);
        Assert.Equal("from-application", configuration["shared:key"]);
        Assert.Equal(8080, configuration.GetSection("server").GetValue<int>("port"));
        // Curator's creatingParentsIfNeeded leaves the parents empty: they are sections, not keys.
        Assert.Null(configuration["server"]);
        Assert.Null(configuration["spring"]);
        Assert.Equal(ZooKeeperConfigurationStatus.Current, ProviderOf(configuration).Status);
        var keys = Assert.Single(configuration.GetZooKeeperConfigurationReports()).Keys.ToDictionary(static k => k.Key);
        Assert.Equal(app + "/server/port", keys["server:port"].NodePath);
        Assert.Equal(app + "/spring.datasource.url", keys["spring:datasource:url"].NodePath);
        Assert.Equal(shared + "/shared/key", keys["shared:key"].NodePath);
        Assert.Empty(keys["server:port"].Links);
    }

    [Fact]
    public async Task NodePerKey_ChangesAddsDeletesAndSharedChanges_ReloadOncePerChange()
    {
        var app = Root + "/config/fooservice";
        var shared = Root + "/config/application";
        await Client.EnsurePathAsync(app + "/server");
        await Client.CreateAsync(app + "/server/port", Bytes("8080"));
        var configuration = Build(app, s =>
        {
            s.Layout = ZooKeeperConfigurationLayout.NodePerKey;
            s.SharedPath = shared; // Missing at start: no keys, watched.
            s.ReloadDelay = TimeSpan.Zero;
        });
        using var recorder = new ReloadRecorder(configuration);
        Assert.Equal("8080", configuration["server:port"]);

        await Client.SetDataAsync(app + "/server/port", Bytes("8081"));
        Assert.Equal("8081", (await recorder.NextAsync())["server:port"]);

        await Client.CreateAsync(app + "/server/address", Bytes("0.0.0.0"));
        Assert.Equal("0.0.0.0", (await recorder.NextAsync())["server:address"]);

        await Client.DeleteAsync(app + "/server/address");
        Assert.False((await recorder.NextAsync()).ContainsKey("server:address"));

        await Client.EnsurePathAsync(shared);
        await Client.CreateAsync(shared + "/timeout", Bytes("30"));
        var withShared = await WaitForAsync(recorder, d => d.ContainsKey("timeout"));
        Assert.Equal("30", withShared["timeout"]);
        Assert.Equal("8081", withShared["server:port"]);
    }

    [Fact]
    public async Task NodePerKey_BadData_KeepsLastGoodData_ThenRecovers()
    {
        var app = Root + "/config/fooservice";
        await Client.EnsurePathAsync(app);
        await Client.CreateAsync(app + "/name", Bytes("foo"));
        var errors = Channel.CreateUnbounded<ZooKeeperLoadExceptionContext>();
        var configuration = Build(app, s =>
        {
            s.Layout = ZooKeeperConfigurationLayout.NodePerKey;
            s.OnLoadException = c => errors.Writer.TryWrite(c);
        });
        var provider = ProviderOf(configuration);
        using var recorder = new ReloadRecorder(configuration);

        await Client.SetDataAsync(app + "/name", new byte[] { 0xC3, 0x28 }); // Not UTF-8.
        var error = await errors.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.IsType<InvalidDataException>(error.Exception);
        Assert.Contains(app + "/name is not UTF-8 text", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(ZooKeeperConfigurationStatus.Stale, provider.Status);
        Assert.Equal("foo", configuration["name"]);

        // Two nodes for one key ("a.b" and "a/b") are bad data too.
        await Client.SetDataAsync(app + "/name", Bytes("bar"));
        Assert.Equal("bar", (await recorder.NextAsync())["name"]);
        await Client.CreateAsync(app + "/a.b", Bytes("1"));
        await Client.CreateAsync(app + "/a", Array.Empty<byte>());
        await Client.CreateAsync(app + "/a/b", Bytes("2"));
        var duplicate = await WaitForErrorAsync(errors, "another node already gives");
        Assert.Contains("'a:b'", duplicate.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("bar", configuration["name"]);
    }

    [Fact]
    public async Task NodePerKey_OptionalMissingPath_StartsEmpty_LoadsWhenCreated()
    {
        var app = Root + "/config/later";
        var configuration = Build(app, s =>
        {
            s.Layout = ZooKeeperConfigurationLayout.NodePerKey;
            s.Optional = true;
            s.StartupTimeout = TimeSpan.FromSeconds(1);
        });
        using var recorder = new ReloadRecorder(configuration);
        Assert.DoesNotContain(configuration.AsEnumerable(), static p => p.Value is not null);

        await CuratorPeer.PutAsync(ConnectionString, (app + "/feature/enabled", "true"));
        var loaded = await WaitForAsync(recorder, d => d.ContainsKey("feature:enabled"));
        Assert.Equal("true", loaded["feature:enabled"]);
    }

    [Fact]
    public async Task NodePerKey_PathThroughSymbolicLink_ReadsTheTarget()
    {
        var target = Root + "/config/fooservice-v2";
        await Client.EnsurePathAsync(target);
        await Client.CreateAsync(target + "/color", Bytes("blue"));
        await Client.CreateAsync(Root + "/current", Bytes($$"""{"fooservice ->":"{{target}}"}"""));

        var configuration = Build(Root + "/current/fooservice", s => s.Layout = ZooKeeperConfigurationLayout.NodePerKey);

        Assert.Equal("blue", configuration["color"]);
        var source = Assert.Single(Assert.Single(configuration.GetZooKeeperConfigurationReports()).Keys);
        Assert.Equal(target + "/color", source.NodePath);
        Assert.Equal([$"{Root}/current/fooservice -> {target}"], source.Links);
    }

    [Fact]
    public void SharedPath_WithPropertiesLayout_ArgumentErrorNamesTheSetting()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ConfigurationBuilder()
            .AddZooKeeper("/config/fooservice", s =>
            {
                s.ConnectionString = "127.0.0.1:1";
                s.SharedPath = "/config/application";
            })
            .Build());
        Assert.Equal("SharedPath", ex.ParamName);
    }

    private static async Task<Dictionary<string, string?>> WaitForAsync(ReloadRecorder recorder, Func<Dictionary<string, string?>, bool> predicate)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var data = await recorder.NextAsync(Timeout);
            if (predicate(data))
            {
                return data;
            }
            cts.Token.ThrowIfCancellationRequested();
        }
    }

    private static async Task<ZooKeeperLoadExceptionContext> WaitForErrorAsync(Channel<ZooKeeperLoadExceptionContext> errors, string text)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var error = await errors.Reader.ReadAsync(cts.Token);
            if (error.Exception.Message.Contains(text, StringComparison.Ordinal))
            {
                return error;
            }
        }
    }
}
