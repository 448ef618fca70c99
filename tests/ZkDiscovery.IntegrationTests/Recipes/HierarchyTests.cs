using System.Text.Json.Nodes;
using ZkDiscovery.IntegrationTests.Client;
using ZkDiscovery.Recipes;

namespace ZkDiscovery.IntegrationTests.Recipes;

public sealed class HierarchyTests : ClientTestBase
{
    private const string Description = """
        {
          "app": {
            "value": { "threads": 4 },
            "children": {
              "motd": { "value": "hello" },
              "blob": { "base64": "AAEC/w==" },
              "secret": { "acl": [ "digest:admin:s3cret:cdrwa", "world:anyone:r" ] },
              "empty": {}
            }
          }
        }
        """;

    private ZooKeeperClient Admin { get; set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // ZooKeeper shows digest ids (hashed) only to a client with ADMIN permission on the node; others read "x".
        Admin = await ConnectAsync(o => o.DigestCredentials = "admin:s3cret");
    }

    [Fact]
    public async Task ApplyAsync_CreatesNodesWithDataAndAcl()
    {
        var report = await ZooKeeperHierarchy.ApplyAsync(Admin, Root + "/h", Description);

        Assert.Equal(
            ["create /app", "create /app/motd", "create /app/blob", "create /app/secret", "create /app/empty"],
            report.Select(l => l.Replace(Root + "/h", string.Empty, StringComparison.Ordinal)));
        Assert.Equal("{\"threads\":4}", Text((await Client.GetDataAsync(Root + "/h/app")).Data));
        Assert.Equal("hello", Text((await Client.GetDataAsync(Root + "/h/app/motd")).Data));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, (await Client.GetDataAsync(Root + "/h/app/blob")).Data);
        var acl = (await Admin.GetAclAsync(Root + "/h/app/secret")).Acl;
        Assert.Contains(new ZooKeeperAcl(Permissions.All, "digest", ZooKeeperAcls.DigestId("admin", "s3cret")), acl);
        Assert.Contains(new ZooKeeperAcl(Permissions.Read, "world", "anyone"), acl);
    }

    [Fact]
    public async Task ApplyAsync_Again_ChangesOnlyWhatDiffers()
    {
        await ZooKeeperHierarchy.ApplyAsync(Admin, Root + "/h", Description);
        Assert.Empty(await ZooKeeperHierarchy.ApplyAsync(Admin, Root + "/h", Description));

        var changed = JsonNode.Parse(Description)!.AsObject();
        changed["app"]!["children"]!["motd"]!["value"] = "bye";
        changed["app"]!["children"]!["empty"]!["acl"] = new JsonArray("world:anyone:cdrwa");
        changed["app"]!["children"]!["empty"]!["acl"] = new JsonArray("world:anyone:r");
        var report = await ZooKeeperHierarchy.ApplyAsync(Admin, Root + "/h", changed);

        Assert.Equal([$"update {Root}/h/app/motd", $"set acl {Root}/h/app/empty"], report);
        Assert.Equal("bye", Text((await Client.GetDataAsync(Root + "/h/app/motd")).Data));
    }

    [Fact]
    public async Task ExportAsync_ThenApplyElsewhere_ReproducesTheSubtree()
    {
        await ZooKeeperHierarchy.ApplyAsync(Admin, Root + "/h", Description);

        var exported = await ZooKeeperHierarchy.ExportAsync(Admin, Root + "/h");
        await ZooKeeperHierarchy.ApplyAsync(Admin, Root + "/copy", exported);
        var again = await ZooKeeperHierarchy.ExportAsync(Admin, Root + "/copy");

        Assert.True(JsonNode.DeepEquals(exported, again), again.ToJsonString());
        Assert.Equal(4, exported["app"]!["value"]!["threads"]!.GetValue<int>());
        Assert.Equal("hello", exported["app"]!["children"]!["motd"]!["value"]!.GetValue<string>());
        Assert.Equal("AAEC/w==", exported["app"]!["children"]!["blob"]!["base64"]!.GetValue<string>());
        Assert.Null(exported["app"]!["children"]!["empty"]!["acl"]);
        Assert.Equal("digest", exported["app"]!["children"]!["secret"]!["acl"]![0]!["scheme"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{ "a": { "valu": 1 } }""", "/a")]
    [InlineData("""{ "a": { "children": { "b": { "acl": [ "world:anyone:rz" ] } } } }""", "/a/b")]
    [InlineData("""{ "a": 3 }""", "/a")]
    public async Task ApplyAsync_BadDescription_ThrowsNamingTheNodeAndWritesNothing(string json, string node)
    {
        var e = await Assert.ThrowsAnyAsync<FormatException>(() => ZooKeeperHierarchy.ApplyAsync(Admin, Root + "/bad", json));

        Assert.Contains(Root + "/bad" + node, e.Message, StringComparison.Ordinal);
        Assert.Null(await Client.ExistsAsync(Root + "/bad"));
    }
}
