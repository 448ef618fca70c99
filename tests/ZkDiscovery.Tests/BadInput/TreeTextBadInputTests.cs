using Xunit.Abstractions;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Tests.BadInput;

/// <summary>
/// Every kind of tree-text error: Parse throws <see cref="TreeTextException"/> whose error names the line number,
/// the offending text and what is wrong; Validate reports the same without throwing.
/// </summary>
[Trait("Category", "BadInput")]
public class TreeTextBadInputTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, int, string> Errors => new()
    {
        { "type missing after ':'", "/a :", 1, "a node type is missing after ':'" },
        { "text after node name", "/a b", 1, "unexpected text after the node name" },
        { "node name missing", "/a\n/ : t", 2, "a node name is missing after '/'" },
        { "invalid node name", "/a\n  /..", 2, "invalid node name '..'" },
        { "unrecognized line", "/a\n  just words", 2, "unrecognized line" },
        { "property name missing", "/a\n  = 1", 2, "a property name is missing" },
        { "property name with space", "/a\n  my name = 1", 2, "contains white space" },
        { "property value missing", "/a\n  x =", 2, "a property value is missing after '='" },
        { "invalid value (unclosed list)", "/a\n  x = [1,", 2, "invalid value: " },
        { "invalid value (unknown word)", "/a\n  x = yes", 2, "unknown word 'yes' (strings need quotes)" },
        { "invalid value (unterminated string)", "/a\n  x = 'abc", 2, "unterminated string" },
        { "invalid value (nested too deeply)", "/a\n  x = " + new string('[', 70) + new string(']', 70), 2, "nested too deeply" },
        { "invalid value (bad escape)", "/a\n  x = \"\\u12\"", 2, "4 hexadecimal digits expected" },
        { "link target missing", "/a\n  l ->", 2, "a link target is missing after '->'" },
        { "link with two targets", "/a\n  l -> /b /c", 2, "the target must be a single path" },
        { "property link target missing", "/a\n  p =>", 2, "a property link target is missing after '=>'" },
        { "property link with three words", "/a\n  p => /b threads extra", 2, "expected 'PATH' or 'PATH PROPERTY', found 3 words" },
        { "property above the first node", "x = 1\n/a", 1, "properties can't appear above the first node" },
        { "dedent to an unused level", "/a\n    /b\n  /c", 3, "invalid indentation" },
        { "indent under a property", "/a\n  x = 1\n    y = 2", 3, "can't indent under a property" },
        { "duplicate node", "/a\n/b\n/a", 3, "duplicate node name 'a' (first on line 1)" },
        { "duplicate property", "/a\n  x = 1\n  x = 2", 3, "duplicate property name 'x' in /a (first on line 2)" },
        { "duplicate property via link", "/a\n  x => /b\n  x => /c", 3, "duplicate property name 'x =>'" },
        { "unpaired surrogate in value (fuzz finding)", "/a\n  s = \"x\\ud800\"", 2, "unpaired surrogate U+D800" },
        { "unpaired surrogate in type (fuzz finding)", "/a : t<D800>", 1, "node type holds an unpaired surrogate" },
        { "unpaired surrogate in property name (fuzz finding)", "/a\n  n<DC00> = 1", 2, "property name holds an unpaired surrogate" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Parse_BadLine_TreeTextExceptionNamesLineTextAndReason(string caseName, string text, int line, string expected)
    {
        // Theory data cannot carry a lone surrogate through discovery: it is spelled <D800>.
        text = text.Replace("<D800>", "\ud800", StringComparison.Ordinal).Replace("<DC00>", "\udc00", StringComparison.Ordinal);
        var error = Assert.Throws<TreeTextException>(() => TreeText.Parse(text));

        var first = error.Errors[0];
        Assert.Equal(line, first.LineNumber);
        Assert.Contains(expected, first.Message, StringComparison.Ordinal);
        Assert.Equal(text.Split('\n')[line - 1].Trim(), first.Text);
        Assert.Contains($"line {line}: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(error.Errors, TreeText.Validate(text));
        BadInputReport.Write(output, "tree text: " + caseName, error);
    }

    [Fact]
    public void Parse_ManyErrors_EveryOneListedInLineOrder_ValidLinesDoNotHideThem()
    {
        const string Text = """
            /ok
              good = 1
            /a :
              x =
              x = 2
              p => /b c d
            /ok
            """;

        var error = Assert.Throws<TreeTextException>(() => TreeText.Parse(Text));

        Assert.Equal([3, 4, 6, 7], error.Errors.Select(e => e.LineNumber));
        Assert.StartsWith("Invalid tree text (4 errors):", error.Message, StringComparison.Ordinal);
        BadInputReport.Write(output, "tree text: four errors in one text", error);
    }
}
