namespace ZkDiscovery.Testing.Internal;

/// <summary>The root directory of a server or ensemble: a fresh temp directory (owned, deleted) or the caller's.</summary>
internal sealed class TestDirectory
{
    private TestDirectory(string path, bool owned)
    {
        Path = path;
        Owned = owned;
    }

    public string Path { get; }

    public bool Owned { get; }

    public static TestDirectory Create(string? baseDirectory)
    {
        if (baseDirectory is not null)
        {
            Directory.CreateDirectory(baseDirectory);
            return new TestDirectory(System.IO.Path.GetFullPath(baseDirectory), owned: false);
        }

        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "zkdiscovery-zk-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return new TestDirectory(path, owned: true);
    }

    public void DeleteIfOwned()
    {
        if (!Owned)
        {
            return;
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temp directory is harmless.
        }
    }
}
