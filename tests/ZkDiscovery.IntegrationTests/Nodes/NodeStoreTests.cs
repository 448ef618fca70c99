using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.IntegrationTests.Nodes;

public class NodeStoreTests : NodesTestBase
{
    private static KeyValuePair<string, JsonNode?> P(string name, JsonNode? value) => new(name, value);

    [Fact]
    public async Task CreateAsync_WithParentsAndProperties_StoresCompactJson()
    {
        var created = await Nodes.CreateAsync(Root + "/a/b/c", [P("threads", 3), P("name", "x")]);

        Assert.Equal(Root + "/a/b/c", created.Path);
        Assert.NotNull(await Client.ExistsAsync(Root + "/a/b"));
        Assert.Equal("""{"name":"x","threads":3}""", Text((await Client.GetDataAsync(Root + "/a/b/c")).Data));
    }

    [Fact]
    public async Task CreateAsync_WithoutParents_MissingParent_ThrowsNoNode()
    {
        await Assert.ThrowsAsync<NoNodeException>(() => Nodes.CreateAsync(Root + "/x/y", createParents: false));
    }

    [Fact]
    public async Task GetPropertiesAsync_ReturnsPropertiesStatAndRealPath()
    {
        await Nodes.CreateAsync(Root + "/svc", [P("threads", 3)]);

        var read = await Nodes.GetPropertiesAsync(Root + "/svc");

        Assert.Equal(Root + "/svc", read.Path);
        Assert.Equal(Root + "/svc", read.RealPath);
        Assert.Equal(3, read.Properties["threads"]!.GetValue<int>());
        Assert.Equal(0, read.Stat.Version);
        Assert.Null(read.Properties.ReadWarning);
    }

