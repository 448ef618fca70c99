using System.Text.Json.Nodes;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Tests.Nodes;

public class NodeLinksResolverTests
{
    private const string Tree = """
        /a
          /b
            l -> c
            l2 -> ../c
            up -> ../../..
            gone -> /nowhere
            /c
              x = 1
          /c
            y = 2
        /lb
          /pools
            /cms
              providers -> /cms/providers
        /m
          p -> /lb/pools
        /s
          c -> /a
          /c
        /loop
          x -> y
          y -> x
          self -> self/child
        /alias
          svc -> /fooservice
          c -> /cms
        /cms : z4m cms
          threads => /fooservice threads
          relative => ../fooservice threads
          renamed => /fooservice count
          chained => /mid
          throughlink => /alias/svc threads
          own = 'real'
          own => /fooservice threads
          missingnode => /nowhere
          missingprop => /fooservice nope
          /providers
            /1.2.3.4:5
        /mid
          chained => /fooservice threads
        /fooservice
          threads = 3
          count = 7
        /cyc
          a => . b
          b => . a
        /p1
          v => /p2
        /p2
          v => /p1
        """;

    private readonly InMemoryTree _tree = new(Tree);

    private ValueTask<string> Resolve(string path) => NodeLinks.ResolvePathAsync(path, _tree.GetPropertiesAsync);

    private ValueTask<JsonNode?> Get(string path, string name) => NodeLinks.GetPropertyAsync(path, name, _tree.GetPropertiesAsync);

    [Theory]
    [InlineData("/a/b", "/a/b")]
    [InlineData("/a/b/l", "/a/b/c")]
    [InlineData("/a/b/l2", "/a/c")]
    [InlineData("/a/b/./l/../l2", "/a/c")]
    [InlineData("/lb/pools/cms/providers", "/cms/providers")]
    [InlineData("/lb/pools/cms/providers/1.2.3.4:5", "/cms/providers/1.2.3.4:5")]
    [InlineData("/m/p/cms/providers/1.2.3.4:5", "/cms/providers/1.2.3.4:5")]
    [InlineData("/alias/c/providers", "/cms/providers")]
    [InlineData("/", "/")]
    public async Task ResolvePathAsync_Links_RealPath(string path, string expected)
    {
        Assert.Equal(expected, await Resolve(path));
    }

    [Fact]
    public async Task ResolvePathAsync_RealChildAndLinkOfSameName_RealChildShadowsLink()
    {
        Assert.Equal("/s/c", await Resolve("/s/c"));
    }

    [Theory]
    [InlineData("/a/b/nothing")]
    [InlineData("/a/b/gone")]
    [InlineData("/a/b/gone/deeper")]
    [InlineData("/nowhere/x")]
    public async Task ResolvePathAsync_Missing_NoNodeForOriginalPath(string path)
    {
        var ex = await Assert.ThrowsAsync<NoNodeException>(() => Resolve(path).AsTask());

        Assert.Equal(path, ex.Path);
    }

    [Fact]
    public async Task ResolvePathAsync_LinkLoop_ThrowsNamingChain()
    {
        var ex = await Assert.ThrowsAsync<LinkLoopException>(() => Resolve("/loop/x").AsTask());

        Assert.Equal(["/loop/x", "/loop/y", "/loop/x"], ex.Chain);
        Assert.Contains("/loop/x -> /loop/y -> /loop/x", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolvePathAsync_LinkIntoItself_ThrowsLoop()
    {
        var ex = await Assert.ThrowsAsync<LinkLoopException>(() => Resolve("/loop/self").AsTask());

        Assert.Equal(["/loop/self", "/loop/self"], ex.Chain);
    }

    [Fact]
    public async Task ResolvePathAsync_TargetAboveRoot_ThrowsInvalidTarget()
    {
        var ex = await Assert.ThrowsAsync<InvalidLinkTargetException>(() => Resolve("/a/b/up").AsTask());

        Assert.Equal("/a/b", ex.Path);
        Assert.Equal("up ->", ex.LinkName);
        Assert.Equal("../../..", ex.Target);
    }

    [Fact]
    public async Task ResolvePathAsync_PathAboveRoot_ThrowsArgument()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Resolve("/a/../..").AsTask());
    }

