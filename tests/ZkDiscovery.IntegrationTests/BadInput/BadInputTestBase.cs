using Xunit.Abstractions;
using ZkDiscovery.IntegrationTests.Nodes;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.IntegrationTests.BadInput;

/// <summary>
/// A bad-input case on the shared server: a witness (a second session with a live children view) is started before
/// the bad input, and <see cref="AssertOthersUnharmedAsync"/> checks afterwards that the test's own client, the
/// second session and its live view all still work and that the data written before is intact.
/// </summary>
public abstract class BadInputTestBase(ITestOutputHelper output) : NodesTestBase
{
    private int _probes;

    protected ITestOutputHelper Output { get; } = output;

    protected ZooKeeperClient Other { get; private set; } = null!;

    protected LiveChildren Witness { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Other = await ConnectAsync();
        await Client.CreateAsync(Root + "/witness", Bytes("{\"kept\":true}"));
        Witness = await LiveChildren.StartAsync(Other, Root + "/witness");
    }

    public override async Task DisposeAsync()
    {
        await Witness.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>Prints the case for the corpus table: <c>BADINPUT | case | error type | message</c>.</summary>
    protected void Report(string caseName, Exception error) => Report(caseName, error.GetType().Name, error.Message);

    protected void Report(string caseName, string errorType, string message) =>
        Output.WriteLine($"BADINPUT | {caseName} | {errorType} | {message.ReplaceLineEndings(" / ")}");

    /// <summary>
    /// The test's client writes a new child of the witness node; the other session's live view must see it, and the
    /// witness node's data must be what was written at the start.
    /// </summary>
    protected async Task AssertOthersUnharmedAsync()
    {
        var name = "probe" + Interlocked.Increment(ref _probes);
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (Witness.Subscribe(view =>
        {
            if (view.Children.Contains(name))
            {
                seen.TrySetResult();
            }
        }))
        {
            await Client.CreateAsync(Root + "/witness/" + name);
            if (!Witness.Children.Contains(name))
            {
                await seen.Task.WaitAsync(Timeout);
            }
        }
        Assert.Equal(ConnectionState.Connected, Other.State);
        Assert.Equal("{\"kept\":true}", Text((await Other.GetDataAsync(Root + "/witness")).Data));
    }
}
