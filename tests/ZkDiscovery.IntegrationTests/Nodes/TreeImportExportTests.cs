using System.Text.Json.Nodes;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.IntegrationTests.Nodes;

public class TreeImportExportTests : NodesTestBase
{
    /// <summary>The example tree of docs/tree-format.md §4, with absolute links pointing inside this test's root.</summary>
    private string ExampleText => $"""
        /lb : ipvs
          /pools
            /cms
              # The address is fixed because it's exposed externally
              address = '1.2.3.4:80'
              providers -> {Root}/cms/providers
        /cms : z4m cms
          threads => {Root}/fooservice threads
          main -> databases/main
          /providers
          /databases
            /main
              /providers
        /fooservice
          threads = 3
          /providers
        """;

    /// <summary>What exporting the example gives: sorted, JSON values, links after properties.</summary>
    private string ExampleExport => $"""
        /cms : z4m cms
          threads => {Root}/fooservice threads
          main -> databases/main
          /databases
            /main
              /providers
          /providers
        /fooservice
          threads = 3
          /providers
        /lb : ipvs
          /pools
            /cms
              address = "1.2.3.4:80"
              providers -> {Root}/cms/providers

        """;

    private string RootName => Root[1..];

    /// <summary>The export of <see cref="ClientTestBase.Root"/>: its own line, then the children one level in.</summary>
    private string UnderRoot(string topLevelText) =>
        $"/{RootName}\n" + string.Concat(topLevelText.Split('\n').Where(l => l.Length > 0).Select(l => "  " + l + "\n"));

    [Fact]
    public async Task ImportAsync_ExampleTree_ReportsAddsInOrder_AndExportEqualsExpectedText()
    {
        var report = await Nodes.ImportAsync(ExampleText, Root);

        string[] added = ["/cms", "/cms/databases", "/cms/databases/main", "/cms/databases/main/providers", "/cms/providers",
            "/fooservice", "/fooservice/providers", "/lb", "/lb/pools", "/lb/pools/cms"];
        Assert.Equal(added.Select(p => "add " + Root + p), report);
        Assert.Equal(UnderRoot(ExampleExport), await Nodes.ExportAsync(Root));
        Assert.Equal(ExampleExport, TreeText.Format((await Nodes.ExportTreeAsync(Root))!));
        Assert.Equal(
            new Dictionary<string, string> { ["address"] = "\"1.2.3.4:80\"", ["providers ->"] = $"\"{Root}/cms/providers\"" },
            await PropertiesOfAsync(Root + "/lb/pools/cms"));
        Assert.Equal("ipvs", (await Nodes.GetPropertiesAsync(Root + "/lb")).Properties.Type);
    }

    [Fact]
    public async Task ImportAsync_ExampleTree_LinksResolveAndPropertyLinkReadsThrough()
    {
        await Nodes.ImportAsync(ExampleText, Root);
        await Client.CreateAsync(Root + "/cms/providers/1.2.3.4:5", Bytes("""{"pid":9999}"""), CreateMode.Ephemeral);

        Assert.Equal(Root + "/cms/providers/1.2.3.4:5", await Nodes.ResolvePathAsync(Root + "/lb/pools/cms/providers/1.2.3.4:5"));
        Assert.Equal(Root + "/cms/databases/main", await Nodes.ResolvePathAsync(Root + "/cms/main"));
        Assert.Equal(3, (await Nodes.GetResolvedPropertiesAsync(Root + "/cms")).Properties["threads"]!.GetValue<int>());

        await Nodes.UpdatePropertiesAsync(Root + "/fooservice", [new("threads", 8)]);
        Assert.Equal(8, (await Nodes.GetPropertyAsync(Root + "/cms", "threads"))!.GetValue<int>());
    }

    [Fact]
    public async Task ImportAsync_SameTextAgain_ReportsNothingAndWritesNothing()
    {
        await Nodes.ImportAsync(ExampleText, Root);

        var again = await Nodes.ImportAsync(ExampleText, Root);
        var dry = await Nodes.ImportAsync(ExampleText, Root, dryRun: true);

        Assert.Empty(again);
        Assert.Empty(dry);
        await foreach (var path in Nodes.WalkAsync(Root + "/cms"))
        {
            var stat = await Client.ExistsAsync(path);
            Assert.Equal(0, stat!.Version);
            Assert.Equal(0, stat.Aversion);
        }
    }

