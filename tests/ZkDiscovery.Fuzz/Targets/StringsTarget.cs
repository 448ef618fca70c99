namespace ZkDiscovery.Fuzz.Targets;

/// <summary>
/// <see cref="ZooKeeperPath.GetError"/> / <see cref="ZooKeeperPath.Validate"/> and
/// <see cref="ZooKeeperConnectionString.Parse"/> on random strings. GetError never throws; Validate throws
/// <see cref="ArgumentException"/> exactly when GetError reports an error; Parse throws only
/// <see cref="FormatException"/>. Oracles: a valid path's parent is valid and <c>Combine(parent, name)</c> gives it
/// back; a parsed connection string parses back from its <c>ToString()</c> to the same hosts and chroot.
/// </summary>
internal sealed class StringsTarget : FuzzTarget
{
    private static readonly string[] s_pieces =
    [
        "/", "//", "/a", "/b/c", ".", "..", "/.", "/..", "a", "zk1", "127.0.0.1", "localhost", ":", ":2181", ":0", ":65536", ":99999999999",
        ",", " ", "\t", "[", "]", "[::1]", "[a", "a]", "[[", "]]", "]:", "::1", "@", "#", "?", "-", "_", "0", "\u0000", "\u0001", "\u001f", "\u007f", "\u0085", "\u009f", "\u00a0",
        "\ud800", "\udfff", "\ud83d\ude00", "\ue000", "\uf8ff", "\ufff0", "\uffff", "\u00e9", "1", "+1", "-1", "\u0661", "２",
    ];

    public override string Name => "strings";

    public override bool IsDocumented(Exception exception) => exception is FormatException;

    public override string Describe(byte[] input) => Escape(TextOf(input));

    public override byte[] Generate(ref FuzzRandom rng)
    {
        var sb = new System.Text.StringBuilder();
        var n = rng.Next(12);
        for (var i = 0; i < n; i++)
        {
            if (rng.Chance(85))
            {
                sb.Append(rng.Pick(s_pieces));
            }
            else
            {
                sb.Append((char)rng.Next(0, 0x10000));
            }
        }
        return BytesOf(sb.ToString());
    }

    public override string Execute(byte[] input)
    {
        var text = TextOf(input);
        var path = CheckPath(text);
        var connection = CheckConnectionString(text);
        return path + ", " + connection;
    }

    private static string CheckPath(string text)
    {
        var error = ZooKeeperPath.GetError(text);
        var sequentialError = ZooKeeperPath.GetError(text, allowSequentialSuffix: true);
        if (error is null && sequentialError is not null)
        {
            throw new FuzzFindingException($"a valid path is invalid for a sequential create: {sequentialError}");
        }
        try
        {
            ZooKeeperPath.Validate(text);
            if (error is not null)
            {
                throw new FuzzFindingException($"Validate accepted a path GetError rejects: {error}");
            }
        }
        catch (ArgumentException e)
        {
            if (error is null)
            {
                throw new FuzzFindingException($"Validate rejected a path GetError accepts: {e.Message}");
            }
            return "path invalid";
        }
        if (text != "/")
        {
            var parent = ZooKeeperPath.GetParent(text) ?? throw new FuzzFindingException("a valid path other than / has no parent");
            if (!ZooKeeperPath.IsValid(parent))
            {
                throw new FuzzFindingException($"the parent {parent} of a valid path is invalid");
            }
            if (ZooKeeperPath.Combine(parent, ZooKeeperPath.GetName(text)) != text)
            {
                throw new FuzzFindingException("Combine(GetParent(p), GetName(p)) is not p");
            }
        }
        return "path valid";
    }

    private static string CheckConnectionString(string text)
    {
        ZooKeeperConnectionString parsed;
        try
        {
            parsed = ZooKeeperConnectionString.Parse(text);
        }
        catch (FormatException)
        {
            return "connection string invalid";
        }
        if (parsed.Hosts.Count == 0)
        {
            throw new FuzzFindingException("a connection string parsed to no hosts");
        }
        if (parsed.Chroot is { } chroot && !ZooKeeperPath.IsValid(chroot))
        {
            throw new FuzzFindingException($"a parsed chroot is not a valid path: {chroot}");
        }
        var written = parsed.ToString();
        ZooKeeperConnectionString again;
        try
        {
            again = ZooKeeperConnectionString.Parse(written);
        }
        catch (FormatException e)
        {
            throw new FuzzFindingException($"ToString() of a parsed connection string does not parse back: {written}: {e.Message}");
        }
        if (again.Chroot != parsed.Chroot || !again.Hosts.SequenceEqual(parsed.Hosts))
        {
            throw new FuzzFindingException($"ToString() of a parsed connection string parses to something else: {written} -> {again}");
        }
        return "connection string valid";
    }
}
