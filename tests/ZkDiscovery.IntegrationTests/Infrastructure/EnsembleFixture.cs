using ZkDiscovery.Testing;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.IntegrationTests.Infrastructure;

/// <summary>
/// A 3-member ensemble shared by the tests of collection <see cref="EnsembleCollectionDefinition.Name"/> ("Ensemble"),
/// which run one at a time. Tests may kill and restart members; each test should begin with
/// <see cref="EnsureAllRunningAsync"/> so it starts from a full, serving ensemble.
/// </summary>
public sealed class EnsembleFixture : IAsyncLifetime
{
    private ZooKeeperTestEnsemble? _ensemble;

    /// <summary>Gets the ensemble.</summary>
    public ZooKeeperTestEnsemble Ensemble => _ensemble ?? throw new InvalidOperationException("The ensemble is not started.");

    /// <summary>Gets the connection string naming all members.</summary>
    public string ConnectionString => Ensemble.ConnectionString;

    /// <summary>Restarts any stopped member and waits until all members serve with one leader.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task completing when the ensemble is whole.</returns>
    public async Task EnsureAllRunningAsync(CancellationToken cancellationToken = default)
    {
        foreach (ZooKeeperEnsembleMember member in Ensemble.Members)
        {
            if (!member.IsRunning)
            {
                await member.StartAsync(cancellationToken);
            }
        }

        await Ensemble.WaitForQuorumAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task InitializeAsync() =>
        _ensemble = await ZooKeeperTestEnsemble.StartAsync(ZooKeeperTestDefaults.CreateEnsembleOptions());

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_ensemble is not null)
        {
            await _ensemble.DisposeAsync();
        }
    }
}

/// <summary>
/// The xunit collection for failover tests against <see cref="EnsembleFixture"/>: <c>[Collection(EnsembleCollectionDefinition.Name)]</c>.
/// Its tests never run in parallel with any other test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnsembleCollectionDefinition : ICollectionFixture<EnsembleFixture>
{
    /// <summary>The collection name, "Ensemble".</summary>
    public const string Name = "Ensemble";
}
