namespace ZkDiscovery.Tests.Client;

public class ConnectionStringTests
{
    [Fact]
    public void Parse_HostsAndChroot_SplitsThem()
    {
        var parsed = ZooKeeperConnectionString.Parse("h1:2181, h2:2182,h3/app/x");

        Assert.Equal([new ZooKeeperHost("h1", 2181), new ZooKeeperHost("h2", 2182), new ZooKeeperHost("h3", 2181)], parsed.Hosts);
        Assert.Equal("/app/x", parsed.Chroot);
    }

    [Fact]
    public void Parse_RootChroot_MeansNone()
    {
        Assert.Null(ZooKeeperConnectionString.Parse("127.0.0.1:2181/").Chroot);
    }

    [Fact]
    public void Parse_Ipv6InBrackets_KeepsAddressAndPort()
    {
        var parsed = ZooKeeperConnectionString.Parse("[::1]:2999,[fe80::1]");

        Assert.Equal([new ZooKeeperHost("::1", 2999), new ZooKeeperHost("fe80::1", 2181)], parsed.Hosts);
        Assert.Equal("[::1]:2999,[fe80::1]:2181", parsed.ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("h1,,h2", "Empty host entry")]
    [InlineData("h1:abc", "Invalid port \"abc\"")]
    [InlineData("h1:70000", "Invalid port \"70000\"")]
    [InlineData("h1:0", "Invalid port \"0\"")]
    [InlineData("::1:2181", "brackets")]
    [InlineData("[::1:2181", "Unclosed")]
    [InlineData("h1/app/", "Invalid chroot")]
    [InlineData("h1/app//x", "Invalid chroot")]
    [InlineData("h1/app/../x", "Invalid chroot")]
    [InlineData("h 1:2181", "Invalid host")]
    public void Parse_Invalid_ThrowsNamingTheProblem(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ZooKeeperConnectionString.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClientConstructor_InvalidConnectionString_Throws()
    {
        Assert.Throws<FormatException>(() => new ZooKeeperClient("h1:nope"));
    }
}

public class ZooKeeperPathTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/a")]
    [InlineData("/a/b.c/d..e/ü")]
    [InlineData("/10.0.0.5:8080")]
    public void Validate_ValidPaths_Pass(string path)
    {
        ZooKeeperPath.Validate(path);
        Assert.True(ZooKeeperPath.IsValid(path));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a/b", "must start with '/'")]
    [InlineData("/a/", "must not end with '/'")]
    [InlineData("//a", "empty segment")]
    [InlineData("/a//b", "empty segment")]
    [InlineData("/a/./b", "'.'")]
    [InlineData("/a/..", "'..'")]
    [InlineData("/a\u0000b", "U+0000")]
    [InlineData("/a\u0007b", "U+0007")]
    [InlineData("/a\u0085", "U+0085")]
    [InlineData("/a\ue000", "U+E000")]
    [InlineData("/a\ufff5", "U+FFF5")]
    public void Validate_InvalidPaths_ThrowNamingTheProblem(string path, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => ZooKeeperPath.Validate(path));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.False(ZooKeeperPath.IsValid(path));
    }

    [Fact]
    public void Validate_SequentialSuffix_AllowsTrailingSlashOnlyWhenAsked()
    {
        ZooKeeperPath.Validate("/queue/", allowSequentialSuffix: true);
        Assert.Throws<ArgumentException>(() => ZooKeeperPath.Validate("/queue/"));
    }

    [Theory]
    [InlineData("/a/b", "/a", "b")]
    [InlineData("/a", "/", "a")]
    public void ParentAndName_SplitThePath(string path, string parent, string name)
    {
        Assert.Equal(parent, ZooKeeperPath.GetParent(path));
        Assert.Equal(name, ZooKeeperPath.GetName(path));
        Assert.Equal(path, ZooKeeperPath.Combine(parent, name));
    }

    [Fact]
    public async Task ClientOperations_InvalidPath_ThrowBeforeSending()
    {
        await using var client = new ZooKeeperClient("127.0.0.1:1");

        await Assert.ThrowsAsync<ArgumentException>(() => client.GetDataAsync("relative"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.CreateAsync("/a/"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.DeleteAsync("/a//b"));
        Assert.Equal(ConnectionState.Connecting, client.State);
    }
}

public class ExceptionTests
{
    [Theory]
    [InlineData(ZooKeeperErrorCode.NoNode, typeof(NoNodeException))]
    [InlineData(ZooKeeperErrorCode.NodeExists, typeof(NodeExistsException))]
    [InlineData(ZooKeeperErrorCode.BadVersion, typeof(BadVersionException))]
    [InlineData(ZooKeeperErrorCode.NotEmpty, typeof(NotEmptyException))]
    [InlineData(ZooKeeperErrorCode.NoAuth, typeof(NoAuthException))]
    [InlineData(ZooKeeperErrorCode.InvalidAcl, typeof(InvalidAclException))]
    [InlineData(ZooKeeperErrorCode.NoChildrenForEphemerals, typeof(NoChildrenForEphemeralsException))]
    [InlineData(ZooKeeperErrorCode.SessionExpired, typeof(SessionExpiredException))]
    [InlineData(ZooKeeperErrorCode.ConnectionLoss, typeof(ConnectionLossException))]
    [InlineData(ZooKeeperErrorCode.OperationTimeout, typeof(OperationTimeoutException))]
    [InlineData(ZooKeeperErrorCode.AuthFailed, typeof(AuthFailedException))]
    [InlineData(ZooKeeperErrorCode.BadArguments, typeof(BadArgumentsException))]
    [InlineData(ZooKeeperErrorCode.Unimplemented, typeof(UnimplementedException))]
    [InlineData(ZooKeeperErrorCode.NoWatcher, typeof(NoWatcherException))]
    [InlineData(ZooKeeperErrorCode.NotReadOnly, typeof(NotReadOnlyException))]
    [InlineData(ZooKeeperErrorCode.Throttled, typeof(ThrottledException))]
    [InlineData(ZooKeeperErrorCode.ReconfigDisabled, typeof(ZooKeeperException))]
    public void Create_MapsEachCodeToItsType_WithThePathInTheMessage(ZooKeeperErrorCode code, Type expected)
    {
        var error = ZooKeeperException.Create(code, "/some/path");

        Assert.IsType(expected, error);
        Assert.Equal(code, error.Code);
        Assert.Equal("/some/path", error.Path);
        Assert.Contains("/some/path", error.Message, StringComparison.Ordinal);
        Assert.Equal(code is ZooKeeperErrorCode.ConnectionLoss or ZooKeeperErrorCode.OperationTimeout, error.IsTransient);
    }

    [Fact]
    public void AuthInfo_ToString_HidesTheSecret()
    {
        var auth = ZooKeeperAuthInfo.Digest("alice", "s3cret");

        Assert.DoesNotContain("s3cret", auth.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", new ZooKeeperSessionCredentials(1, [1, 2]).ToString(), StringComparison.Ordinal);
    }
}

public class OptionsValidationTests
{
    [Fact]
    public void GetValidationErrors_NamesEachBadOption_WithoutTheSecret()
    {
        var options = new ZooKeeperClientOptions
        {
            ConnectionString = "h1:notaport",
            SessionTimeout = TimeSpan.Zero,
            MaxFrameSize = 10,
            DigestCredentials = "no-colon-secret",
            Retry = { MaxRetryAttempts = 500 },
        };

        var errors = options.GetValidationErrors();

        Assert.Equal(5, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("ConnectionString is invalid", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("SessionTimeout", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("MaxFrameSize", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("DigestCredentials", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Retry:MaxRetryAttempts", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("no-colon-secret", StringComparison.Ordinal));
        Assert.Empty(new ZooKeeperClientOptions().GetValidationErrors());
    }

    [Fact]
    public void ClientConstructor_InvalidOptions_ThrowsListingThem()
    {
        var error = Assert.Throws<ArgumentException>(() => new ZooKeeperClient(new ZooKeeperClientOptions { SessionTimeout = TimeSpan.FromSeconds(-1) }));

        Assert.Contains("SessionTimeout must be positive", error.Message, StringComparison.Ordinal);
    }
}
