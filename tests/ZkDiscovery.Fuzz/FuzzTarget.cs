using System.Runtime.InteropServices;
using System.Text;

namespace ZkDiscovery.Fuzz;

/// <summary>
/// One thing to fuzz. An input is a byte array (text targets store UTF-16 code units, so lone surrogates survive),
/// generated from a per-case random stream, and replayable from its base64 form.
/// </summary>
internal abstract class FuzzTarget
{
    public abstract string Name { get; }

    /// <summary>Builds one input.</summary>
    public abstract byte[] Generate(ref FuzzRandom rng);

    /// <summary>
    /// Runs one input. Returns a short outcome label (for the summary) such as "accepted" or "rejected". Throws
    /// <see cref="FuzzFindingException"/> when an oracle fails; any exception <see cref="IsDocumented"/> rejects is
    /// a finding too.
    /// </summary>
    public abstract string Execute(byte[] input);

    /// <summary>True for the exceptions the API under test documents for bad input.</summary>
    public abstract bool IsDocumented(Exception exception);

    /// <summary>A readable rendering of an input for reports (text targets show escaped text).</summary>
    public virtual string Describe(byte[] input) => Convert.ToHexString(input);

    protected static string TextOf(byte[] input) => new(MemoryMarshal.Cast<byte, char>(input));

    protected static byte[] BytesOf(string text) => MemoryMarshal.AsBytes(text.AsSpan()).ToArray();

    protected static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (c is '\\' or '"')
            {
                sb.Append('\\').Append(c);
            }
            else if (c is >= ' ' and < '\u007f')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return "\"" + sb + "\"";
    }
}

/// <summary>An oracle failed: the code under test gave a wrong answer without throwing an undocumented exception.</summary>
internal sealed class FuzzFindingException(string message) : Exception(message);
