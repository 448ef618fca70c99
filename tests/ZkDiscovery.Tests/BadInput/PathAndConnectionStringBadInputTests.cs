using Xunit.Abstractions;

namespace ZkDiscovery.Tests.BadInput;

/// <summary>Invalid paths and connection strings: each is refused with an error naming what is wrong and where.</summary>
[Trait("Category", "BadInput")]
public class PathAndConnectionStringBadInputTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, string> BadPaths => new()
    {
        { "empty", "", "the path is empty" },
        { "relative", "a/b", "must start with '/'" },
        { "trailing slash", "/a/b/", "must not end with '/'" },
        { "double slash", "/a//b", "empty segment at index 3" },
        { "dot segment", "/a/./b", "relative segment '.' at index 3" },
        { "dot-dot segment", "/a/../b", "relative segment '..' at index 3" },
        { "NUL character", "/a\0b", "forbidden character U+0000 at index 2" },
        { "control character", "/a\u0001b", "forbidden character U+0001 at index 2" },
        { "DEL character", "/a\u007f", "forbidden character U+007F at index 2" },
        { "lone surrogate", "/a<D800>", "forbidden character U+D800 at index 2" },
    };

    [Theory]
    [MemberData(nameof(BadPaths))]
    public void Path_Invalid_ArgumentExceptionNamesTheReason(string caseName, string path, string expected)
    {
        // Theory data cannot carry a lone surrogate through discovery: it is spelled <D800>.
        path = path.Replace("<D800>", "\ud800", StringComparison.Ordinal);
        var error = Assert.Throws<ArgumentException>(() => ZooKeeperPath.Validate(path));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal("path", error.ParamName);
        // Control characters are escaped in the message, so it stays one readable line.
        Assert.DoesNotContain('\0', error.Message);
        Assert.DoesNotContain('\u0001', error.Message);
        Assert.False(ZooKeeperPath.IsValid(path));
        BadInputReport.Write(output, "path: " + caseName, error);
    }

    public static TheoryData<string, string, string> BadConnectionStrings => new()
    {
        { "empty", "  ", "is empty" },
        { "empty host entry", "a:2181,,b:2181", "Empty host entry" },
        { "port zero", "a:0", "Invalid port \"0\"" },
        { "port too large", "a:65536", "Invalid port \"65536\"" },
        { "port not a number", "a:zk", "Invalid port \"zk\"" },
        { "unclosed IPv6 bracket", "[::1:2181", "Unclosed '['" },
        { "IPv6 without brackets", "::1:2181", "must be written in brackets" },
        { "text after IPv6 bracket", "[::1]x", "Unexpected \"x\"" },
        { "invalid chroot", "a:2181/app//x", "Invalid chroot \"/app//x\"" },
        { "host with space", "zk 1:2181", "Invalid host \"zk 1:2181\"" },
        { "bracket inside host name (fuzz finding)", "[[a]:1", "Invalid host \"[[a]:1\"" },
    };

    [Theory]
    [MemberData(nameof(BadConnectionStrings))]
    public void ConnectionString_Invalid_FormatExceptionNamesThePart(string caseName, string connectionString, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ZooKeeperConnectionString.Parse(connectionString));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        // The client refuses it up front with the same explanation, before any socket is opened.
        var options = new ZooKeeperClientOptions { ConnectionString = connectionString };
        var clientError = Record.Exception(() => new ZooKeeperClient(options));
        Assert.True(clientError is ArgumentException or FormatException, clientError?.GetType().Name);
        Assert.Contains(expected, clientError!.Message, StringComparison.Ordinal);
        BadInputReport.Write(output, "connection string: " + caseName, error);
    }

    [Fact]
    public void DigestCredentials_WithoutColon_RefusedWithoutEchoingThem()
    {
        var options = new ZooKeeperClientOptions { ConnectionString = "127.0.0.1:2181", DigestCredentials = "alice-secret" };

        var error = Assert.ThrowsAny<ArgumentException>(() => new ZooKeeperClient(options));

        Assert.Contains("DigestCredentials must be written user:password", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("alice-secret", error.Message, StringComparison.Ordinal);
        BadInputReport.Write(output, "options: digest credentials without ':'", error);
    }
}
