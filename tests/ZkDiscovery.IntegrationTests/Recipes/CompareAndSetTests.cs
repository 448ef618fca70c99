using System.Text;
using System.Text.Json.Nodes;
using ZkDiscovery.IntegrationTests.Client;
using ZkDiscovery.Recipes;

namespace ZkDiscovery.IntegrationTests.Recipes;

public sealed class CompareAndSetTests : ClientTestBase
{
    public sealed record Counter(int Value);

    [Fact]
    public async Task UpdateAsync_FourConcurrentWriters_CountExactly1000()
    {
        var path = Root + "/counter";
        var clients = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ConnectAsync()));
        var options = new CompareAndSetOptions { CreateIfMissing = true, MaxAttempts = 1000 };
        var attempts = 0;

        async Task WriterAsync(ZooKeeperClient client)
        {
            for (var i = 0; i < 250; i++)
            {
                var result = await ZooKeeperCompareAndSet.UpdateAsync<Counter>(client, path, c => new Counter((c?.Value ?? 0) + 1), (System.Text.Json.JsonSerializerOptions?)null, options);
                Interlocked.Add(ref attempts, result.Attempts);
            }
        }

        await Task.WhenAll(clients.Select(WriterAsync)).WaitAsync(TimeSpan.FromMinutes(3));

        var data = await Client.GetDataAsync(path);
        Assert.Equal("{\"value\":1000}", Encoding.UTF8.GetString(data.Data));
        Assert.True(attempts >= 1000);
    }

    [Fact]
    public async Task UpdateJsonAsync_ExistingNode_AppliesFunctionAtReadVersion()
    {
        var path = Root + "/config";
        await Client.CreateAsync(path, Bytes("{\"threads\":2}"));

        var result = await ZooKeeperCompareAndSet.UpdateJsonAsync(Client, path, node =>
        {
            node!["threads"] = node["threads"]!.GetValue<int>() * 2;
            return node;
        });

        Assert.Equal(1, result.Stat.Version);
        Assert.False(result.Created);
        Assert.Equal(1, result.Attempts);
        Assert.Equal("{\"threads\":4}", Text((await Client.GetDataAsync(path)).Data));
    }

    [Fact]
    public async Task UpdateBytesAsync_MissingNode_ThrowsUnlessCreateIfMissing()
    {
        var path = Root + "/a/b";
        await Assert.ThrowsAsync<NoNodeException>(() => ZooKeeperCompareAndSet.UpdateBytesAsync(Client, path, b => b ?? []));

        var created = await ZooKeeperCompareAndSet.UpdateBytesAsync(Client, path, b => b is null ? Bytes("new") : [.. b, .. Bytes("!")], new CompareAndSetOptions { CreateIfMissing = true });
        var updated = await ZooKeeperCompareAndSet.UpdateBytesAsync(Client, path, b => b is null ? Bytes("new") : [.. b, .. Bytes("!")]);

        Assert.True(created.Created);
        Assert.False(updated.Created);
        Assert.Equal("new!", Text((await Client.GetDataAsync(path)).Data));
    }

    [Fact]
    public async Task UpdateJsonAsync_ConflictEveryTime_GivesUpAfterMaxAttempts()
    {
        var path = Root + "/contended";
        await Client.CreateAsync(path, Bytes("{}"));
        var other = await ConnectAsync();
        var calls = 0;

        var e = await Assert.ThrowsAsync<BadVersionException>(() => ZooKeeperCompareAndSet.UpdateJsonAsync(Client, path, node =>
        {
            calls++;
            // A concurrent writer gets in between every read and write.
            other.SetDataAsync(path, Bytes("{\"other\":" + calls + "}")).GetAwaiter().GetResult();
            return new JsonObject { ["mine"] = true };
        }, new CompareAndSetOptions { MaxAttempts = 3 }));

        Assert.Equal(3, calls);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }
}
