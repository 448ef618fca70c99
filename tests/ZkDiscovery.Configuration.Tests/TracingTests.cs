using System.Diagnostics;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.Configuration.Tests;

/// <summary>The provider's load and reload spans, against the shared real server.</summary>
public sealed class TracingTests : ConfigurationTestBase, IDisposable
{
    private readonly TraceCapture _traces = new();

    public void Dispose() => _traces.Dispose();

    [Fact]
    public async Task LoadAndReload_AreSpansWithPathNodesKeysAndKeysChanged()
    {
        var path = Root + "/app";
        await Client.CreateAsync(path, Bytes("""{"name":"app","a":1}"""));
        await Client.CreateAsync(path + "/limits", Bytes("""{"max":10}"""));

        Microsoft.Extensions.Configuration.IConfigurationRoot configuration;
        using (var test = TraceCapture.StartTest())
        {
            configuration = Build(path, s => s.IncludeChildren = true);

            // Load() returned: the first load's span has ended, as a child of the code that built the configuration.
            var load = Assert.Single(_traces.InTrace(test), s => s.DisplayName == "zookeeper.configuration.load");
            Assert.Equal(ZooKeeperTelemetry.ConfigurationActivitySourceName, load.Source.Name);
            Assert.Equal(ActivityKind.Internal, load.Kind);
            Assert.Equal(path, load.GetTagItem("zookeeper.configuration.path"));
            Assert.Equal(2, load.GetTagItem("zookeeper.configuration.nodes"));
            Assert.Equal(3, load.GetTagItem("zookeeper.configuration.keys"));
            Assert.Equal(3, load.GetTagItem("zookeeper.configuration.keys_changed"));
            Assert.Equal("loaded", load.GetTagItem("zookeeper.configuration.result"));
            Assert.Equal(ActivityStatusCode.Unset, load.Status);
            // Its reads are client spans under it.
            Assert.Contains(_traces.InTrace(test), s => s.DisplayName == "get_data" && s.ParentSpanId == load.SpanId && (string?)s.GetTagItem("zookeeper.path") == path);
        }
        using var recorder = new ReloadRecorder(configuration);

        await Client.SetDataAsync(path, Bytes("""{"name":"app","a":2,"b":true}"""));
        Assert.Equal("2", (await recorder.NextAsync())["a"]);

        var reload = await _traces.WaitForAsync(
            s => s.DisplayName == "zookeeper.configuration.reload" && (string?)s.GetTagItem("zookeeper.configuration.path") == path && s.GetTagItem("zookeeper.configuration.keys_changed") is 2,
            Timeout);
        Assert.Equal(ActivityKind.Internal, reload.Kind);
        Assert.Equal(2, reload.GetTagItem("zookeeper.configuration.nodes"));
        Assert.Equal(4, reload.GetTagItem("zookeeper.configuration.keys"));
        Assert.Equal("loaded", reload.GetTagItem("zookeeper.configuration.result"));
        Assert.Equal(ActivityStatusCode.Unset, reload.Status);
        // Started by the provider's loop after a watch fired: a trace of its own.
        Assert.Equal(default, reload.ParentSpanId);
    }

    [Fact]
    public async Task NodePerKeyLayout_LoadSpanCountsTheNodesRead()
    {
        var app = Root + "/config/fooservice";
        await Client.EnsurePathAsync(app + "/server");
        await Client.CreateAsync(app + "/server/port", Bytes("8080"));
        await Client.CreateAsync(app + "/name", Bytes("foo"));

        using var test = TraceCapture.StartTest();
        var configuration = Build(app, s => s.Layout = ZooKeeperConfigurationLayout.NodePerKey);

        Assert.Equal("8080", configuration["server:port"]);
        var load = Assert.Single(_traces.InTrace(test), s => s.DisplayName == "zookeeper.configuration.load");
        Assert.Equal(app, load.GetTagItem("zookeeper.configuration.path"));
        // The context, server, server/port and name: every node whose data the pass read.
        Assert.Equal(4, load.GetTagItem("zookeeper.configuration.nodes"));
        Assert.Equal(2, load.GetTagItem("zookeeper.configuration.keys"));
        Assert.Equal(2, load.GetTagItem("zookeeper.configuration.keys_changed"));
    }

    [Fact]
    public async Task Reload_OfUnusableData_IsAFailedSpan_AndTheLastGoodDataStays()
    {
        var path = Root + "/bad";
        await Client.CreateAsync(path, Bytes("""{"threads":1}"""));
        var configuration = Build(path);

        await Client.SetDataAsync(path, Bytes("not json"));

        var reload = await _traces.WaitForAsync(
            s => s.DisplayName == "zookeeper.configuration.reload" && (string?)s.GetTagItem("zookeeper.configuration.path") == path && s.Status == ActivityStatusCode.Error,
            Timeout);
        Assert.Equal("System.IO.InvalidDataException", reload.GetTagItem("error.type"));
        Assert.Equal("failed", reload.GetTagItem("zookeeper.configuration.result"));
        Assert.Equal("1", configuration["threads"]);
    }
}
