using System.Diagnostics;
using ZkDiscovery.IntegrationTests.Chaos;
using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Client;

/// <summary>Client spans as an app using OpenTelemetry sees them, against the shared real server.</summary>
public sealed class TracingTests : ClientTestBase, IDisposable
{
    private readonly TraceCapture _traces = new();

    public void Dispose() => _traces.Dispose();

    private static object? Tag(Activity activity, string name) => activity.GetTagItem(name);

    [Fact]
    public async Task GetData_WithListener_IsOneClientSpanWithPathServerAndSession()
    {
        await Client.CreateAsync(Root + "/a", Bytes("x"));
        var (host, port) = ParseServer(ConnectionString);

        using (var test = TraceCapture.StartTest())
        {
            await Client.GetDataAsync(Root + "/a");
            // Exported when the call returns: the span ends before the caller's continuation runs.
            var span = Assert.Single(_traces.InTrace(test));

            Assert.Equal("get_data", span.DisplayName);
            Assert.Equal(ActivityKind.Client, span.Kind);
            Assert.Equal(ZooKeeperTelemetry.ActivitySourceName, span.Source.Name);
            Assert.False(string.IsNullOrEmpty(span.Source.Version));
            Assert.Equal(test.SpanId, span.ParentSpanId);
            Assert.Equal("get_data", Tag(span, "zookeeper.operation"));
            Assert.Equal(Root + "/a", Tag(span, "zookeeper.path"));
            Assert.Equal(host, Tag(span, "server.address"));
            Assert.Equal(port, Tag(span, "server.port"));
            Assert.Equal($"0x{Client.SessionId:x}", Tag(span, "zookeeper.session.id"));
            Assert.Equal(ActivityStatusCode.Unset, span.Status);
            Assert.Null(Tag(span, "error.type"));
            Assert.True(span.Duration > TimeSpan.Zero);
            // The caller's ambient activity is untouched by the request's span.
            Assert.Same(test, Activity.Current);
        }
    }

    [Fact]
    public async Task FailedRequest_SpanHasStatusErrorAndTheErrorCodeAsErrorType()
    {
        using var test = TraceCapture.StartTest();

        await Assert.ThrowsAsync<NoNodeException>(() => Client.GetDataAsync(Root + "/missing"));
        await Assert.ThrowsAsync<NodeExistsException>(() => Client.CreateAsync(Root));
        // Exists on a missing node answers null: not a failure.
        Assert.Null(await Client.ExistsAsync(Root + "/missing"));

        var spans = _traces.InTrace(test);
        var read = Assert.Single(spans, s => s.DisplayName == "get_data");
        Assert.Equal(ActivityStatusCode.Error, read.Status);
        Assert.Equal("NoNode", Tag(read, "error.type"));
        Assert.Equal(Root + "/missing", Tag(read, "zookeeper.path"));
        var create = Assert.Single(spans, s => s.DisplayName == "create");
        Assert.Equal("NodeExists", Tag(create, "error.type"));
        var exists = Assert.Single(spans, s => s.DisplayName == "exists");
        Assert.Equal(ActivityStatusCode.Unset, exists.Status);
        Assert.Null(Tag(exists, "error.type"));
    }

    [Fact]
    public async Task PipelinedRequests_EachHaveTheirOwnSpan_CoveringIssueToReply()
    {
        const int count = 8;
        for (var i = 0; i < count; i++)
        {
            await Client.CreateAsync($"{Root}/n{i}", Bytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        using var test = TraceCapture.StartTest();
        var issued = DateTime.UtcNow;

        // All in flight at once on the one connection, replies matched in order.
        var reads = Enumerable.Range(0, count).Select(i => Client.GetDataAsync($"{Root}/n{i}")).ToArray();
        await Task.WhenAll(reads);
        var answered = DateTime.UtcNow;

        var spans = _traces.InTrace(test).Where(s => s.DisplayName == "get_data").ToList();
        Assert.Equal(count, spans.Count);
        Assert.Equal(count, spans.Select(s => s.SpanId).Distinct().Count());
        Assert.Equal(
            Enumerable.Range(0, count).Select(i => $"{Root}/n{i}").Order(StringComparer.Ordinal),
            spans.Select(s => (string)Tag(s, "zookeeper.path")!).Order(StringComparer.Ordinal));
        Assert.All(spans, s =>
        {
            // Siblings under the caller's span, not nested in one another.
            Assert.Equal(test.SpanId, s.ParentSpanId);
            Assert.InRange(s.StartTimeUtc, issued.AddMilliseconds(-1), answered);
            Assert.InRange(s.StartTimeUtc + s.Duration, issued, answered.AddMilliseconds(1));
        });
    }

    [Fact]
    public async Task ReadRetriedAfterConnectionLoss_IsOneSpanPerAttempt_UnderTheCallersActivity()
    {
        await Client.CreateAsync(Root + "/r", Bytes("x"));
        await using var proxy = PartitionProxy.Start([(await SharedZooKeeper.GetAsync()).Port]);
        var client = await ConnectAsync(connectionString: proxy.ConnectionString);
        // The first getData of the node never reaches the server: the proxy closes the connection instead.
        var cut = proxy.CutOn(r => r.OpCode == ProxiedRequest.GetData && r.Path == Root + "/r", RequestCut.DropRequest);

        using var test = TraceCapture.StartTest();
        Assert.Equal(Bytes("x"), (await client.GetDataAsync(Root + "/r")).Data);
        await cut.Done.WaitAsync(Timeout);

        var attempts = _traces.InTrace(test).Where(s => s.DisplayName == "get_data").OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, s => Assert.Equal(test.SpanId, s.ParentSpanId));
        Assert.Equal(ActivityStatusCode.Error, attempts[0].Status);
        Assert.Equal("ConnectionLoss", Tag(attempts[0], "error.type"));
        Assert.Equal(ActivityStatusCode.Unset, attempts[1].Status);
        Assert.Equal(Root + "/r", Tag(attempts[1], "zookeeper.path"));
        Assert.Equal($"0x{client.SessionId:x}", Tag(attempts[1], "zookeeper.session.id"));
    }

    [Fact]
    public async Task WatchCallback_DoesNotRunUnderTheActivityOfTheCodeThatSetTheWatch()
    {
        var seen = new TaskCompletionSource<Activity?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (TraceCapture.StartTest())
        {
            Assert.Null(await Client.ExistsAsync(Root + "/w", _ => seen.TrySetResult(Activity.Current)));
        }

        await Client.CreateAsync(Root + "/w");

        Assert.Null(await seen.Task.WaitAsync(Timeout));
    }

    [Fact]
    public async Task StateChangedHandler_DoesNotRunUnderTheActivityOfTheCodeThatCreatedTheClient()
    {
        ZooKeeperClient client;
        using (TraceCapture.StartTest())
        {
            client = await ConnectAsync();
        }
        var seen = new TaskCompletionSource<Activity?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += (_, e) =>
        {
            if (e.State == ConnectionState.Suspended)
            {
                seen.TrySetResult(Activity.Current);
            }
        };

        client.DropConnection();

        Assert.Null(await seen.Task.WaitAsync(Timeout));
    }

    private static (string Host, int Port) ParseServer(string connectionString)
    {
        var host = ZooKeeperConnectionString.Parse(connectionString).Hosts[0];
        return (host.Host, host.Port);
    }
}