    [Fact]
    public async Task ResolvePathAsync_Cancelled_Throws()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => NodeLinks.ResolvePathAsync("/a", _tree.GetPropertiesAsync, cts.Token).AsTask());
    }

    [Fact]
    public async Task ResolvePathAsync_ExistingNode_OneRead()
    {
        await Resolve("/a/b/c");

        Assert.Equal(["/a/b/c"], _tree.Reads);
    }

    [Theory]
    [InlineData("/cms", "threads", 3)]
    [InlineData("/cms", "relative", 3)]
    [InlineData("/cms", "renamed", 7)]
    [InlineData("/cms", "chained", 3)]
    [InlineData("/cms", "throughlink", 3)]
    [InlineData("/alias/c", "relative", 3)]
    [InlineData("/fooservice", "threads", 3)]
    public async Task GetPropertyAsync_PropertyLinks_TargetValue(string path, string name, int expected)
    {
        Assert.Equal(expected, (await Get(path, name))!.GetValue<int>());
    }

    [Fact]
    public async Task GetPropertyAsync_RealPropertyAndLink_RealPropertyWins()
    {
        Assert.Equal("real", (await Get("/cms", "own"))!.GetValue<string>());
    }

    [Fact]
    public async Task GetPropertyAsync_MissingTargetNode_BadLinkNamingIt()
    {
        var ex = await Assert.ThrowsAsync<BadPropertyLinkException>(() => Get("/cms", "missingnode").AsTask());

        Assert.Equal(BadPropertyLinkReason.TargetNodeNotFound, ex.Reason);
        Assert.Equal("/cms", ex.Path);
        Assert.Equal("missingnode", ex.PropertyName);
        Assert.Equal("/nowhere", ex.Value);
        Assert.Contains("missingnode =>", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPropertyAsync_MissingTargetProperty_BadLink()
    {
        var ex = await Assert.ThrowsAsync<BadPropertyLinkException>(() => Get("/cms", "missingprop").AsTask());

        Assert.Equal(BadPropertyLinkReason.TargetPropertyNotFound, ex.Reason);
        Assert.Contains("nope", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPropertyAsync_ThreeWordValue_BadLink()
    {
        _tree.Set("/three", ("threads =>", "/fooservice threads extra"));

        var ex = await Assert.ThrowsAsync<BadPropertyLinkException>(() => Get("/three", "threads").AsTask());

        Assert.Equal(BadPropertyLinkReason.InvalidValue, ex.Reason);
        Assert.Equal("/three", ex.Path);
    }

    [Fact]
    public async Task GetPropertyAsync_CycleOnOneNode_ThrowsNamingChain()
    {
        var ex = await Assert.ThrowsAsync<PropertyLinkCycleException>(() => Get("/cyc", "a").AsTask());

        Assert.Equal(["/cyc a", "/cyc b", "/cyc a"], ex.Chain);
    }

    [Fact]
    public async Task GetPropertyAsync_CycleAcrossNodes_ThrowsNamingChain()
    {
        var ex = await Assert.ThrowsAsync<PropertyLinkCycleException>(() => Get("/p1", "v").AsTask());

        Assert.Equal(["/p1 v", "/p2 v", "/p1 v"], ex.Chain);
        Assert.Contains("/p1 v => /p2 v => /p1 v", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPropertyAsync_NoSuchProperty_KeyNotFound()
    {
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Get("/cms", "absent").AsTask());
    }

    [Fact]
    public async Task GetPropertyAsync_NoSuchNode_NoNode()
    {
        await Assert.ThrowsAsync<NoNodeException>(() => Get("/nowhere", "x").AsTask());
    }

    [Fact]
    public async Task GetPropertyAsync_LinkTargetThroughSymbolicLoop_BadLinkWithInnerLoop()
    {
        _tree.Set("/toloop", ("v =>", "/loop/x v"));

        var ex = await Assert.ThrowsAsync<BadPropertyLinkException>(() => Get("/toloop", "v").AsTask());

        Assert.Equal(BadPropertyLinkReason.TargetNodeNotFound, ex.Reason);
        Assert.IsType<LinkLoopException>(ex.InnerException);
    }

    [Fact]
    public async Task GetPropertyAsync_NonStringLinkValue_BadLink()
    {
        var tree = new Dictionary<string, IReadOnlyDictionary<string, JsonNode?>>
        {
            ["/"] = NodeProperties.Empty,
            ["/n"] = new NodeProperties([new("v =>", 42)]),
        };

        var ex = await Assert.ThrowsAsync<BadPropertyLinkException>(() => NodeLinks.GetPropertyAsync("/n", "v",
            (p, _) => ValueTask.FromResult(tree.GetValueOrDefault(p))).AsTask());

        Assert.Equal("42", ex.Value);
        Assert.Equal(BadPropertyLinkReason.InvalidValue, ex.Reason);
    }

    [Fact]
    public async Task ResolvePropertiesAsync_Node_VisiblePropertiesErrorsAndLinkedPaths()
    {
        var result = await NodeLinks.ResolvePropertiesAsync("/alias/c", _tree.GetPropertiesAsync);

        Assert.Equal("/alias/c", result.Path);
        Assert.Equal("/cms", result.RealPath);
        Assert.Equal(["type", "own", "threads", "relative", "renamed", "chained", "throughlink"], result.Properties.Keys);
        Assert.Equal(7, result.Properties["renamed"]!.GetValue<int>());
        Assert.Equal("real", result.Properties["own"]!.GetValue<string>());
        Assert.Equal(2, result.Errors.Count);
        Assert.Contains(result.Errors, e => e is BadPropertyLinkException { PropertyName: "missingnode" });
        Assert.Contains(result.Errors, e => e is BadPropertyLinkException { PropertyName: "missingprop" });
        Assert.Equal(["/fooservice", "/mid"], result.LinkedPaths);
        Assert.True(result.Stored.ContainsKey("threads =>"));
    }

    [Fact]
    public async Task ResolvePropertiesAsync_SymbolicLinks_Excluded()
    {
        var result = await NodeLinks.ResolvePropertiesAsync("/a/b", _tree.GetPropertiesAsync);

        Assert.Empty(result.Properties);
        Assert.Empty(result.Errors);
        Assert.Equal(4, result.Stored.Count);
    }

    [Fact]
    public async Task ResolvePropertiesAsync_Cycle_ReportedAsError()
    {
        var result = await NodeLinks.ResolvePropertiesAsync("/cyc", _tree.GetPropertiesAsync);

        Assert.Empty(result.Properties);
        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.IsType<PropertyLinkCycleException>(e));
    }
}
