using System.Text;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Fuzz.Targets;

/// <summary>
/// <see cref="NodeProperties.Parse(ReadOnlySpan{byte})"/> on mutated JSON and random bytes: documented never to
/// throw. Oracles: ToBytes never throws, and properties read without a warning (and without
/// <c>string_value</c>) read back with the same names from their own bytes.
/// </summary>
internal sealed class NodePropertiesTarget : FuzzTarget
{
    private static readonly byte[][] s_seeds =
    [
        "{\"threads\":3,\"type\":\"z4m cms\",\"providers ->\":\"/cms/providers\",\"threads =>\":\"/fooservice threads\"}"u8.ToArray(),
        "{\"a\":[1,2,{\"b\":null}],\"c\":{\"d\":\"\\u00e9\\ud83d\\ude00\"},\"e\":1e400,\"f\":-0.0,\"g\":123456789012345678901234567890}"u8.ToArray(),
        "\uFEFF{\"bom\":true}"u8.ToArray(),
        "{\"dup\":1,\"dup\":2}"u8.ToArray(),
        "plain text"u8.ToArray(),
        "  \n\t "u8.ToArray(),
        [0xC3, 0x28, 0x7B, 0x7D, 0xED, 0xA0, 0x80],
        Encoding.UTF8.GetBytes("{\"deep\":" + new string('[', 300) + new string(']', 300) + "}"),
        "{\"s\":\"a\\\"b\",\"t\":true,\"f\":false,\"n\":null}"u8.ToArray(),
    ];

    public override string Name => "properties";

    public override bool IsDocumented(Exception exception) => false;

    public override byte[] Generate(ref FuzzRandom rng)
    {
        var choice = rng.Next(100);
        return choice switch
        {
            < 75 => Mutator.Mutate(rng.Pick(s_seeds), ref rng),
            < 80 => rng.Pick(s_seeds),
            _ => Mutator.RandomBytes(ref rng, 64),
        };
    }

    public override string Execute(byte[] input)
    {
        var properties = NodeProperties.Parse(input);
        var bytes = properties.ToBytes();
        if (properties.ReadWarning is not null)
        {
            if (properties.Count != 1 || !properties.ContainsKey(NodePropertyNames.StringValue))
            {
                throw new FuzzFindingException($"a warning ({properties.ReadWarning}) but {properties.Count} properties, not just string_value.");
            }
            return "string_value";
        }
        if (properties.ContainsKey(NodePropertyNames.StringValue))
        {
            return "object with string_value";
        }
        var again = NodeProperties.Parse(bytes);
        if (again.ReadWarning is not null || !again.Keys.SequenceEqual(properties.Keys.Order(StringComparer.Ordinal)))
        {
            throw new FuzzFindingException($"properties do not read back from their own bytes {Convert.ToBase64String(bytes)}: {again.ReadWarning}");
        }
        return properties.Count == 0 ? "empty" : "object";
    }
}
