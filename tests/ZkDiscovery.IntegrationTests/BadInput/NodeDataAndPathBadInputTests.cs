using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.IntegrationTests.BadInput;

/// <summary>Bad node data, oversized writes, invalid paths, bad links and bad tree text against a real server.</summary>
[Trait("Category", "BadInput")]
public class NodeDataAndPathBadInputTests(ITestOutputHelper output) : BadInputTestBase(output)
{
    [Theory]
    [InlineData("malformed JSON", "{\"threads\": 3,", "not a JSON object")]
    [InlineData("broken JSON object", "{\"threads\" 3}", "not valid JSON")]
    [InlineData("non-UTF-8 bytes", "\u00ff\u00fe{}", "not valid UTF-8")]
    public async Task NodeData_NotAJsonObject_ReadAsStringValue_WarningNamesPath_LiveViewFollows(string caseName, string text, string expected)
    {
        var path = Root + "/svc";
        await Client.CreateAsync(path, Bytes("{\"threads\":3}"));
        await using var live = await LiveProperties.StartAsync(Other, path);
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = live.Subscribe(v =>
        {
            if (v.Properties.ContainsKey(NodePropertyNames.StringValue))
            {
                changed.TrySetResult();
            }
        });
        // "\u00ff\u00fe" stands for the raw bytes 0xFF 0xFE, which are not UTF-8.
        var data = caseName.StartsWith("non-UTF-8", StringComparison.Ordinal) ? [0xFF, 0xFE, (byte)'{', (byte)'}'] : Bytes(text);

        await Client.SetDataAsync(path, data);
        var result = await Nodes.GetPropertiesAsync(path);

        Assert.Contains(expected, result.Properties.ReadWarning, StringComparison.Ordinal);
        Assert.Equal([NodePropertyNames.StringValue], result.Properties.Keys);
        var warning = Assert.Single(Logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(path, warning.Message, StringComparison.Ordinal);
        await changed.Task.WaitAsync(Timeout);
        // Good data again: the live view follows.
        var recovered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var again = live.Subscribe(v =>
        {
            if (v.Properties.ContainsKey("threads"))
            {
                recovered.TrySetResult();
            }
        });
        await Client.SetDataAsync(path, Bytes("{\"threads\":4}"));
        await recovered.Task.WaitAsync(Timeout);
        Assert.Equal(4, live.Properties["threads"]!.GetValue<int>());
        await AssertOthersUnharmedAsync();
        Report("node data: " + caseName, "ReadWarning (logged)", warning.Message);
    }

    [Fact]
    public async Task Create_DataOverOneMebibyte_ArgumentExceptionNamesPathAndLimit_NothingCreated()
    {
        var path = Root + "/big";

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Client.CreateAsync(path, new byte[1024 * 1024 + 1]));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("jute.maxbuffer", error.Message, StringComparison.Ordinal);
        Assert.Null(await Other.ExistsAsync(path));
        Assert.Equal(ConnectionState.Connected, Client.State);
        await AssertOthersUnharmedAsync();
        Report("data over 1 MiB (create)", error);
    }

