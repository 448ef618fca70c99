using System.Text.Json.Nodes;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Tests.Nodes;

public class TreeTextParseTests
{
    internal const string DocExample = """
        /lb : ipvs
          /pools
            /cms
              # The address is fixed because it's exposed externally
              address = '1.2.3.4:80'
              providers -> /cms/providers
        /cms : z4m cms
          threads => /fooservice threads
          /providers
          /databases
            /main
              /providers
        """;

    private static TreeTextError SingleError(string text)
    {
        var errors = TreeText.Validate(text);
        return Assert.Single(errors);
    }

    [Fact]
    public void Parse_DocumentationExample_ExpectedModel()
    {
        var root = TreeText.Parse(DocExample);

        Assert.Equal(string.Empty, root.Name);
        Assert.Equal(["lb", "cms"], root.Children.Select(c => c.Name));

        var lb = root.Children[0];
        Assert.Equal("ipvs", lb.Type);
        Assert.Equal(1, lb.LineNumber);
        Assert.Empty(lb.Properties);
        var pools = Assert.Single(lb.Children);
        Assert.Equal("pools", pools.Name);
        Assert.Null(pools.Type);
        var cms = Assert.Single(pools.Children);
        Assert.Equal(3, cms.LineNumber);
        var address = Assert.Single(cms.Properties);
        Assert.Equal("address", address.Name);
        Assert.Equal("1.2.3.4:80", address.Value!.GetValue<string>());
        Assert.Equal(5, address.LineNumber);
        Assert.Equal(new TreeLink("providers", "/cms/providers", 6), Assert.Single(cms.SymbolicLinks));
        Assert.Empty(cms.Children);

        var cmsTop = root.Children[1];
        Assert.Equal("z4m cms", cmsTop.Type);
        Assert.Equal(7, cmsTop.LineNumber);
        Assert.Equal(new TreeLink("threads", "/fooservice threads", 8), Assert.Single(cmsTop.PropertyLinks));
        Assert.Equal(["providers", "databases"], cmsTop.Children.Select(c => c.Name));
        var main = Assert.Single(cmsTop.GetChild("databases")!.Children);
        Assert.Equal("main", main.Name);
        Assert.Equal(12, Assert.Single(main.Children).LineNumber);
    }

    [Fact]
    public void Parse_DocumentationExample_StoredProperties()
    {
        var root = TreeText.Parse(DocExample);

        var lbCms = root.GetChild("lb")!.GetChild("pools")!.GetChild("cms")!.ToProperties();
        Assert.Equal(["address", "providers ->"], lbCms.Keys);
        Assert.Equal("/cms/providers", lbCms["providers ->"]!.GetValue<string>());

        var cms = root.GetChild("cms")!.ToProperties();
        Assert.Equal(["type", "threads =>"], cms.Keys);
        Assert.Equal("z4m cms", cms.Type);
    }

    [Fact]
    public void Parse_AnyConsistentIndentation_Nests()
    {
        var root = TreeText.Parse("/a\n    /b\n        x = 1\n        /c\n    /d\n/e\n\t/f\n");

        Assert.Equal(["b", "d"], root.GetChild("a")!.Children.Select(c => c.Name));
        Assert.Equal("x", Assert.Single(root.GetChild("a")!.GetChild("b")!.Properties).Name);
        Assert.Equal("c", Assert.Single(root.GetChild("a")!.GetChild("b")!.Children).Name);
        Assert.Equal("f", Assert.Single(root.GetChild("e")!.Children).Name);
    }

    [Fact]
    public void Parse_PropertyAtChildLevel_BelongsToNodeAbove()
    {
        var root = TreeText.Parse("/a\n  /b\n  x = 1\n");

        var a = root.GetChild("a")!;
        Assert.Equal("x", Assert.Single(a.Properties).Name);
        Assert.Empty(a.GetChild("b")!.Properties);
    }

    [Fact]
    public void Parse_IndentedTopLevelNodes_Allowed()
    {
        var root = TreeText.Parse("  /a\n    x = 1\n  /b\n");

        Assert.Equal(["a", "b"], root.Children.Select(c => c.Name));
    }

    [Fact]
    public void Parse_CommentsBlankLinesAndCrLf_Ignored()
    {
        var root = TreeText.Parse("# top\r\n\r\n/a\r\n   # indented comment\r\n  x = 1  \r\n\r\n");

        Assert.Equal(1, Assert.Single(root.GetChild("a")!.Properties).Value!.GetValue<int>());
    }

    [Theory]
    [InlineData("/a : t", "a", "t")]
    [InlineData("/a :t", "a", "t")]
    [InlineData("/a: t", "a", "t")]
    [InlineData("/a:b", "a:b", null)]
    [InlineData("/1.2.3.4:80", "1.2.3.4:80", null)]
    [InlineData("/a:b : t u", "a:b", "t u")]
    [InlineData("/a   :   spaced type  ", "a", "spaced type")]
    public void Parse_NodeLine_NameAndType(string line, string name, string? type)
    {
        var node = Assert.Single(TreeText.Parse(line).Children);

        Assert.Equal(name, node.Name);
        Assert.Equal(type, node.Type);
    }