    [Fact]
    public async Task GetPropertiesAsync_NonJsonData_ReadsStringValueAndLogsWarningNamingPath()
    {
        await Client.CreateAsync(Root + "/raw", Bytes("hello world"));

        var read = await Nodes.GetPropertiesAsync(Root + "/raw");

        Assert.Equal("hello world", read.Properties[NodePropertyNames.StringValue]!.GetValue<string>());
        var warning = Assert.Single(Logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(Root + "/raw", warning.Message, StringComparison.Ordinal);
        Assert.Contains("string_value", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetPropertiesAsync_StringValueOnly_WritesRawText()
    {
        await Client.CreateAsync(Root + "/raw", Bytes("{}"));

        await Nodes.SetPropertiesAsync(Root + "/raw", [P(NodePropertyNames.StringValue, "plain text")]);

        Assert.Equal("plain text", Text((await Client.GetDataAsync(Root + "/raw")).Data));
    }

    [Fact]
    public async Task SetPropertiesAsync_ReplacesAllProperties_ThroughLinks()
    {
        await Nodes.CreateAsync(Root + "/real", [P("a", 1), P("b", 2)]);
        await Nodes.LinkAsync(Root + "/real", Root + "/alias");

        var stat = await Nodes.SetPropertiesAsync(Root + "/alias", [P("c", 3)]);

        Assert.Equal(1, stat.Version);
        Assert.Equal(new Dictionary<string, string> { ["c"] = "3" }, await PropertiesOfAsync(Root + "/real"));
    }

    [Fact]
    public async Task SetPropertiesAsync_WrongExpectedVersion_ThrowsBadVersion()
    {
        await Nodes.CreateAsync(Root + "/n", [P("a", 1)]);

        await Assert.ThrowsAsync<BadVersionException>(() => Nodes.SetPropertiesAsync(Root + "/n", [P("a", 2)], expectedVersion: 5));
        Assert.Equal("1", (await PropertiesOfAsync(Root + "/n"))["a"]);
    }

    [Fact]
    public async Task UpdatePropertiesAsync_MergesAndNullRemoves()
    {
        await Nodes.CreateAsync(Root + "/n", [P("a", 1), P("b", 2), P("keep", "k")]);

        var result = await Nodes.UpdatePropertiesAsync(Root + "/n", [P("a", 10), P("b", null), P("c", new JsonArray(1, 2))]);

        var expected = new Dictionary<string, string> { ["a"] = "10", ["keep"] = "\"k\"", ["c"] = "[1,2]" };
        Assert.Equal(expected, await PropertiesOfAsync(Root + "/n"));
        Assert.Equal(1, result.Stat.Version);
    }

    [Fact]
    public async Task UpdatePropertiesAsync_ExpectedVersion_MismatchThrows_MatchApplies()
    {
        await Nodes.CreateAsync(Root + "/n", [P("a", 1)]);

        await Assert.ThrowsAsync<BadVersionException>(() => Nodes.UpdatePropertiesAsync(Root + "/n", [P("a", 2)], expectedVersion: 3));
        var applied = await Nodes.UpdatePropertiesAsync(Root + "/n", [P("a", 2)], expectedVersion: 0);

        Assert.Equal(1, applied.Stat.Version);
        Assert.Equal("2", (await PropertiesOfAsync(Root + "/n"))["a"]);
    }

    [Fact]
    public async Task UpdatePropertiesAsync_FourConcurrentWritersIncrementing50TimesEach_CountsExactly200()
    {
        await Nodes.CreateAsync(Root + "/counter", [P("count", 0), P("other", "untouched")]);
        var writers = new List<ZooKeeperNodes>();
        for (var i = 0; i < 4; i++)
        {
            writers.Add(new ZooKeeperNodes(await ConnectAsync()));
        }

        await Task.WhenAll(writers.Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await w.UpdatePropertiesAsync(
                    Root + "/counter",
                    old => old.Select(p => p.Key == "count" ? P("count", p.Value!.GetValue<int>() + 1) : p),
                    maxAttempts: 1000);
            }
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        var final = await PropertiesOfAsync(Root + "/counter");
        Assert.Equal("200", final["count"]);
        Assert.Equal("\"untouched\"", final["other"]);
        Assert.Equal(200, (await Client.ExistsAsync(Root + "/counter"))!.Version);
    }

    [Fact]
    public async Task UpdatePropertiesAsync_AlwaysConflicting_GivesUpAfterMaxAttempts()
    {
        await Nodes.CreateAsync(Root + "/n", [P("a", 0)]);
        var calls = 0;

        var error = await Assert.ThrowsAsync<BadVersionException>(() => Nodes.UpdatePropertiesAsync(Root + "/n", old =>
        {
            calls++;
            // Another writer changes the node between our read and our write, every time.
            Client.SetDataAsync(Root + "/n", Bytes("{\"a\":" + calls + "}")).GetAwaiter().GetResult();
            return old;
        }, maxAttempts: 3));

        Assert.Equal(3, calls);
        Assert.Equal(Root + "/n", error.Path);
    }

    [Fact]
    public async Task ResolvePathAsync_RelativeLinks_ResolveAgainstParent()
    {
        await Nodes.CreateAsync(Root + "/a/b/c");
        await Nodes.CreateAsync(Root + "/a/c");
        await Nodes.SetPropertiesAsync(Root + "/a/b", [P("l ->", "c"), P("l2 ->", "../c")]);

        Assert.Equal(Root + "/a/b/c", await Nodes.ResolvePathAsync(Root + "/a/b/l"));
        Assert.Equal(Root + "/a/c", await Nodes.ResolvePathAsync(Root + "/a/b/l2"));
        Assert.Equal(Root + "/a/c", await Nodes.ResolvePathAsync(Root + "/a/b/./l/../../c"));
    }

    [Fact]
    public async Task ResolvePathAsync_LinkInTheMiddleOfAPath_ReachesRealNode()
    {
        await Nodes.CreateAsync(Root + "/cms/providers/1.2.3.4:5");
        await Nodes.CreateAsync(Root + "/lb/pools/cms");
        await Nodes.LinkAsync(Root + "/cms/providers", Root + "/lb/pools/cms/providers");

        Assert.Equal(Root + "/cms/providers/1.2.3.4:5", await Nodes.ResolvePathAsync(Root + "/lb/pools/cms/providers/1.2.3.4:5"));
        var read = await Nodes.GetPropertiesAsync(Root + "/lb/pools/cms/providers/1.2.3.4:5");
        Assert.Equal(Root + "/cms/providers/1.2.3.4:5", read.RealPath);
        Assert.Equal(Root + "/lb/pools/cms/providers/1.2.3.4:5", read.Path);
    }

    [Fact]
    public async Task ResolvePathAsync_RealChildShadowsLink()
    {
        await Nodes.CreateAsync(Root + "/p/x");
        await Nodes.CreateAsync(Root + "/elsewhere");
        await Nodes.LinkAsync(Root + "/elsewhere", Root + "/p/x");

        Assert.Equal(Root + "/p/x", await Nodes.ResolvePathAsync(Root + "/p/x"));
    }

    [Fact]
    public async Task ResolvePathAsync_LinkLoop_ThrowsNamingTheChain()
    {
        await Nodes.CreateAsync(Root + "/loop", [P("a ->", "b"), P("b ->", "a")]);

        var error = await Assert.ThrowsAsync<LinkLoopException>(() => Nodes.ResolvePathAsync(Root + "/loop/a"));

        Assert.Equal([Root + "/loop/a", Root + "/loop/b", Root + "/loop/a"], error.Chain);
        Assert.Contains(Root + "/loop/b", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolvePathAsync_Missing_ThrowsNoNodeNamingRequestedPath()
    {
        await Nodes.CreateAsync(Root + "/a");

        var error = await Assert.ThrowsAsync<NoNodeException>(() => Nodes.ResolvePathAsync(Root + "/a/missing"));

        Assert.Equal(Root + "/a/missing", error.Path);
    }

    [Fact]
    public async Task LinkAsync_TargetEndingWithSlash_AppendsSourceName()
    {
        await Nodes.CreateAsync(Root + "/cms/providers");
        await Nodes.CreateAsync(Root + "/lb", [P("keep", 1)]);

        var link = await Nodes.LinkAsync(Root + "/cms/", Root + "/lb/providers");

        Assert.Equal(new SymbolicLinkDefinition(Root + "/lb", "providers ->", Root + "/cms/providers"), link);
        Assert.Equal(new Dictionary<string, string> { ["keep"] = "1", ["providers ->"] = $"\"{Root}/cms/providers\"" }, await PropertiesOfAsync(Root + "/lb"));
        Assert.Equal(Root + "/cms/providers", await Nodes.ResolvePathAsync(Root + "/lb/providers"));
    }

    [Fact]
    public async Task GetResolvedPropertiesAsync_PropertyLink_ReadsThroughAndFollowsChanges()
    {
        await Nodes.CreateAsync(Root + "/fooservice", [P("threads", 3)]);
        await Nodes.CreateAsync(Root + "/cms", [P("type", "z4m cms"), P("threads =>", Root + "/fooservice threads")]);

        var before = await Nodes.GetResolvedPropertiesAsync(Root + "/cms");
        await Nodes.UpdatePropertiesAsync(Root + "/fooservice", [P("threads", 4)]);
        var after = await Nodes.GetResolvedPropertiesAsync(Root + "/cms");

        Assert.Equal(["threads", "type"], before.Properties.Keys); // stored in name order, links by the name they provide
        Assert.Equal(3, before.Properties["threads"]!.GetValue<int>());
        Assert.Equal(4, after.Properties["threads"]!.GetValue<int>());
        Assert.Equal([Root + "/fooservice"], after.LinkedPaths);
        Assert.Equal(4, (await Nodes.GetPropertyAsync(Root + "/cms", "threads"))!.GetValue<int>());
    }

    [Fact]
    public async Task GetResolvedPropertiesAsync_BadPropertyLink_LeftOutAndLogged()
    {
        await Nodes.CreateAsync(Root + "/cms", [P("a", 1), P("threads =>", Root + "/missing threads")]);

        var read = await Nodes.GetResolvedPropertiesAsync(Root + "/cms");

        Assert.Equal(["a"], read.Properties.Keys);
        var error = Assert.IsType<BadPropertyLinkException>(Assert.Single(read.Errors));
        Assert.Equal(BadPropertyLinkReason.TargetNodeNotFound, error.Reason);
        Assert.Contains(Logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(Root + "/cms", StringComparison.Ordinal));
        await Assert.ThrowsAsync<BadPropertyLinkException>(() => Nodes.GetPropertyAsync(Root + "/cms", "threads"));
    }

    [Fact]
    public async Task DeleteRecursiveAsync_DeletesWholeSubtree()
    {
        await Nodes.CreateAsync(Root + "/d/a/x");
        await Nodes.CreateAsync(Root + "/d/b");

        var report = await Nodes.DeleteRecursiveAsync(Root + "/d");

        Assert.Empty(report);
        Assert.Null(await Client.ExistsAsync(Root + "/d"));
    }

    [Fact]
    public async Task DeleteRecursiveAsync_EphemeralDescendant_KeptWithExactMessages_ForceDeletes()
    {
        await Nodes.CreateAsync(Root + "/d/a/x");
        await Nodes.CreateAsync(Root + "/d/b/keep");
        await Nodes.CreateAsync(Root + "/d/b/eph", mode: CreateMode.Ephemeral);

        var dry = await Nodes.DeleteRecursiveAsync(Root + "/d", dryRun: true);
        Assert.Equal(
            [
                $"would delete {Root}/d/a/x.",
                $"would delete {Root}/d/a.",
                $"wouldn't delete {Root}/d/b/eph because it's ephemeral.",
                $"would delete {Root}/d/b/keep.",
                $"{Root}/d/b not deleted due to ephemeral descendent.",
                $"{Root}/d not deleted due to ephemeral descendent.",
            ],
            dry);
        Assert.NotNull(await Client.ExistsAsync(Root + "/d/a/x"));

        var kept = await Nodes.DeleteRecursiveAsync(Root + "/d");
        Assert.Equal(
            [
                $"Not deleting {Root}/d/b/eph because it's ephemeral.",
                $"{Root}/d/b not deleted due to ephemeral descendent.",
                $"{Root}/d not deleted due to ephemeral descendent.",
            ],
            kept);
        Assert.Null(await Client.ExistsAsync(Root + "/d/a"));
        Assert.Null(await Client.ExistsAsync(Root + "/d/b/keep"));
        Assert.NotNull(await Client.ExistsAsync(Root + "/d/b/eph"));

        var forced = await Nodes.DeleteRecursiveAsync(Root + "/d", force: true);
        Assert.Empty(forced);
        Assert.Null(await Client.ExistsAsync(Root + "/d"));
    }

    [Fact]
    public async Task DeleteRecursiveAsync_Missing_ReportsNothing()
    {
        Assert.Empty(await Nodes.DeleteRecursiveAsync(Root + "/nothing"));
    }

    [Fact]
    public async Task WalkAsync_YieldsDepthFirstInSortedOrder_OptionallyWithoutEphemerals()
    {
        foreach (var p in new[] { "/b/z", "/a/y", "/b/a", "/a/x/1", "/c" })
        {
            await Nodes.CreateAsync(Root + p);
        }
        await Nodes.CreateAsync(Root + "/b/e", mode: CreateMode.Ephemeral);

        var all = await Nodes.WalkAsync(Root).ToListAsync();
        var persistent = await Nodes.WalkAsync(Root, ephemeral: false).ToListAsync();

        string[] expected = ["", "/a", "/a/x", "/a/x/1", "/a/y", "/b", "/b/a", "/b/e", "/b/z", "/c"];
        Assert.Equal(expected.Select(p => Root + p), all);
        Assert.Equal(expected.Where(p => p != "/b/e").Select(p => Root + p), persistent);
    }

    [Fact]
    public async Task WalkAsync_NodesDeletedWhileWalking_AreSkipped()
    {
        await Nodes.CreateAsync(Root + "/a/gone/deep");
        await Nodes.CreateAsync(Root + "/a/stays");
        var seen = new List<string>();

        await foreach (var path in Nodes.WalkAsync(Root + "/a"))
        {
            seen.Add(path);
            if (path == Root + "/a")
            {
                await Nodes.DeleteRecursiveAsync(Root + "/a/gone");
            }
        }

        Assert.Equal([Root + "/a", Root + "/a/stays"], seen);
    }
}
