using System.Text.Json;
using System.Text.Unicode;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Hosting.Discovery;

/// <summary>
/// What an endpoint needs from a provider's data, found without building its properties: the <c>uri</c>, <c>scheme</c>,
/// <c>endpoint</c> and <c>started</c> strings and whether links are among the names. A service of thousands of providers
/// then keeps each one's data as it was read (about a hundred bytes) instead of a property set of objects, and builds the
/// properties only for the endpoints someone asks about.
/// </summary>
/// <remarks>
/// The result agrees with <see cref="NodeProperties.Parse(ReadOnlySpan{byte})"/> on every input: where that could disagree
/// (broken or unusual JSON, text that is not UTF-8, non-ASCII white space around the data), <see cref="IsPlain"/> is
/// false and the caller parses the data in full instead.
/// </remarks>
internal readonly struct ProviderData
{
    private static readonly JsonReaderOptions s_options = new() { MaxDepth = 256 };

    private ProviderData(bool isPlain, bool isObject, bool isEmpty, string? uri = null, string? scheme = null, string? endpoint = null, string? started = null, bool hasPropertyLinks = false, bool hasSymbolicLinks = false)
    {
        IsPlain = isPlain;
        IsObject = isObject;
        IsEmpty = isEmpty;
        Uri = uri;
        Scheme = scheme;
        Endpoint = endpoint;
        Started = started;
        HasPropertyLinks = hasPropertyLinks;
        HasSymbolicLinks = hasSymbolicLinks;
    }

    /// <summary>True when the scan is conclusive; false when the data must be parsed in full.</summary>
    public bool IsPlain { get; }

    /// <summary>True for a JSON object.</summary>
    public bool IsObject { get; }

    /// <summary>True for data that is empty or only white space: no properties at all.</summary>
    public bool IsEmpty { get; }

    /// <summary>The <c>uri</c> property when it is a string (the last one when it appears twice, as in the full parse).</summary>
    public string? Uri { get; }

    /// <summary>The <c>scheme</c> property when it is a string.</summary>
    public string? Scheme { get; }

    /// <summary>The <c>endpoint</c> property when it is a string.</summary>
    public string? Endpoint { get; }

    /// <summary>The <c>started</c> property when it is a string.</summary>
    public string? Started { get; }

    /// <summary>True when a name ends with <c> =&gt;</c> (a property link).</summary>
    public bool HasPropertyLinks { get; }

    /// <summary>True when a name ends with <c> -&gt;</c> (a symbolic link).</summary>
    public bool HasSymbolicLinks { get; }

    /// <summary>
    /// Why the full parse warns, for conclusive scans: text that is not a JSON object (read as <c>string_value</c>);
    /// null for an object or empty data.
    /// </summary>
    public string? Warning => IsPlain && !IsObject && !IsEmpty ? NodePropertyNames.NotAnObjectWarning : null;

    /// <summary>Scans <paramref name="data"/>; see the remarks.</summary>
    public static ProviderData Scan(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith("\uFEFF"u8))
        {
            data = data[3..];
        }
        var start = 0;
        while (start < data.Length && IsAsciiWhiteSpace(data[start]))
        {
            start++;
        }
        var end = data.Length;
        while (end > start && IsAsciiWhiteSpace(data[end - 1]))
        {
            end--;
        }
        var trimmed = data[start..end];
        if (trimmed.IsEmpty)
        {
            // Only ASCII white space (or nothing): no properties. Non-ASCII bytes never get here.
            return new ProviderData(isPlain: true, isObject: false, isEmpty: true);
        }
        if (trimmed[0] >= 0x80 || trimmed[^1] >= 0x80 || !Utf8.IsValid(data))
        {
            return default; // Unicode white space to trim, or not UTF-8: the full parse decides.
        }
        if (trimmed[0] != (byte)'{' || trimmed[^1] != (byte)'}')
        {
            return new ProviderData(isPlain: true, isObject: false, isEmpty: false);
        }
        try
        {
            return ScanObject(trimmed);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return default; // Broken JSON, or a string that is not valid UTF-16: the full parse words the warning.
        }
    }

    private static ProviderData ScanObject(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: new JsonReaderState(s_options));
        reader.Read(); // The start of the object.
        string? uri = null, scheme = null, endpoint = null, started = null;
        bool propertyLinks = false, symbolicLinks = false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0)
            {
                break;
            }
            // A property name at depth 1.
            var known = Known.None;
            if (reader.ValueIsEscaped)
            {
                var name = reader.GetString()!; // Throws, as the full parse does, on an escape that is not UTF-16.
                propertyLinks |= NodePropertyNames.IsPropertyLink(name);
                symbolicLinks |= NodePropertyNames.IsSymbolicLink(name);
                known = name switch { "uri" => Known.Uri, "scheme" => Known.Scheme, "endpoint" => Known.Endpoint, "started" => Known.Started, _ => Known.None };
            }
            else
            {
                var name = reader.ValueSpan;
                propertyLinks |= name.EndsWith(" =>"u8);
                symbolicLinks |= name.EndsWith(" ->"u8);
                known = name.SequenceEqual("uri"u8) ? Known.Uri
                    : name.SequenceEqual("scheme"u8) ? Known.Scheme
                    : name.SequenceEqual("endpoint"u8) ? Known.Endpoint
                    : name.SequenceEqual("started"u8) ? Known.Started
                    : Known.None;
            }
            reader.Read();
            string? text = null;
            if (reader.TokenType == JsonTokenType.String)
            {
                if (known != Known.None)
                {
                    text = reader.GetString();
                }
                else if (reader.ValueIsEscaped)
                {
                    _ = reader.GetString(); // Only to fail where the full parse fails.
                }
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                SkipValidating(ref reader);
            }
            switch (known)
            {
                case Known.Uri: uri = text; break;
                case Known.Scheme: scheme = text; break;
                case Known.Endpoint: endpoint = text; break;
                case Known.Started: started = text; break;
                default: break;
            }
        }
        if (reader.Read())
        {
            // Not reached: the reader throws on anything after the root value.
            return default;
        }
        return new ProviderData(isPlain: true, isObject: true, isEmpty: false, uri, scheme, endpoint, started, propertyLinks, symbolicLinks);
    }

    /// <summary>Skips a nested object or array, decoding escaped strings inside it as the full parse does.</summary>
    private static void SkipValidating(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
            {
                _ = reader.GetString();
            }
        }
    }

    private static bool IsAsciiWhiteSpace(byte b) => b < 0x80 && char.IsWhiteSpace((char)b);

    private enum Known
    {
        None,
        Uri,
        Scheme,
        Endpoint,
        Started,
    }
}
