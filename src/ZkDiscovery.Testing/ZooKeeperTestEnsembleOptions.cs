namespace ZkDiscovery.Testing;

/// <summary>Settings for <see cref="ZooKeeperTestEnsemble"/>.</summary>
public sealed class ZooKeeperTestEnsembleOptions : ZooKeeperTestServerOptions
{
    /// <summary>Gets or sets the number of members (at least 2). Default 3.</summary>
    public int Size { get; set; } = 3;

    /// <summary>Gets or sets <c>initLimit</c> in ticks. Default 10.</summary>
    public int InitLimit { get; set; } = 10;

    /// <summary>Gets or sets <c>syncLimit</c> in ticks (how soon a hung leader is noticed). Default 5.</summary>
    public int SyncLimit { get; set; } = 5;

    internal override void Validate()
    {
        base.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(Size, 2, nameof(Size));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitLimit, 1, nameof(InitLimit));
        ArgumentOutOfRangeException.ThrowIfLessThan(SyncLimit, 1, nameof(SyncLimit));
    }
}