    [Fact]
    public void Parse_PropertyLinkWithoutProperty_Kept()
    {
        var node = Assert.Single(TreeText.Parse("/a\n  t => ../b\n").Children);

        Assert.Equal(new TreeLink("t", "../b", 2), Assert.Single(node.PropertyLinks));
    }

    [Fact]
    public void Parse_OperatorsWithoutSpaces_Recognised()
    {
        var node = Assert.Single(TreeText.Parse("/a\n  x=1\n  l->/t\n  p=>/q r\n").Children);

        Assert.Equal("x", Assert.Single(node.Properties).Name);
        Assert.Equal(new TreeLink("l", "/t", 3), Assert.Single(node.SymbolicLinks));
        Assert.Equal(new TreeLink("p", "/q r", 4), Assert.Single(node.PropertyLinks));
    }

    [Fact]
    public void Parse_ValueContainingOperators_IsProperty()
    {
        var node = Assert.Single(TreeText.Parse("/a\n  x = 'a -> b => c = d'\n").Children);

        Assert.Equal("a -> b => c = d", Assert.Single(node.Properties).Value!.GetValue<string>());
    }

    [Fact]
    public void Parse_Errors_ThrowsWithEveryError()
    {
        const string Text = "x = 1\n/a\n  y = nope\n  /b\n      /c\n    /d\n  z ~ 2\n";

        var ex = Assert.Throws<TreeTextException>(() => TreeText.Parse(Text));

        Assert.Equal([1, 3, 6, 7], ex.Errors.Select(e => e.LineNumber));
        Assert.Contains("line 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 7", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ValidText_NoErrors()
    {
        Assert.Empty(TreeText.Validate(DocExample));
        Assert.Empty(TreeText.Validate(string.Empty));
    }

    [Fact]
    public void Validate_PropertyAboveFirstNode_Error()
    {
        var error = SingleError("x = 1\n/a\n");

        Assert.Equal(1, error.LineNumber);
        Assert.Equal("x = 1", error.Text);
        Assert.Contains("above the first node", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PropertyAtTopLevelAfterNode_Error()
    {
        var error = SingleError("/a\nx = 1\n");

        Assert.Equal(2, error.LineNumber);
        Assert.Contains("above the first node", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NodeIndentedUnderProperty_Error()
    {
        var error = SingleError("/a\n  x = 1\n    /b\n");

        Assert.Equal(3, error.LineNumber);
        Assert.Equal("/b", error.Text);
        Assert.Contains("can't indent under a property", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PropertyIndentedUnderProperty_Error()
    {
        var error = SingleError("/a\n  x = 1\n    y = 2\n");

        Assert.Equal(3, error.LineNumber);
        Assert.Contains("can't indent under a property", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_InconsistentDedent_Error()
    {
        var error = SingleError("/a\n    /b\n  /c\n");

        Assert.Equal(3, error.LineNumber);
        Assert.Equal("/c", error.Text);
        Assert.Contains("invalid indentation", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DuplicateNode_Error()
    {
        var error = SingleError("/a\n  /b\n  /b\n");

        Assert.Equal(3, error.LineNumber);
        Assert.Contains("duplicate node name 'b' (first on line 2)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DuplicateTopLevelNode_Error()
    {
        Assert.Equal(2, SingleError("/a\n/a\n").LineNumber);
    }

    [Theory]
    [InlineData("/a\n  x = 1\n  x = 2\n", "duplicate property name 'x'")]
    [InlineData("/a\n  l -> /b\n  l -> /c\n", "duplicate property name 'l ->'")]
    [InlineData("/a\n  t => /b\n  t => /c\n", "duplicate property name 't =>'")]
    [InlineData("/a : t\n  type = 'u'\n", "duplicate property name 'type'")]
    public void Validate_DuplicateProperty_Error(string text, string message)
    {
        var error = SingleError(text);

        Assert.Equal(text.Count(c => c == '\n'), error.LineNumber);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SameNameAsPropertyAndLinks_Allowed()
    {
        Assert.Empty(TreeText.Validate("/a\n  x = 1\n  x => /b\n  x -> /c\n"));
    }

    [Theory]
    [InlineData("just some words", "unrecognized line")]
    [InlineData("x = ", "value is missing")]
    [InlineData("x = 1.2.3.4:80", "invalid value")]
    [InlineData("x = 'open", "unterminated string")]
    [InlineData("x = unquoted", "unknown word 'unquoted'")]
    [InlineData("x = [1, 2", "expected at the end")]
    [InlineData("x = 1 2", "unexpected text after the value")]
    [InlineData("l -> a b", "bad link format")]
    [InlineData("l -> ", "link target is missing")]
    [InlineData("t => /a b c", "found 3 words")]
    [InlineData("t =>", "property link target is missing")]
    [InlineData("= 1", "property name is missing")]
    [InlineData("a b = 1", "contains white space")]
    [InlineData("/b c", "unexpected text after the node name")]
    [InlineData("/b :", "node type is missing")]
    [InlineData("/", "node name is missing")]
    [InlineData("/..", "invalid node name")]
    public void Validate_BadLine_ErrorWithLineNumberAndText(string line, string message)
    {
        var text = "/a\n  " + line + "\n";

        var error = SingleError(text);

        Assert.Equal(2, error.LineNumber);
        Assert.Equal(line.Trim(), error.Text);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ManyErrors_AllReportedInOrder()
    {
        const string Text = """
            x = 1
            /a
              y = nope
              /b
                  /c
                /d
              z -> a b
              /b
              q = 1
                /under
              t => /a b c
            """;

        var errors = TreeText.Validate(Text);

        Assert.Equal([1, 3, 6, 7, 8, 10, 11], errors.Select(e => e.LineNumber));
        Assert.Equal("/d", errors[2].Text);
        Assert.Contains("invalid indentation", errors[2].Message, StringComparison.Ordinal);
        Assert.Contains("duplicate node", errors[4].Message, StringComparison.Ordinal);
        Assert.Contains("can't indent under a property", errors[5].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TreeTextError_ToString_NamesLineMessageAndText()
    {
        Assert.Equal("line 4: oops: x = 1", new TreeTextError(4, "x = 1", "oops").ToString());
    }

    [Theory]
    [InlineData("'single'", "\"single\"")]
    [InlineData("u'1234'", "\"1234\"")]
    [InlineData("U\"x\"", "\"x\"")]
    [InlineData("r'a\\d'", "\"a\\\\d\"")]
    [InlineData("b'bytes'", "\"bytes\"")]
    [InlineData("'it\\'s'", "\"it's\"")]
    [InlineData("\"say \\\"hi\\\"\"", "\"say \\\"hi\\\"\"")]
    [InlineData("'tab\\tnl\\n'", "\"tab\\tnl\\n\"")]
    [InlineData("'\\x41\\101\\u00e9\\U0001F600'", "\"AAé\\uD83D\\uDE00\"")]
    [InlineData("'keep \\d'", "\"keep \\\\d\"")]
    [InlineData("\"json \\/ \\u00e9\"", "\"json / é\"")]
    [InlineData("True", "true")]
    [InlineData("False", "false")]
    [InlineData("None", "null")]
    [InlineData("true", "true")]
    [InlineData("null", "null")]
    [InlineData("42", "42")]
    [InlineData("-7", "-7")]
    [InlineData("+7", "7")]
    [InlineData("10L", "10")]
    [InlineData("1.5", "1.5")]
    [InlineData("1.", "1.0")]
    [InlineData(".5", "0.5")]
    [InlineData("1e10", "1e10")]
    [InlineData("2.5E-3", "2.5e-3")]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567890")]
    [InlineData("[1, 'a', True, None]", "[1,\"a\",true,null]")]
    [InlineData("[1, 2,]", "[1,2]")]
    [InlineData("[]", "[]")]
    [InlineData("(1, 2)", "[1,2]")]
    [InlineData("(1,)", "[1]")]
    [InlineData("()", "[]")]
    [InlineData("(5)", "5")]
    [InlineData("{u'a': [1, {'b': None}], \"c\": {}}", "{\"a\":[1,{\"b\":null}],\"c\":{}}")]
    [InlineData("{'a': 1,}", "{\"a\":1}")]
    [InlineData("{1: 'one'}", "{\"1\":\"one\"}")]
    [InlineData("{\"a\":1,\"a\":2}", "{\"a\":2}")]
    public void Parse_PythonAndJsonLiterals_JsonValue(string literal, string json)
    {
        var node = Assert.Single(TreeText.Parse("/a\n  v = " + literal + "\n").Children);

        Assert.Equal(json, NodeProperties.ToJsonText(Assert.Single(node.Properties).Value));
    }

    [Theory]
    [InlineData("'unterminated")]
    [InlineData("[1, 2")]
    [InlineData("{'a' 1}")]
    [InlineData("{[1]: 2}")]
    [InlineData("007")]
    [InlineData("1e")]
    [InlineData("-")]
    [InlineData("'\\xZZ'")]
    [InlineData("x'a'")]
    [InlineData("Nonesuch")]
    [InlineData("1 2")]
    public void TreeValueParser_Invalid_Error(string literal)
    {
        Assert.False(TreeValueParser.TryParse(literal, out _, out var error));
        Assert.Contains("column", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TreeValueParser_DeepNesting_Error()
    {
        Assert.False(TreeValueParser.TryParse(new string('[', 100) + new string(']', 100), out _, out var error));
        Assert.Contains("nested too deeply", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_JsonNull_StoredAsNull()
    {
        var property = Assert.Single(Assert.Single(TreeText.Parse("/a\n  v = None\n").Children).Properties);

        Assert.Null(property.Value);
        Assert.Equal("""{"v":null}""", System.Text.Encoding.UTF8.GetString(NodeProperties.Encode([new("v", (JsonNode?)null)])));
    }
}
