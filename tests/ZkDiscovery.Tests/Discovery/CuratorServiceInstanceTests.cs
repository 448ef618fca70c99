using System.Text;
using System.Text.Json.Nodes;
using ZkDiscovery.Discovery;

namespace ZkDiscovery.Tests.Discovery;

/// <summary>
/// <see cref="CuratorServiceInstance"/> against node data written by real Apache Curator 5.4 x-discovery (captured from
/// tests/Shared/CuratorPeer: <c>register</c>, Spring payload stand-in, then <c>status OUT_OF_SERVICE</c>; and
/// <c>--ssl-port 8443 --payload none</c>), and the <c>buildUriSpec()</c> Curator printed for them.
/// </summary>
public sealed class CuratorServiceInstanceTests
{
    private const string SpringJson = """{"name":"javasvc","id":"b715bbc4-41fa-4a70-8e77-a992d469152b","address":"127.0.0.1","port":8080,"sslPort":null,"payload":{"@class":"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance","id":"javasvc","name":"javasvc","metadata":{"zone":"a"}},"registrationTimeUTC":1796416528088,"serviceType":"DYNAMIC","uriSpec":{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},{"value":"address","variable":true},{"value":":","variable":false},{"value":"port","variable":true}]}}""";

    private const string OutOfServiceJson = """{"name":"javasvc","id":"b715bbc4-41fa-4a70-8e77-a992d469152b","address":"127.0.0.1","port":8080,"sslPort":null,"payload":{"@class":"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance","id":"javasvc","name":"javasvc","metadata":{"zone":"a","instance_status":"OUT_OF_SERVICE"}},"registrationTimeUTC":1796416528363,"serviceType":"DYNAMIC","uriSpec":{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},{"value":"address","variable":true},{"value":":","variable":false},{"value":"port","variable":true}]}}""";

    private const string SslNoPayloadJson = """{"name":"javasvc","id":"513425b0-4228-416c-a0d0-4c74d5e09534","address":"127.0.0.1","port":8081,"sslPort":8443,"payload":null,"registrationTimeUTC":1796415911868,"serviceType":"DYNAMIC","uriSpec":{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},{"value":"address","variable":true},{"value":":","variable":false},{"value":"port","variable":true}]}}""";

    private static CuratorServiceInstance Parse(string json) => CuratorServiceInstance.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Parse_CuratorJsonWithSpringPayload_ReadsEveryField()
    {
        var instance = Parse(SpringJson);

        Assert.Equal("javasvc", instance.Name);
        Assert.Equal("b715bbc4-41fa-4a70-8e77-a992d469152b", instance.Id);
        Assert.Equal("127.0.0.1", instance.Address);
        Assert.Equal(8080, instance.Port);
        Assert.Null(instance.SslPort);
        Assert.Equal(1796416528088, instance.RegistrationTimeUtc);
        Assert.Equal(CuratorServiceType.Dynamic, instance.ServiceType);
        Assert.Equal(CuratorServiceInstance.DefaultUriSpec, instance.UriSpec);
        Assert.Null(instance.Enabled);
        Assert.True(instance.IsEnabled);
        Assert.Equal(CuratorServiceInstance.SpringPayloadClass, instance.Payload!["@class"]!.GetValue<string>());
        Assert.Equal(new Dictionary<string, string> { ["zone"] = "a" }, instance.Metadata);
        Assert.Null(instance.InstanceStatus);
        Assert.True(instance.IsUp);
        Assert.Equal("http://127.0.0.1:8080", instance.BuildUriSpec()); // What Curator's buildUriSpec() printed.
        Assert.Equal(new Uri("http://127.0.0.1:8080/"), instance.GetUri());
    }

    [Fact]
    public void Parse_OutOfService_IsNotUp()
    {
        var instance = Parse(OutOfServiceJson);
        Assert.Equal("OUT_OF_SERVICE", instance.InstanceStatus);
        Assert.False(instance.IsUp);
        Assert.True(instance.IsEnabled);
    }

