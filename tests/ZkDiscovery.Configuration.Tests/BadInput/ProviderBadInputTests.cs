using System.Threading.Channels;
using Xunit.Abstractions;

namespace ZkDiscovery.Configuration.Tests.BadInput;

/// <summary>
/// Bad data under a configuration provider's path: the provider reports an error naming the path and keeps its
/// last good values; a second provider on another path is not disturbed; good data later is loaded again.
/// </summary>
[Trait("Category", "BadInput")]
public class ProviderBadInputTests(ITestOutputHelper output) : ConfigurationTestBase
{
    [Theory]
    [InlineData("malformed JSON", "{\"threads\": 2,")]
    [InlineData("non-UTF-8 bytes", null)]
    [InlineData("property link with three words", "{\"threads =>\":\"{root}/other threads extra\"}")]
    [InlineData("property link cycle", "{\"color\":\"red\",\"threads =>\":\"{root}/svc threads\"}")]
    public async Task BadData_ProviderKeepsLastGoodValues_OtherProviderUnaffected(string caseName, string? data)
    {
        var path = Root + "/svc";
        var otherPath = Root + "/other";
        await Client.CreateAsync(path, Bytes("{\"threads\":1,\"color\":\"red\"}"));
        await Client.CreateAsync(otherPath, Bytes("{\"threads\":7}"));
        var errors = Channel.CreateUnbounded<ZooKeeperLoadExceptionContext>();
        var configuration = Build(path, s => s.OnLoadException = c => errors.Writer.TryWrite(c));
        var other = Build(otherPath);
        using var otherReloads = new ReloadRecorder(other);

        var bytes = data is null ? [0xFF, 0xFE, 0x7B, 0x7D] : Bytes(data.Replace("{root}", Root, StringComparison.Ordinal));
        await Client.SetDataAsync(path, bytes);
        var error = await errors.Reader.ReadAsync().AsTask().WaitAsync(Timeout);

        Assert.Contains(path, error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(ZooKeeperConfigurationStatus.Stale, ProviderOf(configuration).Status);
        Assert.Equal("1", configuration["threads"]);
        Assert.Equal("red", configuration["color"]);
        // The other provider still follows its node.
        await Client.SetDataAsync(otherPath, Bytes("{\"threads\":8}"));
        Assert.Equal("8", (await otherReloads.NextAsync())["threads"]);
        // Good data again: the provider loads it.
        using var reloads = new ReloadRecorder(configuration);
        await Client.SetDataAsync(path, Bytes("{\"threads\":3,\"color\":\"blue\"}"));
        Assert.Equal("3", (await reloads.NextAsync())["threads"]);
        Assert.Equal(ZooKeeperConfigurationStatus.Current, ProviderOf(configuration).Status);
        output.WriteLine($"BADINPUT | configuration provider: {caseName} | {error.Exception.GetType().Name} (OnLoadException; last good values kept) | {error.Exception.Message.ReplaceLineEndings(" / ")}");
    }
}
