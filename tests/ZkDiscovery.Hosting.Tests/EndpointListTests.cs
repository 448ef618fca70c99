using System.Collections.Immutable;
using Microsoft.Extensions.Primitives;
using ZkDiscovery.Hosting.Discovery;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Hosting.Tests;

/// <summary>
/// A snapshot's endpoints are a persistent list of chunks: after any sequence of changes it must hold exactly what a
/// plain sorted map holds, find every name, and share the chunks a change did not touch.
/// </summary>
public sealed class EndpointListTests
{
    private static ZooKeeperServiceEndpoint Endpoint(string name)
    {
        Assert.True(ZooKeeperServiceEndpoint.TryCreate("s", "/s/" + name, name, NodeProperties.Empty, 0, null, out var endpoint));
        return endpoint;
    }

    private static string Name(int i) => $"10.{i / 65_536 % 256}.{i / 256 % 256}.{i % 256}:80";

    [Fact]
    public void RandomChanges_AlwaysEqualASortedMap()
    {
        var random = new Random(20261205);
        var model = new SortedDictionary<string, ZooKeeperServiceEndpoint>(StringComparer.Ordinal);
        var list = EndpointList.Empty;
        for (var round = 0; round < 400; round++)
        {
            // A batch of changes: mostly single ones (a churn), sometimes hundreds (a rolling deploy, a first load).
            var size = random.Next(10) == 0 ? random.Next(1, 600) : random.Next(1, 4);
            var batch = new Dictionary<string, ZooKeeperServiceEndpoint?>(StringComparer.Ordinal);
            for (var k = 0; k < size; k++)
            {
                var name = Name(random.Next(3_000));
                batch[name] = random.Next(3) == 0 ? null : Endpoint(name);
            }
            var changes = batch.Select(p => (p.Key, p.Value)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
            var expectChange = changes.Any(c => model.TryGetValue(c.Key, out var old) ? !ReferenceEquals(old, c.Value) : c.Value is not null);
            foreach (var (name, endpoint) in changes)
            {
                if (endpoint is null)
                {
                    model.Remove(name);
                }
                else
                {
                    model[name] = endpoint;
                }
            }

            var next = list.With(changes, out var changed);

            Assert.Equal(expectChange, changed);
            Assert.Equal(model.Count, next.Count);
            Assert.Equal(model.Values, next.ToArray());
            foreach (var (name, _) in changes)
            {
                Assert.Equal(model.TryGetValue(name, out var expected), next.TryGet(name, out var found));
                Assert.Same(expected, found);
            }
            list = next;
        }
        Assert.True(model.Count > 500, "The random walk should have grown the list beyond a few chunks.");
    }

    [Fact]
    public void OneChange_InALargeList_SharesEveryOtherChunk()
    {
        var all = Enumerable.Range(0, 10_000).Select(Name).Order(StringComparer.Ordinal).Select(Endpoint).ToArray();
        var list = EndpointList.FromSorted(all);
        var before = list.ToArray();

        var next = list.With([(all[5_000].Name, null)], out var changed);

        Assert.True(changed);
        Assert.Equal(9_999, next.Count);
        Assert.False(next.TryGet(all[5_000].Name, out _));
        Assert.True(next.TryGet(all[4_999].Name, out var neighbour));
        Assert.Same(all[4_999], neighbour);
        Assert.Equal(before, list.ToArray()); // The old list is untouched.
        // Allocation per change: the index of chunks and one chunk, not a copy of 10,000 references.
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        _ = next.With([(all[7_000].Name, null)], out _);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - allocated, 1, 8 * 1024);
    }

    [Fact]
    public void Snapshot_EndpointsCountAndLookup_Agree()
    {
        var endpoints = new[] { "b:1", "a:1", "c:1" }.Select(Endpoint).ToArray();
        var fromArray = new ServiceEndpointSnapshot("s", "/s", [.. endpoints], true, true, false, new CancellationChangeToken(CancellationToken.None), DateTimeOffset.UnixEpoch);
        var fromList = new ServiceEndpointSnapshot("s", "/s", EndpointList.FromSorted([.. endpoints.OrderBy(e => e.Name, StringComparer.Ordinal)]), true, true, false, new CancellationChangeToken(CancellationToken.None), DateTimeOffset.UnixEpoch);

        Assert.Equal(3, fromArray.Count);
        Assert.Equal(3, fromList.Count);
        Assert.Equal(["a:1", "b:1", "c:1"], fromList.Endpoints.Select(e => e.Name));
        Assert.Equal(fromList.Endpoints, fromList.Endpoints); // Laid out once: the same array each time.
        Assert.True(ImmutableCollectionsMarshalSame(fromList.Endpoints, fromList.Endpoints));
        Assert.True(fromList.TryGetEndpoint("b:1", out var b));
        Assert.Same(endpoints[0], b);
        Assert.True(fromArray.TryGetEndpoint("c:1", out var c));
        Assert.Same(endpoints[2], c);
        Assert.False(fromList.TryGetEndpoint("d:1", out _));
        Assert.Equal(["a:1", "b:1", "c:1"], fromArray.List.ToArray().Select(e => e.Name));
    }

    private static bool ImmutableCollectionsMarshalSame(ImmutableArray<ZooKeeperServiceEndpoint> x, ImmutableArray<ZooKeeperServiceEndpoint> y) =>
        ReferenceEquals(System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsArray(x), System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsArray(y));
}
