using System.Text;
using System.Text.Json.Nodes;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Tests.Nodes;

public class TreeTextFormatTests
{
    private const string ExpectedDocExport = """
        /cms : z4m cms
          threads => /fooservice threads
          /databases
            /main
              /providers
          /providers
        /lb : ipvs
          /pools
            /cms
              address = "1.2.3.4:80"
              providers -> /cms/providers

        """;

    [Fact]
    public void Format_DocumentationExample_SortedTwoSpaceText()
    {
        var text = TreeText.Format(TreeText.Parse(TreeTextParseTests.DocExample));

        Assert.Equal(ExpectedDocExport.ReplaceLineEndings("\n"), text);
    }

    [Fact]
    public void Format_NodeOrderWithinNode_PropertiesThenPropertyLinksThenLinksThenChildren()
    {
        var node = new TreeNode("n") { Type = "t" };
        node.Children.Add(new TreeNode("b"));
        node.Children.Add(new TreeNode("a"));
        node.SymbolicLinks.Add(new TreeLink("z", "/z"));
        node.SymbolicLinks.Add(new TreeLink("y", "../y"));
        node.PropertyLinks.Add(new TreeLink("q", "/q"));
        node.PropertyLinks.Add(new TreeLink("p", "/p other"));
        node.Properties.Add(new TreeProperty("m", JsonNode.Parse("""{"k":[1,2],"s":"v"}""")));
        node.Properties.Add(new TreeProperty("b", JsonValue.Create(true)));
        node.Properties.Add(new TreeProperty("n", null));

        var text = TreeText.FormatNode(node);

        Assert.Equal(
            "/n : t\n  b = true\n  m = {\"k\":[1,2],\"s\":\"v\"}\n  n = null\n  p => /p other\n  q => /q\n  y -> ../y\n  z -> /z\n  /a\n  /b\n",
            text);
    }

    [Fact]
    public void FormatNode_Name_RenamesTopNode()
    {
        var node = new TreeNode("old");
        node.Children.Add(new TreeNode("child"));

        Assert.Equal("/new\n  /child\n", TreeText.FormatNode(node, "new"));
    }

    [Fact]
    public void Format_EmptyRoot_EmptyText()
    {
        Assert.Equal(string.Empty, TreeText.Format(new TreeNode(string.Empty)));
    }