    [Fact]
    public void Parse_SslPortNoPayload_CuratorUriSpecKeepsPlainPort_EndpointUsesTlsPort()
    {
        var instance = Parse(SslNoPayloadJson);

        Assert.Equal(8081, instance.Port);
        Assert.Equal(8443, instance.SslPort);
        Assert.Null(instance.Payload);
        Assert.Empty(instance.Metadata);
        Assert.True(instance.IsUp);
        // Curator 5.4 printed exactly this for the instance: https, but {port} stays the plain port.
        Assert.Equal("https://127.0.0.1:8081", instance.BuildUriSpec());
        Assert.Equal(new Uri("https://127.0.0.1:8443/"), instance.GetUri());
        Assert.Equal(new Uri("http://127.0.0.1:8081/"), instance.GetUri(preferSsl: false));
    }

    [Theory]
    [InlineData("UP", true)]
    [InlineData("up", true)]
    [InlineData("", true)]
    [InlineData(" ", true)]
    [InlineData("OUT_OF_SERVICE", false)]
    [InlineData("DOWN", false)]
    public void IsUp_FollowsSpringsLoadBalancerRule(string status, bool up)
    {
        var instance = Parse(SpringJson).WithInstanceStatus(status);
        Assert.Equal(status, instance.InstanceStatus);
        Assert.Equal(up, instance.IsUp);
        Assert.Equal("a", instance.Metadata["zone"]);
    }

    [Fact]
    public void Parse_EnabledFalse_IsNotEnabled()
    {
        var json = SpringJson[..^1] + ""","enabled":false}""";
        Assert.False(Parse(json).IsEnabled);
        Assert.True(Parse(SpringJson[..^1] + ""","enabled":true}""").IsEnabled);
    }

    [Fact]
    public void ToBytes_SameValues_ByteForByteWhatCuratorWrote()
    {
        var instance = new CuratorServiceInstance
        {
            Name = "javasvc",
            Id = "b715bbc4-41fa-4a70-8e77-a992d469152b",
            Address = "127.0.0.1",
            Port = 8080,
            Payload = CuratorServiceInstance.CreateSpringPayload("javasvc", "javasvc", [new("zone", "a")]),
            RegistrationTimeUtc = 1796416528088,
            UriSpec = CuratorServiceInstance.DefaultUriSpec,
        };
        Assert.Equal(SpringJson, Encoding.UTF8.GetString(instance.ToBytes()));

        var ssl = new CuratorServiceInstance
        {
            Name = "javasvc",
            Id = "513425b0-4228-416c-a0d0-4c74d5e09534",
            Address = "127.0.0.1",
            Port = 8081,
            SslPort = 8443,
            RegistrationTimeUtc = 1796415911868,
            UriSpec = CuratorServiceInstance.ParseUriSpec("{scheme}://{address}:{port}"),
        };
        Assert.Equal(SslNoPayloadJson, ssl.ToString());
    }

    [Fact]
    public void ToBytes_ThenParse_RoundTrips()
    {
        var original = Parse(OutOfServiceJson);
        var again = CuratorServiceInstance.Parse(original.ToBytes());
        Assert.Equal(OutOfServiceJson, again.ToString());
        var withEnabled = CuratorServiceInstance.Parse(original.WithInstanceStatus("UP").ToBytes());
        Assert.True(withEnabled.IsUp);
    }

    [Theory]
    [InlineData(SpringJson, true)]
    [InlineData(OutOfServiceJson, true)]
    [InlineData(SslNoPayloadJson, true)]
    [InlineData("""{"name":"x","id":"1","serviceType":"STATIC"}""", true)]
    [InlineData("""  {"id":"1", "payload":{"name":1}, "name":"x", "uriSpec":null}""", true)]
    [InlineData("""{"pid":4242,"scheme":"http","host":"127.0.0.1","port":8080,"uri":"http://127.0.0.1:8080/","application":"foo"}""", false)]
    [InlineData("""{"pid":4242}""", false)]
    [InlineData("""{"id":"1","name":"x"}""", false)]
    [InlineData("""{"id":1,"name":"x","serviceType":"DYNAMIC"}""", false)]
    [InlineData("""[{"id":"1","name":"x","serviceType":"DYNAMIC"}]""", false)]
    [InlineData("""{"name":"x","id":"1",""", false)]
    [InlineData("host=1", false)]
    [InlineData("", false)]
    public void LooksLikeInstance_CuratorVersusZcZkData(string data, bool expected) =>
        Assert.Equal(expected, CuratorServiceInstance.LooksLikeInstance(Encoding.UTF8.GetBytes(data)));

