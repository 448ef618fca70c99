using System.Text.Json.Nodes;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Tests.Nodes;

public class TreeImportDiffTests
{
    private static NodeProperties Props(params (string Name, JsonNode? Value)[] items) =>
        new(items.Select(i => new KeyValuePair<string, JsonNode?>(i.Name, i.Value)));

    [Fact]
    public void Describe_EqualSets_NoLines()
    {
        var properties = Props(("a", 1), ("l ->", "x"), ("t =>", "/p t"));

        Assert.Empty(TreeImportDiff.Describe("/n", properties, Props(("t =>", "/p t"), ("l ->", "x"), ("a", 1))));
    }

    [Fact]
    public void Describe_EveryKind_InSpecOrder_SortedWithinKind()
    {
        var before = Props(("z", 1), ("gone", "g"), ("same", true), ("chg", "old"), ("old ->", "/o"), ("moved ->", "a"), ("t =>", "/p t"));
        var after = Props(("z", 2), ("same", true), ("chg", "new"), ("b", new JsonArray(1)), ("a", null), ("new ->", "../c"), ("moved ->", "b"), ("t =>", "/q t"));

        var lines = TreeImportDiff.Describe("/n", before, after);

        Assert.Equal(
            [
                "/n add property a = null",
                "/n add property b = [1]",
                "/n remove property gone = \"g\"",
                "/n chg change from \"old\" to \"new\"",
                "/n t => change from \"/p t\" to \"/q t\"",
                "/n z change from 1 to 2",
                "/n add link new ../c",
                "/n remove link old /o",
                "/n moved link change from a to b",
            ],
            lines);
    }
}
