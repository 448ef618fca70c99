using ZkDiscovery.IntegrationTests.Infrastructure;
using ZkDiscovery.Testing;

namespace ZkDiscovery.IntegrationTests.TestRig;

[Collection(EnsembleCollectionDefinition.Name)]
public sealed class EnsembleTests(EnsembleFixture fixture)
{
    [Fact]
    public async Task Ensemble_Started_HasOneLeaderAndTwoFollowers()
    {
        await fixture.EnsureAllRunningAsync().WaitAsync(RigAssert.Bound);
        ZooKeeperTestEnsemble ensemble = fixture.Ensemble;

        string?[] modes = await Task.WhenAll(ensemble.Members.Select(m => m.GetModeAsync()));

        Assert.Equal(3, ensemble.Members.Count);
        Assert.Equal(["follower", "follower", "leader"], modes.Order());
        Assert.Equal(string.Join(',', ensemble.Members.Select(m => $"127.0.0.1:{m.Port}")), ensemble.ConnectionString);
        Assert.Equal([1, 2, 3], ensemble.Members.Select(m => m.Id));
    }

    [Fact]
    public async Task KillLeader_SurvivorsElectNewLeader_AndRestartedMemberFollows()
    {
        await fixture.EnsureAllRunningAsync().WaitAsync(RigAssert.Bound);
        ZooKeeperTestEnsemble ensemble = fixture.Ensemble;
        ZooKeeperEnsembleMember oldLeader = await ensemble.GetLeaderAsync().WaitAsync(RigAssert.Bound);
        int oldLeaderPid = oldLeader.ProcessId;

        await oldLeader.KillAsync().WaitAsync(RigAssert.Bound);
        ZooKeeperEnsembleMember newLeader = await ensemble.GetLeaderAsync().WaitAsync(RigAssert.Bound);
        await ensemble.WaitForQuorumAsync().WaitAsync(RigAssert.Bound);

        Assert.False(oldLeader.IsRunning);
        Assert.False(RigAssert.ProcessIsAlive(oldLeaderPid));
        Assert.NotEqual(oldLeader.Id, newLeader.Id);
        Assert.True(newLeader.IsRunning);
        Assert.Equal("leader", await newLeader.GetModeAsync());

        await oldLeader.StartAsync().WaitAsync(RigAssert.Bound);
        await ensemble.WaitForQuorumAsync().WaitAsync(RigAssert.Bound);

        Assert.Equal("follower", await oldLeader.GetModeAsync());
        Assert.Same(newLeader, await ensemble.GetLeaderAsync());
    }
}
