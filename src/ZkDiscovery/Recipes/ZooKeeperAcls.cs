using System.Security.Cryptography;
using System.Text;

namespace ZkDiscovery.Recipes;

/// <summary>
/// ACL helpers: digest identities, ACL entries to and from strings such as <c>digest:alice:secret:cdrwa</c>,
/// <c>world:anyone:r</c> or <c>ip:10.0.0.0/8:rw</c>, and permission strings (<c>cdrwa</c> letters or the long names
/// <c>create</c>, <c>delete</c>, <c>read</c>, <c>write</c>, <c>admin</c>, <c>all</c>).
/// </summary>
public static class ZooKeeperAcls
{
    private const string Letters = "cdrwa";

    /// <summary>
    /// The digest identity for <paramref name="user"/> and <paramref name="password"/> as ZooKeeper computes it:
    /// <c>user:BASE64(SHA1("user:password"))</c>, e.g. <c>alice</c>/<c>s3cret</c> → <c>alice:uLxpHc/uhT86OXPoSjJTp1M8CJY=</c>.
    /// </summary>
    /// <param name="user">The user name; must not contain <c>:</c>.</param>
    /// <param name="password">The password.</param>
    /// <exception cref="ArgumentException">The user name is empty or contains <c>:</c>.</exception>
    public static string DigestId(string user, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentNullException.ThrowIfNull(password);
        if (user.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("A digest user name must not contain ':'.", nameof(user));
        }
        // SHA-1 is what the ZooKeeper server uses for the digest scheme, not a choice made here.
#pragma warning disable CA5350
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(user + ":" + password));
#pragma warning restore CA5350
        return user + ":" + Convert.ToBase64String(hash);
    }

    /// <summary>An ACL entry granting <paramref name="permissions"/> to the digest identity of <paramref name="user"/>/<paramref name="password"/>.</summary>
    /// <param name="user">The user name.</param>
    /// <param name="password">The password (hashed here; the entry holds only the hash).</param>
    /// <param name="permissions">What the user may do.</param>
    public static ZooKeeperAcl Digest(string user, string password, Permissions permissions = Permissions.All) =>
        new(permissions, "digest", DigestId(user, password));

    /// <summary>
    /// Reads one ACL entry written <c>SCHEME:ID:PERMISSIONS</c>. The id is everything between the first and the last
    /// <c>:</c> (so <c>ip</c> entries may hold IPv6 addresses). For the <c>digest</c> scheme the id is <c>user:password</c>
    /// and the password is hashed (<see cref="DigestId"/>) unless <paramref name="digestIsHashed"/> is true.
    /// </summary>
    /// <param name="text">The entry, e.g. <c>digest:alice:secret:cdrwa</c>, <c>world:anyone:r</c>, <c>ip:10.0.0.0/8:rw</c>, <c>auth::all</c>.</param>
    /// <param name="digestIsHashed">True when a digest id already holds the hash (as <see cref="Format(ZooKeeperAcl)"/> writes it).</param>
    /// <exception cref="ZooKeeperAclFormatException">The entry or its permissions are malformed; <see cref="ZooKeeperAclFormatException.Text"/> names the bad part (a digest password is never included).</exception>
    public static ZooKeeperAcl Parse(string text, bool digestIsHashed = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var first = trimmed.IndexOf(':', StringComparison.Ordinal);
        var last = trimmed.LastIndexOf(':');
        if (first <= 0 || last == first)
        {
            throw new ZooKeeperAclFormatException(Redact(trimmed), $"An ACL entry must be written SCHEME:ID:PERMISSIONS, not \"{Redact(trimmed)}\".");
        }
        var scheme = trimmed[..first];
        var id = trimmed[(first + 1)..last];
        var permissions = ParsePermissions(trimmed[(last + 1)..]);
        if (string.Equals(scheme, "digest", StringComparison.Ordinal))
        {
            var colon = id.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new ZooKeeperAclFormatException(Redact(trimmed), $"A digest ACL entry must be written digest:USER:PASSWORD:PERMISSIONS, not \"{Redact(trimmed)}\".");
            }
            if (!digestIsHashed)
            {
                id = DigestId(id[..colon], id[(colon + 1)..]);
            }
        }
        else if (scheme == "world" && id.Length == 0)
        {
            throw new ZooKeeperAclFormatException(trimmed, $"A world ACL entry needs the id anyone: \"{trimmed}\".");
        }
        return new ZooKeeperAcl(permissions, scheme, id);
    }

    /// <summary>Reads several entries (see <see cref="Parse(string, bool)"/>).</summary>
    /// <param name="entries">The entries.</param>
    /// <param name="digestIsHashed">True when digest ids already hold the hash.</param>
    /// <exception cref="ZooKeeperAclFormatException">An entry is malformed.</exception>
    public static IReadOnlyList<ZooKeeperAcl> ParseList(IEnumerable<string> entries, bool digestIsHashed = false)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return entries.Select(e => Parse(e, digestIsHashed)).ToList();
    }

    /// <summary>
    /// Reads permissions: letters out of <c>cdrwa</c> (create, delete, read, write, admin) in any order, or long names
    /// separated by <c>,</c>, <c>|</c>, <c>+</c> or spaces (<c>read,write</c>, <c>all</c>), case-insensitive. An empty
    /// string is <see cref="Permissions.None"/>.
    /// </summary>
    /// <param name="text">The permissions.</param>
    /// <exception cref="ZooKeeperAclFormatException">A letter or name is unknown; <see cref="ZooKeeperAclFormatException.Text"/> is that letter or name.</exception>
    public static Permissions ParsePermissions(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var words = trimmed.Split([',', '|', '+', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 1 && !IsLongName(words[0]))
        {
            var result = Permissions.None;
            foreach (var c in words[0])
            {
                result |= char.ToLowerInvariant(c) switch
                {
                    'c' => Permissions.Create,
                    'd' => Permissions.Delete,
                    'r' => Permissions.Read,
                    'w' => Permissions.Write,
                    'a' => Permissions.Admin,
                    _ => throw new ZooKeeperAclFormatException(c.ToString(), $"Unknown permission letter '{c}' in \"{trimmed}\"; use letters of cdrwa or the names create, delete, read, write, admin, all."),
                };
            }
            return result;
        }
        var permissions = Permissions.None;
        foreach (var word in words)
        {
            permissions |= word.ToUpperInvariant() switch
            {
                "CREATE" => Permissions.Create,
                "DELETE" => Permissions.Delete,
                "READ" => Permissions.Read,
                "WRITE" => Permissions.Write,
                "ADMIN" => Permissions.Admin,
                "ALL" => Permissions.All,
                "NONE" => Permissions.None,
                _ => throw new ZooKeeperAclFormatException(word, $"Unknown permission \"{word}\" in \"{trimmed}\"; use letters of cdrwa or the names create, delete, read, write, admin, all."),
            };
        }
        return permissions;
    }

    /// <summary>Writes permissions as letters in the order <c>cdrwa</c> (as zkCli shows them), e.g. <c>rw</c>; empty for none.</summary>
    /// <param name="permissions">The permissions.</param>
    public static string FormatPermissions(Permissions permissions)
    {
        var builder = new StringBuilder(5);
        foreach (var c in Letters)
        {
            if ((permissions & LetterFlag(c)) != 0)
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }

    /// <summary>Writes permissions as long names separated by commas in the order create, delete, read, write, admin; <c>all</c> for every one, <c>none</c> for none.</summary>
    /// <param name="permissions">The permissions.</param>
    public static string FormatPermissionNames(Permissions permissions)
    {
        if ((permissions & Permissions.All) == Permissions.All)
        {
            return "all";
        }
        var names = new List<string>(5);
        foreach (var (flag, name) in new[] { (Permissions.Create, "create"), (Permissions.Delete, "delete"), (Permissions.Read, "read"), (Permissions.Write, "write"), (Permissions.Admin, "admin") })
        {
            if ((permissions & flag) != 0)
            {
                names.Add(name);
            }
        }
        return names.Count == 0 ? "none" : string.Join(',', names);
    }

    /// <summary>Writes an entry as <c>SCHEME:ID:PERMISSIONS</c> with permission letters; digest ids stay hashed (read it back with <c>digestIsHashed: true</c>).</summary>
    /// <param name="acl">The entry.</param>
    public static string Format(ZooKeeperAcl acl)
    {
        ArgumentNullException.ThrowIfNull(acl);
        return $"{acl.Scheme}:{acl.Id}:{FormatPermissions(acl.Permissions)}";
    }

    /// <summary>Writes entries with <see cref="Format(ZooKeeperAcl)"/>, separated by <c>, </c>.</summary>
    /// <param name="acl">The entries.</param>
    public static string Format(IEnumerable<ZooKeeperAcl> acl)
    {
        ArgumentNullException.ThrowIfNull(acl);
        return string.Join(", ", acl.Select(Format));
    }

    private static bool IsLongName(string word) =>
        word.Equals("create", StringComparison.OrdinalIgnoreCase) || word.Equals("delete", StringComparison.OrdinalIgnoreCase) ||
        word.Equals("read", StringComparison.OrdinalIgnoreCase) || word.Equals("write", StringComparison.OrdinalIgnoreCase) ||
        word.Equals("admin", StringComparison.OrdinalIgnoreCase) || word.Equals("all", StringComparison.OrdinalIgnoreCase) ||
        word.Equals("none", StringComparison.OrdinalIgnoreCase);

    private static Permissions LetterFlag(char c) => c switch
    {
        'c' => Permissions.Create,
        'd' => Permissions.Delete,
        'r' => Permissions.Read,
        'w' => Permissions.Write,
        _ => Permissions.Admin,
    };

    // Keeps digest passwords out of error messages: digest:user:***:perms.
    private static string Redact(string entry)
    {
        if (!entry.StartsWith("digest:", StringComparison.Ordinal))
        {
            return entry;
        }
        var parts = entry.Split(':');
        return parts.Length >= 4 ? $"digest:{parts[1]}:***:{parts[^1]}" : "digest:***";
    }
}
