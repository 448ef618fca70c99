using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration.Json;
using ZkDiscovery.Configuration.Internal;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Configuration.Tests;

/// <summary>The key mapping is the JSON configuration provider's, checked against it on the same JSON.</summary>
public sealed class MappingTests
{
    public static TheoryData<string> Documents => new()
    {
        """{"database":"/databases/foomain","threads":1,"favorite_color":"red"}""",
        """{"a":true,"b":false,"c":null,"d":[],"e":{},"f":1.50,"g":[1,[2,{}],{"x":null}],"h":"s","i":1e3,"j":[[]],"k":{"l":[]}}""",
        """{"Logging":{"LogLevel":{"Default":"Information","Microsoft":"Warning"}},"AllowedHosts":"*"}""",
        """{"big":123456789012345678901234567890,"neg":-0.0,"exp":6.02E+23,"unicode":"h\u00e9llo \ud83d\ude00","esc":"a\"b\\c\n"}""",
        """{"servers":[{"host":"a","port":1},{"host":"b","port":2,"tags":["x","y"]}]}""",
        """{"a:b":1,"c":{"d:e":[true]}}""",
        """{}""",
        """{"empty":"","space":" ","zero":0}""",
        """{"a":{"b":1,"B":{}},"c":{"d":2,"D":[]}}""",
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void AddProperties_SameJson_SameKeysAndValuesAsJsonProvider(string json)
    {
        var expected = LoadWithJsonProvider(json);
        var actual = Map(json);

        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    /// <summary>Property by property, as the provider maps a node to know where each key comes from: the same keys.</summary>
    [Theory]
    [MemberData(nameof(Documents))]
    public void AddProperty_OneAtATime_SameKeysAndTheirProperty(string json)
    {
        var data = ConfigurationKeyMapper.CreateData();
        var added = new List<string>();
        foreach (var (name, value) in NodeProperties.Parse(Encoding.UTF8.GetBytes(json)))
        {
            added.Clear();
            ConfigurationKeyMapper.AddProperty(data, null, name, value, added);
            Assert.All(added, key => Assert.StartsWith(name, key, StringComparison.OrdinalIgnoreCase));
            Assert.Equal(added.Count, added.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        }

        Assert.Equal(LoadWithJsonProvider(json).OrderBy(p => p.Key, StringComparer.Ordinal), data.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void AddProperty_EmptyObjectOverAnotherPropertysKey_FormatException()
    {
        var data = ConfigurationKeyMapper.CreateData();
        ConfigurationKeyMapper.AddProperty(data, null, "a", JsonNode.Parse("""{"b":1}"""), []);

        var ex = Assert.Throws<FormatException>(() => ConfigurationKeyMapper.AddProperty(data, null, "A", JsonNode.Parse("""{"B":{}}"""), []));
        Assert.Contains("A:B", ex.Message, StringComparison.Ordinal);
        Assert.Equal("1", data["a:b"]);
    }

    [Fact]
    public void AddProperties_TypeProperty_IsNotAKey()
    {
        var data = Map("""{"type":"z4m cms","threads":3}""");

        Assert.Equal(["threads"], data.Keys);
    }

    [Fact]
    public void AddProperties_KeysDifferingInCase_FormatExceptionAsJsonProvider()
    {
        const string json = """{"Threads":1,"threads":2}""";

        Assert.Throws<FormatException>(() => LoadWithJsonProvider(json));
        Assert.Throws<FormatException>(() => Map(json));
    }

    [Fact]
    public void AddProperties_Prefix_PutsKeysInTheSection()
    {
        var data = ConfigurationKeyMapper.CreateData();
        ConfigurationKeyMapper.AddProperties(data, "Services:Foo", NodeProperties.Parse("""{"threads":3,"a":{"b":[1]}}"""));

        Assert.Equal("3", data["services:foo:THREADS"]);
        Assert.Equal("1", data["Services:Foo:a:b:0"]);
    }

    [Fact]
    public void Describe_KeyNamesOnly_NoValues()
    {
        var before = ConfigurationKeyMapper.CreateData();
        before["threads"] = "1";
        before["gone"] = "x";
        before["db:Password"] = "old-secret";
        var after = ConfigurationKeyMapper.CreateData();
        after["threads"] = "2";
        after["db:Password"] = "hunter2";
        after["ApiKey"] = "k-123";
        after["ConnectionStrings:Main"] = "Server=x;Password=y";
        after["auth:token"] = "t-1";

        var text = ConfigurationChanges.Describe(ConfigurationChanges.Compute(before, after));

        Assert.Equal("+ApiKey, +auth:token, +ConnectionStrings:Main, ~db:Password, -gone, ~threads", text);
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("2", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_SameKeysDifferentCase_NoChange()
    {
        var before = ConfigurationKeyMapper.CreateData();
        before["Threads"] = "1";
        var after = ConfigurationKeyMapper.CreateData();
        after["threads"] = "1";

        Assert.Empty(ConfigurationChanges.Compute(before, after));
    }

    [Fact]
    public void SnapshotFile_WriteThenRead_RoundTrips()
    {
        var path = Path.Combine(Path.GetTempPath(), "zkd-snapshot-" + Guid.NewGuid().ToString("N"), "app.json");
        try
        {
            var data = Map("""{"a":{"b":[1,null]},"c":"x\"y","d":{}}""");
            ConfigurationSnapshotFile.Write(path, data);
            ConfigurationSnapshotFile.Write(path, data);

            var read = ConfigurationSnapshotFile.Read(path);

            Assert.NotNull(read);
            Assert.Equal(data.OrderBy(p => p.Key, StringComparer.Ordinal), read.OrderBy(p => p.Key, StringComparer.Ordinal));
            Assert.Equal(["app.json"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
            Assert.Null(ConfigurationSnapshotFile.Read(path + ".missing"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    private static Dictionary<string, string?> Map(string json)
    {
        var properties = NodeProperties.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Null(properties.ReadWarning);
        var data = ConfigurationKeyMapper.CreateData();
        ConfigurationKeyMapper.AddProperties(data, null, properties);
        return data;
    }

    private static Dictionary<string, string?> LoadWithJsonProvider(string json)
    {
        var provider = new JsonStreamConfigurationProvider(new JsonStreamConfigurationSource());
        provider.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in AllKeys(provider, null))
        {
            if (provider.TryGet(key, out var value))
            {
                result[key] = value;
            }
        }
        return result;
    }

    private static IEnumerable<string> AllKeys(Microsoft.Extensions.Configuration.IConfigurationProvider provider, string? parent)
    {
        foreach (var child in provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var key = parent is null ? child : parent + ":" + child;
            yield return key;
            foreach (var nested in AllKeys(provider, key))
            {
                yield return nested;
            }
        }
    }
}
