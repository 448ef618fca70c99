using System.Security.Cryptography;
using System.Text;

namespace ZkDiscovery.Connection;

/// <summary>
/// The client side of one SASL DIGEST-MD5 exchange (RFC 2831), quality of protection <c>auth</c> only, as ZooKeeper's
/// DigestLoginModule serves it: the client sends an empty token, answers the server's challenge with a digest
/// response, and checks the server's <c>rspauth</c>. No authorization id is sent (the identity is the user name).
/// </summary>
internal sealed class SaslDigestMd5
{
    private readonly string _username;
    private readonly string _password;
    private readonly string _digestUri;
    private readonly string _defaultRealm;
    private readonly string _cnonce;
    private string? _expectedRspAuth;

    public SaslDigestMd5(ZooKeeperSaslOptions options)
        : this(options.Username!, options.Password ?? string.Empty, options.ServiceName + "/" + options.ServerName, options.ServerName,
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)))
    {
    }

    internal SaslDigestMd5(string username, string password, string digestUri, string defaultRealm, string cnonce)
    {
        _username = username;
        _password = password;
        _digestUri = digestUri;
        _defaultRealm = defaultRealm;
        _cnonce = cnonce;
    }

    /// <summary>True once the server's <c>rspauth</c> was verified.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>
    /// Answers the server's digest challenge. Throws <see cref="FormatException"/> for a challenge this client cannot
    /// answer (no nonce, no <c>auth</c> quality of protection, another algorithm). The message never holds the password.
    /// </summary>
    public byte[] Respond(ReadOnlySpan<byte> challengeBytes)
    {
        var challenge = ParseDirectives(Encoding.UTF8.GetString(challengeBytes));
        if (!challenge.TryGetValue("nonce", out var nonce) || nonce.Length == 0)
        {
            throw new FormatException("The DIGEST-MD5 challenge has no nonce.");
        }
        if (!challenge.TryGetValue("algorithm", out var algorithm) || !algorithm.Equals("md5-sess", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"The DIGEST-MD5 challenge asks for algorithm '{algorithm}', not md5-sess.");
        }
        if (challenge.TryGetValue("qop", out var qops) && !qops.Split(',').Any(q => q.Trim().Equals("auth", StringComparison.OrdinalIgnoreCase)))
        {
            throw new FormatException($"The server offers quality of protection '{qops}'; only 'auth' is supported.");
        }
        var utf8 = challenge.TryGetValue("charset", out var charset) && charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase);
        var realm = challenge.TryGetValue("realm", out var offered) ? offered : _defaultRealm;
        const string Nc = "00000001";
        const string Qop = "auth";

        // A1 = H(user:realm:password) ":" nonce ":" cnonce ; the response and rspauth differ only in A2.
        var a1 = new List<byte>(MD5Bytes(Encode(_username + ":" + realm + ":" + _password, utf8)));
        a1.AddRange(Encoding.ASCII.GetBytes(":" + nonce + ":" + _cnonce));
        var ha1 = Hex(MD5Bytes([.. a1]));
        var response = Digest(ha1, nonce, Nc, Qop, "AUTHENTICATE:" + _digestUri);
        _expectedRspAuth = Digest(ha1, nonce, Nc, Qop, ":" + _digestUri);

        var text = new StringBuilder()
            .Append(utf8 ? "charset=utf-8," : "")
            .Append("username=\"").Append(Quote(_username)).Append("\",")
            .Append("realm=\"").Append(Quote(realm)).Append("\",")
            .Append("nonce=\"").Append(Quote(nonce)).Append("\",")
            .Append("nc=").Append(Nc).Append(',')
            .Append("cnonce=\"").Append(Quote(_cnonce)).Append("\",")
            .Append("digest-uri=\"").Append(Quote(_digestUri)).Append("\",")
            .Append("maxbuf=65536,")
            .Append("response=").Append(response).Append(',')
            .Append("qop=").Append(Qop)
            .ToString();
        return Encode(text, utf8);
    }

    /// <summary>Checks the server's final token (<c>rspauth=...</c>): proof that the server knows the password too.</summary>
    public bool VerifyServer(ReadOnlySpan<byte> token)
    {
        if (_expectedRspAuth is null)
        {
            return false;
        }
        var directives = ParseDirectives(Encoding.UTF8.GetString(token));
        if (!directives.TryGetValue("rspauth", out var rspauth))
        {
            return false;
        }
        IsComplete = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(rspauth.ToLowerInvariant()), Encoding.ASCII.GetBytes(_expectedRspAuth));
        return IsComplete;
    }

    // KD(HEX(H(A1)), nonce ":" nc ":" cnonce ":" qop ":" HEX(H(A2))), KD(k, s) = H(k ":" s).
    private string Digest(string ha1, string nonce, string nc, string qop, string a2)
    {
        var ha2 = Hex(MD5Bytes(Encoding.ASCII.GetBytes(a2)));
        return Hex(MD5Bytes(Encoding.ASCII.GetBytes(ha1 + ":" + nonce + ":" + nc + ":" + _cnonce + ":" + qop + ":" + ha2)));
    }

    // MD5 is what DIGEST-MD5 (RFC 2831) is defined with; it is the protocol's, not a choice made here.
#pragma warning disable CA5351
    private static byte[] MD5Bytes(byte[] data) => MD5.HashData(data);
#pragma warning restore CA5351

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    /// <summary>RFC 2831 2.1.2.1: with charset=utf-8, text that fits ISO 8859-1 is hashed as ISO 8859-1, else as UTF-8.</summary>
    private static byte[] Encode(string text, bool utf8) =>
        !utf8 || text.All(c => c <= '\u00FF') ? Encoding.Latin1.GetBytes(text) : Encoding.UTF8.GetBytes(text);

    private static string Quote(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    /// <summary>Parses <c>key=value</c> and <c>key="quoted, \"escaped\""</c> directives separated by commas; the first of a repeated key wins.</summary>
    internal static Dictionary<string, string> ParseDirectives(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i])))
            {
                i++;
            }
            var eq = text.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }
            var key = text[i..eq].Trim();
            i = eq + 1;
            var value = new StringBuilder();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }
                    value.Append(text[i++]);
                }
                i++;
            }
            else
            {
                while (i < text.Length && text[i] != ',')
                {
                    value.Append(text[i++]);
                }
            }
            result.TryAdd(key, value.ToString().Trim());
        }
        return result;
    }
}
