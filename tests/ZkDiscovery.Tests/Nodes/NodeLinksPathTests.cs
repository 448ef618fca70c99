using ZkDiscovery.Nodes;

namespace ZkDiscovery.Tests.Nodes;

public class NodeLinksPathTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/a/b", "/a/b")]
    [InlineData("/a/./b", "/a/b")]
    [InlineData("/a/b/..", "/a")]
    [InlineData("/a/b/../../c", "/c")]
    [InlineData("/a/../..x", "/..x")]
    [InlineData("/a//b/", "/a/b")]
    [InlineData("/.", "/")]
    [InlineData("/a/..", "/")]
    public void NormalizePath_DotSegments_Normalized(string path, string expected)
    {
        Assert.Equal(expected, NodeLinks.NormalizePath(path));
    }

    [Theory]
    [InlineData("/..")]
    [InlineData("/a/../..")]
    [InlineData("relative")]
    [InlineData("")]
    public void NormalizePath_AboveRootOrRelative_Throws(string path)
    {
        Assert.Throws<ArgumentException>(() => NodeLinks.NormalizePath(path));
    }

    [Theory]
    [InlineData("/a/b", "c", "/a/b/c")]
    [InlineData("/a/b", "../c", "/a/c")]
    [InlineData("/a/b", "./c/../d", "/a/b/d")]
    [InlineData("/a/b", "/x/./y", "/x/y")]
    [InlineData("/", "c", "/c")]
    [InlineData("/a", "..", "/")]
    public void ResolveTarget_RelativeAndAbsolute_Resolved(string parent, string target, string expected)
    {
        Assert.Equal(expected, NodeLinks.ResolveTarget(parent, target));
    }

    [Theory]
    [InlineData("/a", "../..")]
    [InlineData("/", "..")]
    [InlineData("/a", "")]
    public void ResolveTarget_AboveRootOrEmpty_Throws(string parent, string target)
    {
        Assert.Throws<ArgumentException>(() => NodeLinks.ResolveTarget(parent, target));
    }

    [Fact]
    public void ParsePropertyLink_PathOnly_DefaultsToSameName()
    {
        var target = NodeLinks.ParsePropertyLink("/cms", "threads", "/fooservice");

        Assert.Equal(new PropertyLinkTarget("/fooservice", "threads"), target);
    }

    [Fact]
    public void ParsePropertyLink_PathAndProperty_Both()
    {
        var target = NodeLinks.ParsePropertyLink("/cms", "threads", "  /fooservice \t count ");

        Assert.Equal(new PropertyLinkTarget("/fooservice", "count"), target);
    }

    [Fact]
    public void ParsePropertyLink_RelativePath_RelativeToNode()
    {
        Assert.Equal("/cms/sub", NodeLinks.ParsePropertyLink("/cms", "t", "sub").Path);
        Assert.Equal("/other", NodeLinks.ParsePropertyLink("/cms", "t", "../other x").Path);
        Assert.Equal("/cms", NodeLinks.ParsePropertyLink("/cms", "t", ". x").Path);
    }

    [Fact]
    public void ParsePropertyLink_ThreeWords_BadLinkNamingIt()
    {
        var ex = Assert.Throws<BadPropertyLinkException>(() => NodeLinks.ParsePropertyLink("/cms", "threads", "/fooservice threads extra"));

        Assert.Equal(BadPropertyLinkReason.InvalidValue, ex.Reason);
        Assert.Equal("/cms", ex.Path);
        Assert.Equal("threads", ex.PropertyName);
        Assert.Equal("/fooservice threads extra", ex.Value);
        Assert.Contains("threads =>", ex.Message, StringComparison.Ordinal);
        Assert.Contains("3 words", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("../../x")]
    public void ParsePropertyLink_EmptyOrAboveRoot_BadLink(string value)
    {
        var ex = Assert.Throws<BadPropertyLinkException>(() => NodeLinks.ParsePropertyLink("/cms", "t", value));

        Assert.Equal(BadPropertyLinkReason.InvalidValue, ex.Reason);
    }

    [Fact]
    public void CreateSymbolicLink_Target_PropertyOnSourceParent()
    {
        var link = NodeLinks.CreateSymbolicLink("/cms/providers", "/lb/pools/cms/providers");

        Assert.Equal(new SymbolicLinkDefinition("/lb/pools/cms", "providers ->", "/cms/providers"), link);
    }

    [Fact]
    public void CreateSymbolicLink_TargetEndingWithSlash_AppendsName()
    {
        var link = NodeLinks.CreateSymbolicLink("/cms/", "/lb/providers");

        Assert.Equal(new SymbolicLinkDefinition("/lb", "providers ->", "/cms/providers"), link);
    }

    [Fact]
    public void CreateSymbolicLink_TopLevelSource_ParentIsRoot()
    {
        Assert.Equal("/", NodeLinks.CreateSymbolicLink("x", "/l").ParentPath);
    }

    [Theory]
    [InlineData("/x", "/")]
    [InlineData("/x", "rel")]
    [InlineData("", "/a")]
    public void CreateSymbolicLink_InvalidArguments_Throws(string target, string source)
    {
        Assert.Throws<ArgumentException>(() => NodeLinks.CreateSymbolicLink(target, source));
    }
}
