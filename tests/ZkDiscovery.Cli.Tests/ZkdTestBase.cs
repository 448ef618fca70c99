using System.Text;

namespace ZkDiscovery.Cli.Tests;

/// <summary>A unique root per test, a library client for setup and checks, and shortcuts to run zkd.</summary>
[Collection(ZkdCollectionDefinition.Name)]
public abstract class ZkdTestBase(ZkdFixture fixture) : IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    protected ZkdFixture Fixture { get; } = fixture;

    protected string Root { get; } = "/cli" + Guid.NewGuid().ToString("N")[..12];

    protected string Conn => Fixture.ConnectionString;

    protected ZooKeeperClient Client { get; private set; } = null!;

    private readonly List<string> _files = [];

    public async Task InitializeAsync()
    {
        Client = await ZooKeeperClient.ConnectAsync(Conn, Timeout);
        await Client.CreateAsync(Root);
    }

    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        foreach (var file in _files)
        {
            File.Delete(file);
        }
    }

    protected static Task<ZkdResult> ZkdAsync(params string[] args) => ZkdFixture.RunAsync(args);

    protected static Task<ZkdResult> ZkdWithInputAsync(string stdin, params string[] args) => ZkdFixture.RunAsync(args, stdin);

    protected string TempFile(string? content = null)
    {
        var path = Path.Combine(Path.GetTempPath(), "zkd-test-" + Guid.NewGuid().ToString("N") + ".txt");
        _files.Add(path);
        if (content is not null)
        {
            File.WriteAllText(path, content);
        }
        return path;
    }

    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected static string Text(byte[] data) => Encoding.UTF8.GetString(data);
}