    [Fact]
    public async Task ImportAsync_DryRunOfChangedText_ReportsExactLinesInOrder_AndChangesNothing()
    {
        await Nodes.ImportAsync(ExampleText, Root);
        var exported = await Nodes.ExportAsync(Root);
        var changed = $"""
            /lb : ipvs2
              /pools
                db -> {Root}/cms/databases
                /cms
                  address = '1.2.3.4:81'
                  timeout = 30
                  providers -> {Root}/fooservice/providers
            /cms : z4m cms
              threads => {Root}/fooservice threads
              /providers
              /databases
                /main
            /fooservice
              /providers
              /provision
                /node1
            """;

        var report = await Nodes.ImportAsync(changed, Root, dryRun: true);

        Assert.Equal(
            [
                $"{Root}/cms remove link main databases/main",
                $"extra path not trimmed: {Root}/cms/databases/main/providers",
                $"{Root}/fooservice remove property threads = 3",
                $"add {Root}/fooservice/provision",
                $"add {Root}/fooservice/provision/node1",
                $"{Root}/lb type change from \"ipvs\" to \"ipvs2\"",
                $"{Root}/lb/pools add link db {Root}/cms/databases",
                $"{Root}/lb/pools/cms add property timeout = 30",
                $"{Root}/lb/pools/cms address change from \"1.2.3.4:80\" to \"1.2.3.4:81\"",
                $"{Root}/lb/pools/cms providers link change from {Root}/cms/providers to {Root}/fooservice/providers",
            ],
            report);
        Assert.Equal(exported, await Nodes.ExportAsync(Root));

        var applied = await Nodes.ImportAsync(changed, Root);

        Assert.Equal(report, applied);
        Assert.Equal(
            new Dictionary<string, string> { ["address"] = "\"1.2.3.4:81\"", ["timeout"] = "30", ["providers ->"] = $"\"{Root}/fooservice/providers\"" },
            await PropertiesOfAsync(Root + "/lb/pools/cms"));
        Assert.NotNull(await Client.ExistsAsync(Root + "/cms/databases/main/providers"));
        Assert.Empty(await Nodes.ImportAsync(changed, Root, trim: false, dryRun: true));
    }

    [Fact]
    public async Task ImportAsync_Trim_DeletesExtraPaths_ButNeverTopLevelOrEphemeral()
    {
        await Nodes.ImportAsync(ExampleText, Root);
        await Nodes.CreateAsync(Root + "/unrelated");
        await Client.CreateAsync(Root + "/fooservice/providers/10.0.0.1:80", Bytes("""{"pid":1}"""), CreateMode.Ephemeral);
        await Nodes.CreateAsync(Root + "/cms/databases/main/providers/x");
        await Client.CreateAsync(Root + "/cms/databases/main/providers/x/eph", default, CreateMode.Ephemeral);
        await Nodes.CreateAsync(Root + "/cms/databases/old/tables");
        var text = ExampleText.Replace("      /providers\n", "", StringComparison.Ordinal);

        var reported = await Nodes.ImportAsync(text, Root);
        var dry = await Nodes.ImportAsync(text, Root, trim: true, dryRun: true);
        var trimmed = await Nodes.ImportAsync(text, Root, trim: true);

        Assert.Equal(
            [
                $"extra path not trimmed: {Root}/cms/databases/old",
                $"extra path not trimmed: {Root}/cms/databases/main/providers",
                $"extra path not trimmed: {Root}/fooservice/providers/10.0.0.1:80",
            ],
            reported);
        Assert.Equal(
            [
                $"would delete {Root}/cms/databases/old/tables.",
                $"would delete {Root}/cms/databases/old.",
                $"wouldn't delete {Root}/cms/databases/main/providers/x/eph because it's ephemeral.",
                $"{Root}/cms/databases/main/providers/x not deleted due to ephemeral descendent.",
                $"{Root}/cms/databases/main/providers not deleted due to ephemeral descendent.",
            ],
            dry);
        Assert.Equal(
            [
                $"delete {Root}/cms/databases/old/tables",
                $"delete {Root}/cms/databases/old",
                $"Not deleting {Root}/cms/databases/main/providers/x/eph because it's ephemeral.",
                $"{Root}/cms/databases/main/providers/x not deleted due to ephemeral descendent.",
                $"{Root}/cms/databases/main/providers not deleted due to ephemeral descendent.",
            ],
            trimmed);
        Assert.Null(await Client.ExistsAsync(Root + "/cms/databases/old"));
        Assert.NotNull(await Client.ExistsAsync(Root + "/cms/databases/main/providers/x/eph"));
        Assert.NotNull(await Client.ExistsAsync(Root + "/fooservice/providers/10.0.0.1:80"));
        Assert.NotNull(await Client.ExistsAsync(Root + "/unrelated"));
    }

    [Fact]
    public async Task ExportAsync_LeavesOutEphemeralNodesUnlessAsked_AndRenamesTop()
    {
        await Nodes.ImportAsync(ExampleText, Root);
        await Client.CreateAsync(Root + "/fooservice/providers/10.0.0.1:80", Bytes("""{"pid":1}"""), CreateMode.Ephemeral);

        var without = await Nodes.ExportAsync(Root + "/fooservice");
        var with = await Nodes.ExportAsync(Root + "/fooservice", ephemeral: true, name: "copy");

        Assert.Equal("/fooservice\n  threads = 3\n  /providers\n", without);
        Assert.Equal("/copy\n  threads = 3\n  /providers\n    /10.0.0.1:80\n      pid = 1\n", with);
        Assert.Equal(string.Empty, await Nodes.ExportAsync(Root + "/fooservice/providers/10.0.0.1:80"));
        await Assert.ThrowsAsync<NoNodeException>(() => Nodes.ExportAsync(Root + "/missing"));
    }

