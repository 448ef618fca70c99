using ZkDiscovery.Recipes;

namespace ZkDiscovery.Tests.Recipes;

public sealed class ZooKeeperAclsTests
{
    [Fact]
    public void DigestId_KnownCredentials_MatchesServerDigest() =>
        Assert.Equal("alice:uLxpHc/uhT86OXPoSjJTp1M8CJY=", ZooKeeperAcls.DigestId("alice", "s3cret"));

    [Fact]
    public void DigestId_UserWithColon_Throws() =>
        Assert.Throws<ArgumentException>(() => ZooKeeperAcls.DigestId("al:ice", "x"));

    [Fact]
    public void Parse_DigestEntry_HashesPassword()
    {
        var acl = ZooKeeperAcls.Parse("digest:alice:s3cret:cdrwa");
        Assert.Equal(new ZooKeeperAcl(Permissions.All, "digest", "alice:uLxpHc/uhT86OXPoSjJTp1M8CJY="), acl);
    }

    [Fact]
    public void Parse_HashedDigestEntry_KeepsId()
    {
        var acl = ZooKeeperAcls.Parse("digest:alice:uLxpHc/uhT86OXPoSjJTp1M8CJY=:r", digestIsHashed: true);
        Assert.Equal(new ZooKeeperAcl(Permissions.Read, "digest", "alice:uLxpHc/uhT86OXPoSjJTp1M8CJY="), acl);
    }

    [Theory]
    [InlineData("world:anyone:r", "world", "anyone", Permissions.Read)]
    [InlineData("ip:10.0.0.0/8:rw", "ip", "10.0.0.0/8", Permissions.Read | Permissions.Write)]
    [InlineData("ip:fe80::1:a", "ip", "fe80::1", Permissions.Admin)]
    [InlineData("auth::all", "auth", "", Permissions.All)]
    [InlineData(" world:anyone:read,write ", "world", "anyone", Permissions.Read | Permissions.Write)]
    public void Parse_Entries_ReadSchemeIdAndPermissions(string text, string scheme, string id, Permissions permissions) =>
        Assert.Equal(new ZooKeeperAcl(permissions, scheme, id), ZooKeeperAcls.Parse(text));

    [Theory]
    [InlineData("cdrwa", Permissions.All)]
    [InlineData("r", Permissions.Read)]
    [InlineData("WR", Permissions.Read | Permissions.Write)]
    [InlineData("", Permissions.None)]
    [InlineData("all", Permissions.All)]
    [InlineData("create,delete", Permissions.Create | Permissions.Delete)]
    [InlineData("read|admin", Permissions.Read | Permissions.Admin)]
    [InlineData("Write + Read", Permissions.Read | Permissions.Write)]
    public void ParsePermissions_LettersAndNames_ReadFlags(string text, Permissions expected) =>
        Assert.Equal(expected, ZooKeeperAcls.ParsePermissions(text));

    [Theory]
    [InlineData("rwx", "x")]
    [InlineData("read,exec", "exec")]
    [InlineData("rq", "q")]
    public void ParsePermissions_UnknownLetterOrName_ThrowsNamingIt(string text, string bad)
    {
        var e = Assert.Throws<ZooKeeperAclFormatException>(() => ZooKeeperAcls.ParsePermissions(text));
        Assert.Equal(bad, e.Text);
        Assert.Contains(bad, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("world")]
    [InlineData("world:anyone")]
    [InlineData(":anyone:r")]
    public void Parse_Malformed_ThrowsFormatException(string text) =>
        Assert.Throws<ZooKeeperAclFormatException>(() => ZooKeeperAcls.Parse(text));

    [Fact]
    public void Parse_MalformedDigest_DoesNotEchoPassword()
    {
        var e = Assert.Throws<ZooKeeperAclFormatException>(() => ZooKeeperAcls.Parse("digest:alice:topsecret:rwz"));
        Assert.DoesNotContain("topsecret", e.Message, StringComparison.Ordinal);
        Assert.Equal("z", e.Text);
    }

    [Theory]
    [InlineData(Permissions.All, "cdrwa", "all")]
    [InlineData(Permissions.Read | Permissions.Write, "rw", "read,write")]
    [InlineData(Permissions.Create | Permissions.Admin, "ca", "create,admin")]
    [InlineData(Permissions.None, "", "none")]
    public void FormatPermissions_Flags_LettersAndNames(Permissions permissions, string letters, string names)
    {
        Assert.Equal(letters, ZooKeeperAcls.FormatPermissions(permissions));
        Assert.Equal(names, ZooKeeperAcls.FormatPermissionNames(permissions));
        Assert.Equal(permissions, ZooKeeperAcls.ParsePermissions(names));
        Assert.Equal(permissions, ZooKeeperAcls.ParsePermissions(letters));
    }

    [Fact]
    public void Format_Entries_RoundTripWithHashedDigests()
    {
        IReadOnlyList<ZooKeeperAcl> acl = [ZooKeeperAcls.Digest("alice", "s3cret", Permissions.Read | Permissions.Admin), new(Permissions.Read, "world", "anyone")];
        var text = ZooKeeperAcls.Format(acl);
        Assert.Equal("digest:alice:uLxpHc/uhT86OXPoSjJTp1M8CJY=:ra, world:anyone:r", text);
        Assert.Equal(acl, text.Split(", ").Select(e => ZooKeeperAcls.Parse(e, digestIsHashed: true)));
    }
}
