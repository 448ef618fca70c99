using System.Text;
using System.Text.Json.Nodes;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Tests.Nodes;

public class NodePropertiesTests
{
    private static NodeProperties Parse(string text) => NodeProperties.Parse(Encoding.UTF8.GetBytes(text));

    private static string Json(JsonNode? node) => node?.ToJsonString() ?? "null";

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(" \n\t ")]
    public void Parse_EmptyOrWhitespace_NoProperties(string text)
    {
        var properties = Parse(text);

        Assert.Empty(properties);
        Assert.Null(properties.ReadWarning);
    }

    [Fact]
    public void Parse_JsonObject_KeepsOrderAndValues()
    {
        var properties = Parse("""{"z":1,"a":"x","m":[1,{"k":null}],"n":null,"b":true}""");

        Assert.Equal(["z", "a", "m", "n", "b"], properties.Keys);
        Assert.Equal(1, properties["z"]!.GetValue<int>());
        Assert.Equal("x", properties["a"]!.GetValue<string>());
        Assert.Equal("""[1,{"k":null}]""", Json(properties["m"]));
        Assert.True(properties.ContainsKey("n"));
        Assert.Null(properties["n"]);
        Assert.Null(properties.ReadWarning);
    }

    public static TheoryData<string> Texts => new()
    {
        """{"a":1,"b":"x","c":true,"d":false,"e":null}""",
        """{"n":1.50,"e":1e3,"big":123456789012345678901234567890,"neg":-0,"x":6.02E+23}""",
        """{"nested":{"a":[1,{"b":null}],"a":2},"list":[[],{},""]}""",
        """{"a\u0020b":"esc\"aped","\u00e9":"\u00e9 \ud83d\ude00","l ->":"/x","p =>":"/y p"}""",
        """{"p0":0,"p1":1,"p2":2,"p3":3,"p4":4,"p5":5,"p6":6,"p7":7,"p8":8,"p9":9,"p3":"again","p10":10,"p9":"again"}""",
        """{}""",
        " \t{\"a\":1}\r\n",
        "\u00a0{\"a\":1}\u2003",
        """{"a":1} {"b":2}""",
        """{"a":1,}""",
        """{"a":"\ud83d"}""",
        """{"a":1}/*c*/""",
        "{\"deep\":" + new string('[', 300) + new string(']', 300) + "}",
    };

    /// <summary>The bytes a node holds are read as their text is: same properties, same order, same warning.</summary>
    [Theory]
    [MemberData(nameof(Texts))]
    public void Parse_Bytes_SameAsText(string text)
    {
        static string Describe(NodeProperties properties) =>
            string.Join(" | ", properties.Select(p => p.Key + "=" + Json(p.Value))) + " # " + properties.ReadWarning;

        Assert.Equal(Describe(NodeProperties.Parse(text)), Describe(Parse(text)));
        // Read again after a change: the same properties, whatever it takes from the last read.
        var previous = Parse("""{"a":"x","b":"esc\"aped","p0":"again","nested":{"a":2},"n":1.50}""");
        Assert.Equal(Describe(NodeProperties.Parse(text)), Describe(NodeProperties.Parse(Encoding.UTF8.GetBytes(text), previous)));
    }

    [Fact]
    public void Parse_WithPrevious_TakesUnchangedStrings_NeverNodes()
    {
        var before = Parse("""{"name":"alpha","pad":"xxxx","n":1}""");

        var after = NodeProperties.Parse(Encoding.UTF8.GetBytes("""{"name":"beta","pad":"xxxx","n":2,"extra":"e"}"""), before);

        Assert.Equal(["name", "pad", "n", "extra"], after.Keys);
        Assert.Same(before.Keys.First(), after.Keys.First());
        Assert.Equal("beta", after["name"]!.GetValue<string>());
        Assert.Same(before["pad"]!.GetValue<string>(), after["pad"]!.GetValue<string>());
        Assert.NotSame(before["pad"], after["pad"]); // A node may be given a parent: each read has its own.
        Assert.Equal("2", Json(after["n"]));
    }

    [Fact]
    public void Parse_ManyProperties_EachFoundByName()
    {
        var names = Enumerable.Range(0, 20).Select(i => "p" + i).ToList();
        var properties = Parse("{" + string.Join(",", names.Select((n, i) => $"\"{n}\":{i}")) + ",\"p2\":\"last\",\"p15\":\"last\"}");

        Assert.Equal(names, properties.Keys);
        for (var i = 0; i < names.Count; i++)
        {
            Assert.True(properties.TryGetValue(names[i], out var value));
            Assert.Equal(i is 2 or 15 ? "\"last\"" : i.ToString(System.Globalization.CultureInfo.InvariantCulture), Json(value));
        }
        Assert.False(properties.ContainsKey("p20"));
        Assert.False(properties.ContainsKey("P1"));
    }

    [Fact]
    public void Parse_SurroundingWhitespace_ReadsObject()
    {
        var properties = Parse("  {\"a\": 1}\n");

        Assert.Equal(1, properties["a"]!.GetValue<int>());
    }

    [Fact]
    public void Parse_DuplicateKeys_LastValueWinsAtFirstPosition()
    {
        var properties = Parse("""{"a":1,"b":2,"a":3}""");

        Assert.Equal(["a", "b"], properties.Keys);
        Assert.Equal(3, properties["a"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("hello world", "not a JSON object")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("42", "not a JSON object")]
    [InlineData("\"quoted\"", "not a JSON object")]
    [InlineData("{broken", "not a JSON object")]
    [InlineData("{\"a\":}", "not valid JSON")]
    [InlineData("{'a': 1}", "not valid JSON")]
    public void Parse_NotAJsonObject_StringValueWithWarning(string text, string reason)
    {
        var properties = Parse(text);

        var (name, value) = Assert.Single(properties);
        Assert.Equal(NodePropertyNames.StringValue, name);
        Assert.Equal(text, value!.GetValue<string>());
        Assert.Contains(reason, properties.ReadWarning, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StringValue_KeepsRawTextWithWhitespace()
    {
        var properties = Parse("  some text \n");

        Assert.Equal("  some text \n", properties[NodePropertyNames.StringValue]!.GetValue<string>());
    }

    [Fact]
    public void Parse_NonUtf8Bytes_StringValueWithWarning()
    {
        var properties = NodeProperties.Parse(new byte[] { (byte)'a', 0xFF, 0xFE, (byte)'b' });

        var value = properties[NodePropertyNames.StringValue]!.GetValue<string>();
        Assert.StartsWith("a", value, StringComparison.Ordinal);
        Assert.EndsWith("b", value, StringComparison.Ordinal);
        Assert.Contains("UTF-8", properties.ReadWarning, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Unicode_ReadsText()
    {
        var properties = Parse("""{"name":"café ☕ 𝄞","escaped":"\u00e9"}""");

        Assert.Equal("café ☕ 𝄞", properties["name"]!.GetValue<string>());
        Assert.Equal("é", properties["escaped"]!.GetValue<string>());
    }

    [Fact]
    public void Parse_Utf8Bom_Ignored()
    {
        var properties = NodeProperties.Parse([0xEF, 0xBB, 0xBF, .. "{\"a\":1}"u8]);

        Assert.Equal(1, properties["a"]!.GetValue<int>());
    }

    [Fact]
    public void ToBytes_Properties_CompactJsonSortedByName()
    {
        var properties = Parse("""{ "z" : 1, "a" : { "y" : 2, "b" : [ 1, 2 ] }, "threads =>" : "/f threads", "l ->" : "/x" }""");

        var text = Encoding.UTF8.GetString(properties.ToBytes());

        Assert.Equal("""{"a":{"y":2,"b":[1,2]},"l ->":"/x","threads =>":"/f threads","z":1}""", text);
    }

    [Fact]
    public void Encode_SameSetDifferentOrder_SameBytes()
    {
        var first = NodeProperties.Encode([new("b", 1), new("a", "x")]);
        var second = NodeProperties.Encode([new("a", "x"), new("b", 1)]);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Encode_Unicode_WrittenAsUtf8AndReadBack()
    {
        var bytes = NodeProperties.Encode([new("name", "café <&> 'q' \"d\"")]);

        Assert.Equal("{\"name\":\"café <&> 'q' \\\"d\\\"\"}", Encoding.UTF8.GetString(bytes));
        Assert.Equal("café <&> 'q' \"d\"", NodeProperties.Parse(bytes)["name"]!.GetValue<string>());
    }

    [Fact]
    public void Encode_Empty_EmptyObject()
    {
        Assert.Equal("{}", Encoding.UTF8.GetString(NodeProperties.Empty.ToBytes()));
    }

    [Fact]
    public void Encode_OnlyStringValue_WritesRawText()
    {
        var bytes = NodeProperties.Encode([new(NodePropertyNames.StringValue, "plain text")]);

        Assert.Equal("plain text", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Encode_StringValueWithOtherProperties_WritesJson()
    {
        var bytes = NodeProperties.Encode([new(NodePropertyNames.StringValue, "t"), new("a", 1)]);

        Assert.Equal("""{"a":1,"string_value":"t"}""", Encoding.UTF8.GetString(bytes));
    }

    [Theory]
    [InlineData("plain text")]
    [InlineData("  padded\n")]
    [InlineData("[1,2,3]")]
    [InlineData("{not json")]
    public void StringValue_RoundTrip_SameBytes(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);

        Assert.Equal(bytes, NodeProperties.Parse(bytes).ToBytes());
    }

    [Fact]
    public void Encode_NestedValuesAndNumbers_RoundTripExactly()
    {
        const string Text = """{"big":123456789012345678901234567890,"dec":1.10,"neg":-0.5e-7,"o":{"x":[true,false,null,"s"]}}""";

        var bytes = NodeProperties.Parse(Encoding.UTF8.GetBytes(Text)).ToBytes();

        Assert.Equal(Text, Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Constructor_DuplicateName_Throws()
    {
        Assert.Throws<ArgumentException>(() => new NodeProperties([new("a", 1), new("a", 2)]));
    }

    [Fact]
    public void Type_StringTypeProperty_Returned()
    {
        Assert.Equal("ipvs", Parse("""{"type":"ipvs"}""").Type);
        Assert.Null(Parse("""{"type":3}""").Type);
        Assert.Null(NodeProperties.Empty.Type);
    }

    [Fact]
    public void Indexer_Missing_ThrowsKeyNotFound()
    {
        Assert.Throws<KeyNotFoundException>(() => NodeProperties.Empty["x"]);
        Assert.False(NodeProperties.Empty.TryGetValue("x", out _));
    }

    [Fact]
    public void Names_LinkSuffixes_Recognised()
    {
        Assert.True(NodePropertyNames.IsSymbolicLink("providers ->"));
        Assert.False(NodePropertyNames.IsSymbolicLink("providers"));
        Assert.True(NodePropertyNames.IsPropertyLink("threads =>"));
        Assert.False(NodePropertyNames.IsPropertyLink("threads ->"));
        Assert.Equal("l ->", NodePropertyNames.ForSymbolicLink("l"));
        Assert.Equal("t =>", NodePropertyNames.ForPropertyLink("t"));
        Assert.Equal("t", NodePropertyNames.StripLinkSuffix("t =>"));
        Assert.Equal("l", NodePropertyNames.StripLinkSuffix("l ->"));
        Assert.Equal("x", NodePropertyNames.StripLinkSuffix("x"));
    }

    [Fact]
    public void GetVisibleNames_LinksAndDuplicates_PlainNamesOnce()
    {
        var names = NodePropertyNames.GetVisibleNames(["a", "threads =>", "providers ->", "b", "a =>"]);

        Assert.Equal(["a", "threads", "b"], names);
    }
}
