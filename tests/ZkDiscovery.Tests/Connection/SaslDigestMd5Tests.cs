using System.Text;
using ZkDiscovery.Connection;

namespace ZkDiscovery.Tests.Connection;

public class SaslDigestMd5Tests
{
    // RFC 2831 section 4, example 1 (IMAP): the published response and rspauth values.
    private const string Challenge = "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",algorithm=md5-sess,charset=utf-8";

    private static SaslDigestMd5 CreateSut() => new("chris", "secret", "imap/elwood.innosoft.com", "unused", "OA6MHXh6VqTrRk");

    [Fact]
    public void Respond_Rfc2831Example_ComputesThePublishedResponse()
    {
        var sut = CreateSut();

        var response = Encoding.UTF8.GetString(sut.Respond(Encoding.UTF8.GetBytes(Challenge)));
        var directives = SaslDigestMd5.ParseDirectives(response);

        Assert.Equal("d388dad90d4bbd760a152321f2143af7", directives["response"]);
        Assert.Equal("chris", directives["username"]);
        Assert.Equal("elwood.innosoft.com", directives["realm"]);
        Assert.Equal("OA6MG9tEQGm2hh", directives["nonce"]);
        Assert.Equal("00000001", directives["nc"]);
        Assert.Equal("auth", directives["qop"]);
        Assert.Equal("imap/elwood.innosoft.com", directives["digest-uri"]);
        Assert.DoesNotContain("secret", response, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyServer_Rfc2831Rspauth_Completes()
    {
        var sut = CreateSut();
        sut.Respond(Encoding.UTF8.GetBytes(Challenge));

        Assert.False(sut.VerifyServer("rspauth=00000000000000000000000000000000"u8));
        Assert.True(sut.VerifyServer("rspauth=ea40f60335c427b5527b84dbabcdfffd"u8));
        Assert.True(sut.IsComplete);
    }

    [Theory]
    [InlineData("realm=\"r\",qop=\"auth\",algorithm=md5-sess")]
    [InlineData("nonce=\"n\",qop=\"auth-conf\",algorithm=md5-sess")]
    [InlineData("nonce=\"n\",qop=\"auth\",algorithm=md5")]
    public void Respond_UnanswerableChallenge_Throws(string challenge) =>
        Assert.Throws<FormatException>(() => CreateSut().Respond(Encoding.UTF8.GetBytes(challenge)));

    [Fact]
    public void ParseDirectives_QuotedListsAndEscapes_AreKept()
    {
        var parsed = SaslDigestMd5.ParseDirectives("qop=\"auth,auth-int\", realm=\"a\\\"b\" ,maxbuf=65536,realm=\"second\"");

        Assert.Equal("auth,auth-int", parsed["qop"]);
        Assert.Equal("a\"b", parsed["realm"]);
        Assert.Equal("65536", parsed["maxbuf"]);
    }
}