    [Fact]
    public async Task ExportThenImport_RoundTripsWithoutDifferences()
    {
        var source = Root + "/src";
        var copy = Root + "/dst";
        await Nodes.CreateAsync(source);
        await Nodes.CreateAsync(copy);
        await Nodes.ImportAsync(ExampleText.Replace(Root, source, StringComparison.Ordinal), source);
        await Client.CreateAsync(source + "/raw", Bytes("not json at all"));
        await Nodes.CreateAsync(source + "/nested", [
            new("obj", new JsonObject { ["b"] = 1, ["a"] = new JsonArray("x", true, null) }),
            new("big", JsonNode.Parse("12345678901234567890")),
            new("text", "it's \"quoted\" and \u00fcn\u00efcode"),
            new("nothing", null),
        ]);

        var exported = TreeText.Format((await Nodes.ExportTreeAsync(source))!);
        var added = await Nodes.ImportAsync(exported, copy);

        Assert.Empty(await Nodes.ImportAsync(exported, source, dryRun: true));
        Assert.Empty(await Nodes.ImportAsync(exported, copy, dryRun: true));
        Assert.Contains($"add {copy}/raw", added);
        Assert.Equal("not json at all", Text((await Client.GetDataAsync(copy + "/raw")).Data));
        Assert.Equal(
            (await Client.GetDataAsync(source + "/nested")).Data,
            (await Client.GetDataAsync(copy + "/nested")).Data);
        Assert.Equal(await Nodes.ExportAsync(source, name: "x"), await Nodes.ExportAsync(copy, name: "x"));
    }

    [Fact]
    public async Task ImportAsync_TreeModel_WithAcl_SetsAclWhereItDiffers()
    {
        IReadOnlyList<ZooKeeperAcl> acl = [new(Permissions.Read | Permissions.Write | Permissions.Create | Permissions.Delete, "world", "anyone")];
        await Nodes.CreateAsync(Root + "/svc");
        var tree = new TreeNode(string.Empty);
        var svc = new TreeNode("svc") { Type = "service" };
        svc.Children.Add(new TreeNode("child"));
        tree.Children.Add(svc);

        var report = await Nodes.ImportAsync(tree, Root, acl: acl);

        Assert.Equal([$"{Root}/svc add property type = \"service\"", $"add {Root}/svc/child"], report);
        Assert.Equal(acl, (await Client.GetAclAsync(Root + "/svc")).Acl);
        Assert.Equal(acl, (await Client.GetAclAsync(Root + "/svc/child")).Acl);
        var aversion = (await Client.ExistsAsync(Root + "/svc"))!.Aversion;
        await Nodes.ImportAsync(tree, Root, acl: acl);
        Assert.Equal(aversion, (await Client.ExistsAsync(Root + "/svc"))!.Aversion);
    }

    [Fact]
    public async Task ImportAsync_FailingNode_ThrowsNamingItWithWhatWasAppliedBefore()
    {
        await Client.CreateAsync(Root + "/e", default, CreateMode.Ephemeral);
        var text = "/a\n/e\n  /child\n/z\n";

        var error = await Assert.ThrowsAsync<TreeImportException>(() => Nodes.ImportAsync(text, Root));

        Assert.Equal(Root + "/e/child", error.Path);
        Assert.Equal([$"add {Root}/a"], error.AppliedReport);
        Assert.IsType<NoChildrenForEphemeralsException>(error.InnerException);
        Assert.Contains(Root + "/e/child", error.Message, StringComparison.Ordinal);
        Assert.NotNull(await Client.ExistsAsync(Root + "/a"));
        Assert.Null(await Client.ExistsAsync(Root + "/z"));
    }

    [Fact]
    public async Task ImportAsync_InvalidText_ThrowsTreeTextExceptionWithEveryLine_AndWritesNothing()
    {
        var text = "  a = 1\n/ok\n  bad line here\n  x = [1,\n";

        var error = await Assert.ThrowsAsync<TreeTextException>(() => Nodes.ImportAsync(text, Root));

        Assert.True(error.Errors.Count >= 2);
        Assert.Contains(error.Errors, e => e.LineNumber == 1);
        Assert.Contains(error.Errors, e => e.LineNumber == 3);
        Assert.Empty(await Client.GetChildrenAsync(Root).ContinueWith(t => t.Result.Children));
    }

    [Fact]
    public async Task ImportAsync_MissingTargetPath_ThrowsNoNode()
    {
        var error = await Assert.ThrowsAsync<NoNodeException>(() => Nodes.ImportAsync("/a\n", Root + "/missing"));

        Assert.Equal(Root + "/missing", error.Path);
    }
}
