using Microsoft.Extensions.Configuration;

namespace ZkDiscovery.Configuration.Tests;

/// <summary>Where a source takes its connection string from when none is set on it.</summary>
public sealed class ConnectionStringTests : ConfigurationTestBase
{
    private async Task<IConfigurationRoot> BuildFromAsync(Dictionary<string, string?> earlier, Action<ZooKeeperConfigurationSource>? configure = null)
    {
        await Client.SetDataAsync(Root, Bytes("{\"threads\": 4}"));
        var builder = new ConfigurationBuilder().AddInMemoryCollection(earlier);
        builder.AddZooKeeper(Root, source =>
        {
            source.StartupTimeout = Timeout;
            configure?.Invoke(source);
        });
        return builder.Build();
    }

    [Fact]
    public async Task AspireConnectionString_IsUsed_WhenZooKeeperConnectionStringIsNotSet()
    {
        // What an Aspire AppHost's WithReference(zookeeper) sets: ConnectionStrings__zookeeper only.
        var root = await BuildFromAsync(new() { ["ConnectionStrings:zookeeper"] = ConnectionString });
        using (root as IDisposable)
        {
            Assert.Equal("4", root["threads"]);
        }
    }

    [Fact]
    public async Task ConnectionName_ChoosesAnotherConnectionString_AndZooKeeperConnectionStringWins()
    {
        var named = await BuildFromAsync(new()
        {
            ["ZooKeeper:ConnectionName"] = "coordination",
            ["ConnectionStrings:zookeeper"] = "127.0.0.1:1", // Would fail: not the one named.
            ["ConnectionStrings:coordination"] = ConnectionString,
        });
        using (named as IDisposable)
        {
            Assert.Equal("4", named["threads"]);
        }

        var explicitFirst = await BuildFromAsync(new()
        {
            ["ZooKeeper:ConnectionString"] = ConnectionString,
            ["ConnectionStrings:zookeeper"] = "127.0.0.1:1",
        });
        using (explicitFirst as IDisposable)
        {
            Assert.Equal("4", explicitFirst["threads"]);
        }

        var onTheSource = await BuildFromAsync(new() { ["ConnectionStrings:zk2"] = ConnectionString }, s => s.ConnectionName = "zk2");
        using (onTheSource as IDisposable)
        {
            Assert.Equal("4", onTheSource["threads"]);
        }
    }
}