    [Theory]
    [InlineData("""{"name":"x","id":"1","port":"80"}""", "\"port\" is \"80\", not a port number")]
    [InlineData("""{"name":"x","id":"1","sslPort":70000}""", "\"sslPort\" is 70000, not a port number")]
    [InlineData("""{"name":"x","port":80}""", "\"id\" is missing")]
    [InlineData("""{"name":"x","id":"1","serviceType":"EPHEMERAL"}""", "\"serviceType\" \"EPHEMERAL\" is not DYNAMIC")]
    [InlineData("""{"name":"x","id":"1","uriSpec":"{scheme}://{address}"}""", "\"uriSpec\" is not an object with a \"parts\" array")]
    [InlineData("""{"name":"x","id":"1","enabled":"no"}""", "\"enabled\" is not a boolean")]
    [InlineData("""[1]""", "not a JSON object")]
    [InlineData("""{"name":""", "not JSON")]
    public void TryParse_BadData_FalseWithReason(string data, string reason)
    {
        Assert.False(CuratorServiceInstance.TryParse(Encoding.UTF8.GetBytes(data), out var instance, out var error));
        Assert.Null(instance);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        var ex = Assert.Throws<FormatException>(() => CuratorServiceInstance.Parse(Encoding.UTF8.GetBytes(data)));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildUriSpec_EveryCuratorVariable()
    {
        var instance = Parse(SslNoPayloadJson) is var i
            ? new CuratorServiceInstance
            {
                Name = i.Name,
                Id = i.Id,
                Address = i.Address,
                Port = i.Port,
                SslPort = i.SslPort,
                RegistrationTimeUtc = i.RegistrationTimeUtc,
                UriSpec = CuratorServiceInstance.ParseUriSpec("{scheme}://{address}:{ssl-port}/{name}/{id}?t={registration-time-utc}&k={service-type}&u={unknown}{[}x{]}"),
            }
            : null!;
        Assert.Equal(
            "https://127.0.0.1:8443/javasvc/513425b0-4228-416c-a0d0-4c74d5e09534?t=1796415911868&k=dynamic&u={x}",
            instance.BuildUriSpec());
    }

    [Fact]
    public void ParseUriSpec_PartsAsCurator_UnbalancedBracesThrow()
    {
        Assert.Equal(
            [new("scheme", true), new("://", false), new("address", true), new(":", false), new("port", true)],
            CuratorServiceInstance.ParseUriSpec("{ scheme }://{address}:{port}"));
        Assert.Throws<FormatException>(() => CuratorServiceInstance.ParseUriSpec("{scheme://x"));
        Assert.Throws<FormatException>(() => CuratorServiceInstance.ParseUriSpec("scheme}://x"));
        Assert.Throws<FormatException>(() => CuratorServiceInstance.ParseUriSpec("{a{b}}"));
    }

    [Fact]
    public void GetUri_Ipv6AddressBracketed_NoAddressOrPortIsNull()
    {
        var v6 = new CuratorServiceInstance { Name = "s", Id = "1", Address = "::1", Port = 80, UriSpec = CuratorServiceInstance.DefaultUriSpec };
        Assert.Equal(new Uri("http://[::1]:80/"), v6.GetUri());
        Assert.Null(new CuratorServiceInstance { Name = "s", Id = "1", Port = 80 }.GetUri());
        Assert.Null(new CuratorServiceInstance { Name = "s", Id = "1", Address = "h" }.GetUri());
        Assert.Equal(new Uri("http://h:81/"), new CuratorServiceInstance { Name = "s", Id = "1", Address = "h", Port = 81 }.GetUri());
    }

    [Fact]
    public void WithInstanceStatus_NoPayload_CreatesSpringPayload_NonObjectPayloadThrows()
    {
        var marked = Parse(SslNoPayloadJson).WithInstanceStatus(CuratorServiceInstance.StatusOutOfService);
        Assert.Equal(CuratorServiceInstance.SpringPayloadClass, marked.Payload!["@class"]!.GetValue<string>());
        Assert.False(marked.IsUp);
        var odd = new CuratorServiceInstance { Name = "s", Id = "1", Payload = JsonValue.Create("text") };
        Assert.Throws<InvalidOperationException>(() => odd.WithInstanceStatus("DOWN"));
    }
}