    [Fact]
    public void Format_ThenParseThenFormat_Identical()
    {
        const string Text = """
            /z : some type
              unicode = 'café ☕ \U0001F600'
              nested = {u'list': [1, 2.5, -3e-2, True, None, (4, 5)], 'obj': {'x': 'y'}}
              quotes = "it's \"quoted\" \\ back"
              control = '\x00\t\n'
              big = 123456789012345678901234567890
              t => ../other count
              l -> /x/y
              /child:with:colons
                /1.2.3.4:80
                  pid = 1234
            /a
              string_value = 'raw'
            """;

        var first = TreeText.Format(TreeText.Parse(Text));
        var second = TreeText.Format(TreeText.Parse(first));

        Assert.Equal(first, second);
        Assert.EndsWith("\n", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_ParsedModel_ParseReproducesModel()
    {
        var model = TreeText.Parse(TreeTextParseTests.DocExample);

        var reparsed = TreeText.Parse(TreeText.Format(model));

        AssertSameTree(model, reparsed);
    }

    [Fact]
    public void Format_InvalidNames_Throws()
    {
        var spaced = new TreeNode("a b");
        Assert.Throws<ArgumentException>(() => TreeText.FormatNode(spaced));

        var badProperty = new TreeNode("a");
        badProperty.Properties.Add(new TreeProperty("x = y", 1));
        Assert.Throws<ArgumentException>(() => TreeText.FormatNode(badProperty));

        var badLink = new TreeNode("a");
        badLink.SymbolicLinks.Add(new TreeLink("l", "two words"));
        Assert.Throws<ArgumentException>(() => TreeText.FormatNode(badLink));

        var badPropertyLink = new TreeNode("a");
        badPropertyLink.PropertyLinks.Add(new TreeLink("p", "/a b c"));
        Assert.Throws<ArgumentException>(() => TreeText.FormatNode(badPropertyLink));

        var duplicateChildren = new TreeNode(string.Empty);
        duplicateChildren.Children.Add(new TreeNode("x"));
        duplicateChildren.Children.Add(new TreeNode("x"));
        Assert.Throws<ArgumentException>(() => TreeText.Format(duplicateChildren));

        var typeTwice = new TreeNode("a") { Type = "t" };
        typeTwice.Properties.Add(new TreeProperty("type", "u"));
        Assert.Throws<ArgumentException>(() => TreeText.FormatNode(typeTwice));
    }

    [Fact]
    public void ToProperties_Node_StoredNamesAndData()
    {
        var node = Assert.Single(TreeText.Parse("/a : svc\n  threads = 3\n  t => /f threads\n  l -> ../b\n").Children);

        var properties = node.ToProperties();

        Assert.Equal(["type", "threads", "t =>", "l ->"], properties.Keys);
        Assert.Equal(
            """{"l ->":"../b","t =>":"/f threads","threads":3,"type":"svc"}""",
            Encoding.UTF8.GetString(properties.ToBytes()));
    }

    [Fact]
    public void ToProperties_TypeAndTypeProperty_Throws()
    {
        var node = new TreeNode("a") { Type = "t" };
        node.Properties.Add(new TreeProperty("type", "u"));

        Assert.Throws<ArgumentException>(() => node.ToProperties());
    }

    [Fact]
    public void FromProperties_StoredData_SplitsTypeLinksAndProperties()
    {
        var stored = NodeProperties.Parse("""{"type":"z4m cms","threads =>":"/fooservice threads","providers ->":"/cms/providers","a":1,"weird ->":5}"""u8);

        var node = TreeNode.FromProperties("cms", stored);

        Assert.Equal("cms", node.Name);
        Assert.Equal("z4m cms", node.Type);
        Assert.Equal(new TreeLink("threads", "/fooservice threads"), Assert.Single(node.PropertyLinks));
        Assert.Equal([new TreeLink("providers", "/cms/providers"), new TreeLink("weird", "5")], node.SymbolicLinks);
        Assert.Equal("a", Assert.Single(node.Properties).Name);
    }

    [Fact]
    public void FromProperties_NonStringType_KeptAsProperty()
    {
        var node = TreeNode.FromProperties("a", NodeProperties.Parse("""{"type":7}"""u8));

        Assert.Null(node.Type);
        Assert.Equal("type", Assert.Single(node.Properties).Name);
    }

    [Fact]
    public void FromProperties_ToProperties_SameBytes()
    {
        var data = """{"a":{"n":[1,2]},"l ->":"/x","t =>":"/y z","type":"svc"}"""u8.ToArray();

        var node = TreeNode.FromProperties("n", NodeProperties.Parse(data));

        Assert.Equal(data, node.ToProperties().ToBytes());
    }

    [Fact]
    public void StringValue_ExportImport_RawTextBack()
    {
        var node = TreeNode.FromProperties("n", NodeProperties.Parse("just text"u8));
        var text = TreeText.FormatNode(node);

        var reparsed = Assert.Single(TreeText.Parse(text).Children);

        Assert.Equal("/n\n  string_value = \"just text\"\n", text);
        Assert.Equal("just text", Encoding.UTF8.GetString(reparsed.ToProperties().ToBytes()));
    }

    [Fact]
    public void ToDot_DocumentationExample_BoxesTreeEdgesAndLinkEdges()
    {
        var dot = TreeText.ToDot(TreeText.Parse(TreeTextParseTests.DocExample));

        Assert.StartsWith("digraph tree {\n  node [shape=box];\n", dot, StringComparison.Ordinal);
        Assert.EndsWith("}\n", dot, StringComparison.Ordinal);
        Assert.Contains("  \"/lb\" [label=\"lb : ipvs\"];\n", dot, StringComparison.Ordinal);
        Assert.Contains("  \"/lb\" -> \"/lb/pools\";\n", dot, StringComparison.Ordinal);
        Assert.Contains("  \"/cms/databases/main\" -> \"/cms/databases/main/providers\";\n", dot, StringComparison.Ordinal);
        Assert.Contains("  \"/lb/pools/cms\" -> \"/cms/providers\" [style=dashed, label=\"providers\"];\n", dot, StringComparison.Ordinal);
        Assert.Contains("  \"/cms\" -> \"/fooservice\" [style=dotted, label=\"threads\"];\n", dot, StringComparison.Ordinal);
        Assert.Contains("  \"/fooservice\" [style=dashed];\n", dot, StringComparison.Ordinal);
        Assert.DoesNotContain("\"/cms/providers\" [style=dashed]", dot, StringComparison.Ordinal);
    }

    [Fact]
    public void ToDot_RelativeLinksAndBasePath_ResolvedTargets()
    {
        var root = TreeText.Parse("/a\n  l -> ../b\n  p => c x\n  /c\n/b\n");

        var dot = TreeText.ToDot(root, "/base");

        Assert.Contains("\"/base/a\" -> \"/base/b\" [style=dashed, label=\"l\"];", dot, StringComparison.Ordinal);
        Assert.Contains("\"/base/a\" -> \"/base/a/c\" [style=dotted, label=\"p\"];", dot, StringComparison.Ordinal);
        Assert.DoesNotContain("[style=dashed];", dot, StringComparison.Ordinal);
    }

    [Fact]
    public void ToDot_QuotesInNames_Escaped()
    {
        var root = new TreeNode(string.Empty);
        root.Children.Add(new TreeNode("a\"b") { Type = "t\\u" });

        Assert.Contains("\"/a\\\"b\" [label=\"a\\\"b : t\\\\u\"];", TreeText.ToDot(root), StringComparison.Ordinal);
    }

    private static void AssertSameTree(TreeNode expected, TreeNode actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(Describe(expected.Properties), Describe(actual.Properties));
        Assert.Equal(expected.PropertyLinks.Select(l => (l.Name, l.Value)).Order(), actual.PropertyLinks.Select(l => (l.Name, l.Value)).Order());
        Assert.Equal(expected.SymbolicLinks.Select(l => (l.Name, l.Value)).Order(), actual.SymbolicLinks.Select(l => (l.Name, l.Value)).Order());
        var expectedChildren = expected.Children.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var actualChildren = actual.Children.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(expectedChildren.Count, actualChildren.Count);
        for (var i = 0; i < expectedChildren.Count; i++)
        {
            AssertSameTree(expectedChildren[i], actualChildren[i]);
        }

        static string[] Describe(IEnumerable<TreeProperty> properties) =>
            [.. properties.Select(p => p.Name + "=" + NodeProperties.ToJsonText(p.Value)).Order(StringComparer.Ordinal)];
    }
}
