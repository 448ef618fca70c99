using ZkDiscovery.Recipes;

namespace ZkDiscovery.Tests.Recipes;

public sealed class ZooKeeperLockHolderTests
{
    [Theory]
    [InlineData("worker-1", "10.0.0.5", 4242, 7L)]
    [InlineData("odd@name/with#chars", "fe80::1", 1, 0L)]
    [InlineData("3f2504e04f8941d39a0c0305e82c3301", "", 0, 12345678901L)]
    public void ToString_ThenTryParse_RoundTrips(string nodeId, string host, int pid, long sequence)
    {
        var holder = new ZooKeeperLockHolder(nodeId, host, pid, sequence);
        Assert.True(ZooKeeperLockHolder.TryParse(holder.ToString(), out var parsed));
        Assert.Equal(holder, parsed);
    }

    [Fact]
    public void ToString_PadsSequenceLikeZooKeeper() =>
        Assert.Equal("w@10.0.0.5/42#0000000007", new ZooKeeperLockHolder("w", "10.0.0.5", 42, 7).ToString());

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("w@h/1")]
    [InlineData("w@h/x#1")]
    [InlineData("wh/1#1")]
    public void TryParse_Malformed_ReturnsFalse(string? text)
    {
        Assert.False(ZooKeeperLockHolder.TryParse(text, out _));
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => ZooKeeperLockHolder.Parse(text));
        }
    }
}
