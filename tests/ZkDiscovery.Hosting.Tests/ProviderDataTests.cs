using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.ServiceDiscovery;
using ZkDiscovery.Hosting.Discovery;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Hosting.Tests;

/// <summary>
/// A service's endpoints keep each provider's data as read and scan it for what the endpoint needs: the scan must
/// say exactly what the full parse says, and an endpoint made from the data must equal one made from the parsed
/// properties, whatever the data.
/// </summary>
public sealed class ProviderDataTests
{
    public static TheoryData<string> Inputs =>
    [
        "",
        "   \n",
        "{}",
        " {\"pid\":4242} ",
        "{\"uri\":\"https://api.example/v1/\",\"scheme\":\"https\",\"endpoint\":\"dashboard\",\"started\":\"2026-12-04T10:00:00Z\"}",
        "{\"uri\":\"http://a:1/\",\"uri\":\"http://b:2/\"}",
        "{\"uri\":1,\"scheme\":true,\"endpoint\":null,\"started\":[1]}",
        "{\"nested\":{\"uri\":\"http://inner/\",\"x =>\":\"/p\"},\"list\":[{\"a\":\"b\"},2],\"uri\":\"http://outer/\"}",
        "{\"u\\u0072i\":\"http://escaped/\",\"sch\\u0065me\":\"ht\\u0074ps\"}",
        "{\"threads =>\":\"/config threads\"}",
        "{\"child ->\":\"/elsewhere\",\"pid\":1}",
        "{\"chi\\u006cd ->\":\"/elsewhere\"}",
        "xxxxxxxxxxxxxxxxxxxxxxxx",
        "[1,2,3]",
        "\"a string\"",
        "42",
        "\uFEFF{\"pid\":1}",
        "\u00A0{\"pid\":1}\u00A0",
        "{\"a\":\"\\ud83d\"}",
        "{\"nested\":{\"a\":\"\\ud83d\"}}",
        "{\"a\":1,}",
        "{\"a\":1} {\"b\":2}",
        "{\"a\":1}}",
        "{\"a\" 1}",
        "{\"a\":01}",
        "{/* comment */\"a\":1}",
        "{\"scheme\":\"  https \",\"uri\":\"   \"}",
        "{" + string.Concat(Enumerable.Repeat("\"a\":{", 200)) + string.Concat(Enumerable.Repeat("}", 200)) + "}",
        "{" + string.Concat(Enumerable.Repeat("\"a\":{", 300)) + string.Concat(Enumerable.Repeat("}", 300)) + "}",
    ];

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Scan_AgreesWithTheFullParse_OrLeavesItToIt(string text) => AssertAgrees(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Scan_DataThatIsNotUtf8_IsLeftToTheFullParse()
    {
        byte[] data = [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}'];
        Assert.False(ProviderData.Scan(data).IsPlain);
        AssertAgrees(data);
    }

    [Fact]
    public void Scan_ThousandsOfRandomInputs_AgreeWithTheFullParse()
    {
        // Fragments that make valid, broken and unusual JSON when strung together at random (a fixed seed: the
        // same inputs every run).
        string[] parts = ["{", "}", "[", "]", "\"uri\"", "\"scheme\"", "\"endpoint\"", "\"started\"", "\"x =>\"", "\"y ->\"", ":", ",",
            "\"http://h:1/\"", "\"https\"", "1", "true", "null", "\"\\u0041\"", "\"\\ud800\"", " ", "\u00A0", "é", "x"];
        var random = new Random(20261205);
        for (var i = 0; i < 5_000; i++)
        {
            var text = new StringBuilder();
            var wrap = random.Next(4) != 0;
            if (wrap)
            {
                text.Append('{');
            }
            for (var p = random.Next(12); p > 0; p--)
            {
                text.Append(parts[random.Next(parts.Length)]);
            }
            if (wrap)
            {
                text.Append('}');
            }
            AssertAgrees(Encoding.UTF8.GetBytes(text.ToString()));
        }
    }

    [Theory]
    [InlineData("10.0.0.5:8080", "{\"pid\":4242}")]
    [InlineData("app1.internal:9000", "{}")]
    [InlineData("[::1]:8080", "{\"scheme\":\"https\"}")]
    [InlineData("h:1", "{\"uri\":\"https://api.example/v1/\",\"started\":\"2026-12-04T10:00:00.0000000+00:00\",\"endpoint\":\"api\"}")]
    [InlineData("10.1.2.3:80", "xxxxxxxx")]
    [InlineData("10.1.2.3:80", "{\"uri\":\"not a uri\",\"scheme\":\" https \"}")]
    [InlineData("10.1.2.3:80", "{\"child ->\":\"/elsewhere\",\"zone\":\"a\"}")]
    [InlineData("ünï.example:443", "{\"scheme\":\"https\"}")]
    public void EndpointFromData_EqualsTheEndpointFromItsProperties(string name, string json)
    {
        var data = Encoding.UTF8.GetBytes(json);
        var scan = ProviderData.Scan(data);
        Assert.True(scan.IsPlain);
        var properties = NodeProperties.Parse(data);
        var stored = properties.Keys.Any(NodePropertyNames.IsSymbolicLink)
            ? new NodeProperties(properties.Where(p => !NodePropertyNames.IsSymbolicLink(p.Key)))
            : properties;

        Assert.True(ZooKeeperServiceEndpoint.TryCreate("s", "/svc", name, data, scan, 1_700_000_000_000, null, out var lazy));
        Assert.True(ZooKeeperServiceEndpoint.TryCreate("s", "/svc/" + name, name, stored, 1_700_000_000_000, null, out var eager));

        Assert.Equal(eager.Path, lazy.Path);
        Assert.Equal(eager.Uri, lazy.Uri);
        Assert.Equal(eager.EndPoint.GetType(), lazy.EndPoint.GetType());
        Assert.Equal(eager.EndPoint.ToString(), lazy.EndPoint.ToString());
        Assert.Equal(eager.EndpointName, lazy.EndpointName);
        Assert.Equal(eager.RegisteredAt, lazy.RegisteredAt);
        Assert.Equal(eager.Scheme, lazy.Scheme);
        Assert.Equal(eager.ToString(), lazy.ToString());
        Assert.Equal(Compact(eager.Properties), Compact(lazy.Properties));
        Assert.Same(lazy, lazy.Features.Get<IZooKeeperEndpointFeature>());
        Assert.Equal(eager.Features.Get<IHostNameFeature>()?.HostName, lazy.Features.Get<IHostNameFeature>()?.HostName);
        // Built once: every caller sees the same objects.
        Assert.Same(lazy.Uri, lazy.Uri);
        Assert.Same(lazy.EndPoint, lazy.EndPoint);
        Assert.Same(lazy.Properties, lazy.Properties);
    }

    [Theory]
    [InlineData("junk", "{}")]
    [InlineData("h:99999", "{}")]
    [InlineData("bad host:80", "{}")]
    [InlineData("h:80", "{\"scheme\":\"not a scheme\"}")]
    public void EndpointFromData_NoUsableAddress_IsRefused(string name, string json)
    {
        var data = Encoding.UTF8.GetBytes(json);
        Assert.False(ZooKeeperServiceEndpoint.TryCreate("s", "/svc", name, data, ProviderData.Scan(data), 0, null, out _));
        Assert.False(ZooKeeperServiceEndpoint.TryCreate("s", "/svc/" + name, name, NodeProperties.Parse(data), 0, null, out _));
    }

    private static void AssertAgrees(byte[] data)
    {
        var scan = ProviderData.Scan(data);
        var parsed = NodeProperties.Parse(data);
        var text = Encoding.UTF8.GetString(data);
        if (!scan.IsPlain)
        {
            return; // The watcher parses such data in full: nothing to agree on.
        }
        Assert.True(scan.Warning == parsed.ReadWarning, $"Warning of {text}: scan {scan.Warning}, parse {parsed.ReadWarning}");
        Assert.True(scan.IsEmpty == (parsed.Count == 0 && !scan.IsObject), $"Empty: {text}");
        Assert.True(!scan.IsObject || parsed.ReadWarning is null, $"Object: {text}");
        Assert.True(StringOf(parsed, "uri") == scan.Uri, $"uri of {text}");
        Assert.True(StringOf(parsed, "scheme") == scan.Scheme, $"scheme of {text}");
        Assert.True(StringOf(parsed, "endpoint") == scan.Endpoint, $"endpoint of {text}");
        Assert.True(StringOf(parsed, "started") == scan.Started, $"started of {text}");
        Assert.True(parsed.Keys.Any(NodePropertyNames.IsPropertyLink) == scan.HasPropertyLinks, $"property links of {text}");
        Assert.True(parsed.Keys.Any(NodePropertyNames.IsSymbolicLink) == scan.HasSymbolicLinks, $"symbolic links of {text}");
    }

    private static string? StringOf(NodeProperties properties, string name) =>
        properties.ReadWarning is null && properties.TryGetValue(name, out var node) && node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string Compact(NodeProperties properties) =>
        string.Join(",", properties.Select(p => p.Key + "=" + (p.Value?.ToJsonString() ?? "null")));
}