    [Fact]
    public async Task SetData_OverOneMebibyte_ArgumentException_OldDataKept()
    {
        var path = Root + "/big";
        await Client.CreateAsync(path, Bytes("{\"v\":1}"));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Client.SetDataAsync(path, new byte[1_100_000]));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal("{\"v\":1}", Text((await Other.GetDataAsync(path)).Data));
        await AssertOthersUnharmedAsync();
        Report("data over 1 MiB (setData)", error);
    }

    [Fact]
    public async Task SetProperties_OverOneMebibyte_ArgumentException_OldPropertiesKept()
    {
        var path = Root + "/props";
        await Client.CreateAsync(path, Bytes("{\"v\":1}"));

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            Nodes.SetPropertiesAsync(path, [new("blob", JsonValue.Create(new string('x', 1_100_000)))]));

        Assert.Contains("jute.maxbuffer", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await Nodes.GetPropertyAsync(path, "v"))!.GetValue<int>());
        await AssertOthersUnharmedAsync();
        Report("properties over 1 MiB (SetPropertiesAsync)", error);
    }

    [Theory]
    [InlineData("empty", "")]
    [InlineData("relative", "svc/a")]
    [InlineData("trailing slash", "{root}/a/")]
    [InlineData("double slash", "{root}//a")]
    [InlineData("dot segment", "{root}/./a")]
    [InlineData("dot-dot segment", "{root}/../a")]
    [InlineData("control character", "{root}/a\u0007b")]
    public async Task ClientOperation_InvalidPath_ArgumentExceptionNamesPath_NothingWritten(string caseName, string pathTemplate)
    {
        var path = pathTemplate.Replace("{root}", Root, StringComparison.Ordinal);
        var before = (await Client.GetChildrenAsync(Root)).Children;

        var create = await Assert.ThrowsAsync<ArgumentException>(() => Client.CreateAsync(path, Bytes("x")));
        await Assert.ThrowsAsync<ArgumentException>(() => Client.GetDataAsync(path));
        await Assert.ThrowsAsync<ArgumentException>(() => Client.SetDataAsync(path, Bytes("x")));

        Assert.Contains("Invalid ZooKeeper path", create.Message, StringComparison.Ordinal);
        Assert.Equal(before, (await Other.GetChildrenAsync(Root)).Children);
        await AssertOthersUnharmedAsync();
        Report("client path: " + caseName, create);
    }

    [Fact]
    public async Task SymbolicLinkLoop_LinkLoopExceptionNamesTheChain()
    {
        await Client.CreateAsync(Root + "/l1", Bytes($$"""{"next ->":"{{Root}}/l2/next"}"""));
        await Client.CreateAsync(Root + "/l2", Bytes($$"""{"next ->":"{{Root}}/l1/next"}"""));

        var error = await Assert.ThrowsAsync<LinkLoopException>(() => Nodes.ResolvePathAsync(Root + "/l1/next"));
        await Assert.ThrowsAsync<LinkLoopException>(() => Nodes.GetPropertiesAsync(Root + "/l1/next/x"));

        Assert.Contains(Root + "/l1/next", error.Chain);
        Assert.Contains(Root + "/l2/next", error.Chain);
        await AssertOthersUnharmedAsync();
        Report("symbolic link loop", error);
    }

    [Fact]
    public async Task DanglingSymbolicLink_NoNodeExceptionNamesTheRequestedPath()
    {
        await Client.CreateAsync(Root + "/a", Bytes($$"""{"gone ->":"{{Root}}/missing"}"""));

        var error = await Assert.ThrowsAsync<NoNodeException>(() => Nodes.GetPropertiesAsync(Root + "/a/gone"));

        Assert.Equal(Root + "/a/gone", error.Path);
        await AssertOthersUnharmedAsync();
        Report("dangling symbolic link", error);
    }

    [Fact]
    public async Task DanglingPropertyLink_BadPropertyLinkException_OtherPropertiesStillRead()
    {
        var path = Root + "/cms";
        await Client.CreateAsync(path, Bytes($$"""{"color":"red","threads =>":"{{Root}}/missing threads"}"""));

        var error = await Assert.ThrowsAsync<BadPropertyLinkException>(() => Nodes.GetPropertyAsync(path, "threads"));
        var resolved = await Nodes.GetResolvedPropertiesAsync(path);

        Assert.Equal(BadPropertyLinkReason.TargetNodeNotFound, error.Reason);
        Assert.Equal(path, error.Path);
        Assert.Equal("threads", error.PropertyName);
        Assert.Equal("red", resolved.Properties["color"]!.GetValue<string>());
        Assert.False(resolved.Properties.ContainsKey("threads"));
        Assert.Single(resolved.Errors);
        await AssertOthersUnharmedAsync();
        Report("dangling property link", error);
    }

    [Fact]
    public async Task PropertyLinkWithThreeWords_BadPropertyLinkExceptionInvalidValue()
    {
        var path = Root + "/cms";
        await Client.CreateAsync(Root + "/foo", Bytes("{\"threads\":3}"));
        await Client.CreateAsync(path, Bytes($$"""{"color":"red","threads =>":"{{Root}}/foo threads extra"}"""));

        var error = await Assert.ThrowsAsync<BadPropertyLinkException>(() => Nodes.GetPropertyAsync(path, "threads"));

        Assert.Equal(BadPropertyLinkReason.InvalidValue, error.Reason);
        Assert.Contains("threads extra", error.Value, StringComparison.Ordinal);
        Assert.Equal("red", (await Nodes.GetResolvedPropertiesAsync(path)).Properties["color"]!.GetValue<string>());
        await AssertOthersUnharmedAsync();
        Report("property link with three words", error);
    }

    [Fact]
    public async Task PropertyLinkCycle_PropertyLinkCycleExceptionNamesTheChain()
    {
        await Client.CreateAsync(Root + "/p1", Bytes($$"""{"x =>":"{{Root}}/p2 x"}"""));
        await Client.CreateAsync(Root + "/p2", Bytes($$"""{"x =>":"{{Root}}/p1 x"}"""));

        var error = await Assert.ThrowsAsync<PropertyLinkCycleException>(() => Nodes.GetPropertyAsync(Root + "/p1", "x"));

        Assert.Contains(error.Chain, c => c.StartsWith(Root + "/p2", StringComparison.Ordinal));
        await AssertOthersUnharmedAsync();
        Report("property link cycle", error);
    }

    [Fact]
    public async Task ImportBadTreeText_TreeTextExceptionListsLines_NothingImported()
    {
        const string Text = """
            /good
              x = 1
            /bad :
              y =
            """;
        var before = (await Client.GetChildrenAsync(Root)).Children;

        var error = await Assert.ThrowsAsync<TreeTextException>(() => Nodes.ImportAsync(Text, Root));

        Assert.Equal([3, 4], error.Errors.Select(e => e.LineNumber));
        Assert.Equal(before, (await Other.GetChildrenAsync(Root)).Children);
        await AssertOthersUnharmedAsync();
        Report("import of bad tree text", error);
    }
}
