using System.Text;
using Xunit.Abstractions;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Tests.BadInput;

/// <summary>
/// Node data that is not a UTF-8 JSON object never makes <see cref="NodeProperties.Parse(ReadOnlySpan{byte})"/>
/// throw: the text is kept as <c>string_value</c> and <see cref="NodeProperties.ReadWarning"/> says why.
/// </summary>
[Trait("Category", "BadInput")]
public class NodePropertiesBadInputTests(ITestOutputHelper output)
{
    public static TheoryData<string, byte[], string> BadData => new()
    {
        { "malformed JSON (unclosed object)", Encoding.UTF8.GetBytes("{\"threads\": 3,"), "not a JSON object" },
        { "malformed JSON (braces, bad body)", Encoding.UTF8.GetBytes("{\"threads\" 3}"), "not valid JSON" },
        { "non-UTF-8 bytes", [0x7B, 0xC3, 0x28, 0xFF, 0x7D], "not valid UTF-8" },
        { "JSON nested deeper than 256", Encoding.UTF8.GetBytes("{\"a\":" + new string('[', 300) + new string(']', 300) + "}"), "not valid JSON" },
        { "lone surrogate escape (fuzz finding)", Encoding.UTF8.GetBytes("{\"d\":\"\\ud83d\"}"), "not valid UTF-16" },
        { "lone low surrogate escape in a name (fuzz finding)", Encoding.UTF8.GetBytes("{\"\\ude00\":1}"), "not valid UTF-16" },
    };

    [Theory]
    [MemberData(nameof(BadData))]
    public void Parse_BadData_NeverThrows_KeepsTheTextAsStringValue_WithAWarning(string caseName, byte[] data, string expected)
    {
        var properties = NodeProperties.Parse(data);

        Assert.Contains(expected, properties.ReadWarning, StringComparison.Ordinal);
        var value = Assert.Single(properties);
        Assert.Equal(NodePropertyNames.StringValue, value.Key);
        Assert.Equal(Encoding.UTF8.GetString(data), value.Value!.GetValue<string>());
        BadInputReport.Write(output, "node data: " + caseName, "NodeProperties.ReadWarning", properties.ReadWarning!);
    }
}
