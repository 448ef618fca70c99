using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ZkDiscovery.Nodes;

/// <summary>
/// Reads a property value of tree text: JSON, plus the Python literal spellings found in zc.zk exports
/// (single-quoted strings with Python escapes, <c>u</c>/<c>r</c>/<c>b</c> prefixes, <c>True</c>/<c>False</c>/<c>None</c>,
/// tuples, trailing commas, <c>10L</c>).
/// </summary>
internal ref struct TreeValueParser
{
    private readonly ReadOnlySpan<char> _text;
    private int _position;

    private TreeValueParser(ReadOnlySpan<char> text)
    {
        _text = text;
        _position = 0;
    }

    private sealed class ValueSyntaxException(string message) : Exception(message);

    /// <summary>Parses a whole value; on failure returns false and a message saying what is wrong and where.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out JsonNode? value, out string? error)
    {
        var parser = new TreeValueParser(text);
        try
        {
            value = parser.ParseValue(0);
            parser.SkipSpace();
            if (parser._position < text.Length)
            {
                throw parser.Error("unexpected text after the value");
            }
            error = null;
            return true;
        }
        catch (ValueSyntaxException ex)
        {
            value = null;
            error = ex.Message;
            return false;
        }
    }

    private const int MaxDepth = 64;

    private JsonNode? ParseValue(int depth)
    {
        if (depth > MaxDepth)
        {
            throw Error("the value is nested too deeply");
        }
        SkipSpace();
        if (_position >= _text.Length)
        {
            throw Error("a value is missing");
        }
        var c = _text[_position];
        switch (c)
        {
            case '"' or '\'':
                return JsonValue.Create(ParseString(raw: false));
            case '[':
                return ParseSequence(']', depth);
            case '(':
                return ParseParenthesized(depth);
            case '{':
                return ParseObject(depth);
            case '-' or '+' or '.' or (>= '0' and <= '9'):
                return ParseNumber();
        }
        if (char.IsAsciiLetter(c))
        {
            var start = _position;
            while (_position < _text.Length && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] == '_'))
            {
                _position++;
            }
            var word = _text[start.._position];
            if (_position < _text.Length && _text[_position] is '\'' or '"' && IsStringPrefix(word, out var raw))
            {
                return JsonValue.Create(ParseString(raw));
            }
            switch (word)
            {
                case "true" or "True":
                    return JsonValue.Create(true);
                case "false" or "False":
                    return JsonValue.Create(false);
                case "null" or "None":
                    return null;
            }
            _position = start;
            throw Error($"unknown word '{word.ToString()}' (strings need quotes)");
        }
        throw Error($"unexpected character '{c}'");
    }

    private static bool IsStringPrefix(ReadOnlySpan<char> word, out bool raw)
    {
        raw = false;
        if (word.Length is < 1 or > 2)
        {
            return false;
        }
        var hasTextOrBytes = false;
        foreach (var ch in word)
        {
            switch (char.ToLowerInvariant(ch))
            {
                case 'r' when !raw:
                    raw = true;
                    break;
                case 'u' or 'b' when !hasTextOrBytes:
                    hasTextOrBytes = true;
                    break;
                default:
                    return false;
            }
        }
        return true;
    }

    private JsonArray ParseSequence(char close, int depth)
    {
        _position++; // [ or (
        var array = new JsonArray();
        SkipSpace();
        if (TryConsume(close))
        {
            return array;
        }
        while (true)
        {
            array.Add(ParseValue(depth + 1));
            SkipSpace();
            if (TryConsume(close))
            {
                return array;
            }
            Expect(',');
            SkipSpace();
            if (TryConsume(close))
            {
                return array;
            }
        }
    }

    private JsonNode? ParseParenthesized(int depth)
    {
        var start = _position;
        _position++;
        SkipSpace();
        if (TryConsume(')'))
        {
            return new JsonArray();
        }
        var first = ParseValue(depth + 1);
        SkipSpace();
        if (TryConsume(')'))
        {
            return first; // (x) is x; (x,) is a tuple.
        }
        _position = start;
        return ParseSequence(')', depth);
    }

    private JsonObject ParseObject(int depth)
    {
        _position++;
        var obj = new JsonObject();
        SkipSpace();
        if (TryConsume('}'))
        {
            return obj;
        }
        while (true)
        {
            SkipSpace();
            var keyStart = _position;
            var key = ParseValue(depth + 1);
            string name;
            if (key is JsonValue keyValue && keyValue.TryGetValue<string>(out var s))
            {
                name = s;
            }
            else if (key is JsonValue numberOrBool)
            {
                name = NodeProperties.ToJsonText(numberOrBool); // As json.dumps does for int and bool keys.
            }
            else if (key is null)
            {
                name = "null";
            }
            else
            {
                _position = keyStart;
                throw Error("an object key must be a string or a number");
            }
            SkipSpace();
            Expect(':');
            obj[name] = ParseValue(depth + 1);
            SkipSpace();
            if (TryConsume('}'))
            {
                return obj;
            }
            Expect(',');
            SkipSpace();
            if (TryConsume('}'))
            {
                return obj;
            }
        }
    }

    private JsonValue ParseNumber()
    {
        var start = _position;
        var sb = new StringBuilder();
        if (_text[_position] is '-' or '+')
        {
            if (_text[_position] == '-')
            {
                sb.Append('-');
            }
            _position++;
        }
        var intStart = _position;
        while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
        {
            _position++;
        }
        var integer = _text[intStart.._position];
        if (integer.Length > 1 && integer[0] == '0')
        {
            _position = start;
            throw Error("a number must not start with 0");
        }
        sb.Append(integer.IsEmpty ? "0" : integer);
        var hasDigits = !integer.IsEmpty;
        if (_position < _text.Length && _text[_position] == '.')
        {
            _position++;
            var fractionStart = _position;
            while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
            {
                _position++;
            }
            var fraction = _text[fractionStart.._position];
            hasDigits |= !fraction.IsEmpty;
            sb.Append('.').Append(fraction.IsEmpty ? "0" : fraction);
        }
        if (!hasDigits)
        {
            _position = start;
            throw Error("invalid number");
        }
        if (_position < _text.Length && _text[_position] is 'e' or 'E')
        {
            _position++;
            sb.Append('e');
            if (_position < _text.Length && _text[_position] is '-' or '+')
            {
                sb.Append(_text[_position]);
                _position++;
            }
            var exponentStart = _position;
            while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
            {
                _position++;
            }
            if (_position == exponentStart)
            {
                _position = start;
                throw Error("invalid number exponent");
            }
            sb.Append(_text[exponentStart.._position]);
        }
        if (_position < _text.Length && _text[_position] is 'l' or 'L' && integer.Length == _position - intStart)
        {
            _position++; // Python 2 long: 10L
        }
        if (_position < _text.Length && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] == '_'))
        {
            _position = start;
            throw Error("invalid number");
        }
        using var document = JsonDocument.Parse(sb.ToString());
        return JsonValue.Create(document.RootElement.Clone())!;
    }

    private string ParseString(bool raw)
    {
        var quote = _text[_position];
        var start = _position;
        _position++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_position >= _text.Length)
            {
                _position = start;
                throw Error("unterminated string");
            }
            var c = _text[_position++];
            if (c == quote)
            {
                return CheckSurrogates(sb, start);
            }
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (_position >= _text.Length)
            {
                _position = start;
                throw Error("unterminated string");
            }
            var e = _text[_position++];
            if (raw)
            {
                // Raw strings keep the backslash; an escaped quote does not end the string.
                sb.Append('\\').Append(e);
                continue;
            }
            switch (e)
            {
                case '\\' or '\'' or '"' or '/':
                    sb.Append(e);
                    break;
                case 'n':
                    sb.Append('\n');
                    break;
                case 't':
                    sb.Append('\t');
                    break;
                case 'r':
                    sb.Append('\r');
                    break;
                case 'b':
                    sb.Append('\b');
                    break;
                case 'f':
                    sb.Append('\f');
                    break;
                case 'v':
                    sb.Append('\v');
                    break;
                case 'a':
                    sb.Append('\a');
                    break;
                case >= '0' and <= '7':
                    var octal = e - '0';
                    for (var i = 0; i < 2 && _position < _text.Length && _text[_position] is >= '0' and <= '7'; i++)
                    {
                        octal = (octal * 8) + (_text[_position++] - '0');
                    }
                    sb.Append((char)octal);
                    break;
                case 'x':
                    AppendCodePoint(sb, ReadHex(2));
                    break;
                case 'u':
                    sb.Append((char)ReadHex(4));
                    break;
                case 'U':
                    AppendCodePoint(sb, ReadHex(8));
                    break;
                default:
                    // As Python: an unknown escape keeps its backslash.
                    sb.Append('\\').Append(e);
                    break;
            }
        }
    }

    /// <summary>
    /// Rejects an unpaired surrogate (written raw or as <c>\ud800</c>): node data is UTF-8, which cannot hold it, so
    /// storing the value would silently change it to U+FFFD (found by fuzzing).
    /// </summary>
    private string CheckSurrogates(StringBuilder sb, int start)
    {
        for (var i = 0; i < sb.Length; i++)
        {
            if (char.IsHighSurrogate(sb[i]) && i + 1 < sb.Length && char.IsLowSurrogate(sb[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(sb[i]))
            {
                _position = start;
                throw Error($"the string holds an unpaired surrogate U+{(int)sb[i]:X4}, which UTF-8 node data cannot store");
            }
        }
        return sb.ToString();
    }

    private int ReadHex(int digits)
    {
        if (_position + digits > _text.Length
            || !int.TryParse(_text.Slice(_position, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            throw Error($"invalid escape: {digits} hexadecimal digits expected");
        }
        _position += digits;
        return value;
    }

    private void AppendCodePoint(StringBuilder sb, int codePoint)
    {
        if (codePoint is < 0 or > 0x10FFFF)
        {
            throw Error("invalid escape: code point out of range");
        }
        if (codePoint <= 0xFFFF)
        {
            sb.Append((char)codePoint);
        }
        else
        {
            sb.Append(char.ConvertFromUtf32(codePoint));
        }
    }

    private void SkipSpace()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            _position++;
        }
    }

    private bool TryConsume(char c)
    {
        if (_position < _text.Length && _text[_position] == c)
        {
            _position++;
            return true;
        }
        return false;
    }

    private void Expect(char c)
    {
        if (!TryConsume(c))
        {
            throw _position < _text.Length
                ? Error($"'{c}' expected, found '{_text[_position]}'")
                : Error($"'{c}' expected at the end");
        }
    }

    private readonly ValueSyntaxException Error(string message) =>
        new($"{message} (at column {_position + 1} of the value)");
}
