using System.Buffers.Binary;

namespace ZkDiscovery.Fuzz;

/// <summary>Byte-level mutations that favour the values a length or count field breaks on.</summary>
internal static class Mutator
{
    private static readonly int[] s_interesting =
    [
        0, 1, -1, -2, 2, 4, 8, 12, 15, 16, 17, 64, 68, 127, 128, 255, 256, 1024, 4096, 65535, 65536,
        0xFFFFF, 0x100000, int.MaxValue, int.MinValue, int.MaxValue / 4, int.MaxValue / 8 + 1, -100, -101, -110, 101, 105,
    ];

    public static int InterestingInt(ref FuzzRandom rng) => rng.Pick(s_interesting);

    public static byte[] Mutate(byte[] input, ref FuzzRandom rng, int maxLength = 4096)
    {
        var data = new List<byte>(input);
        var count = 1 + rng.Next(4);
        for (var m = 0; m < count; m++)
        {
            var position = data.Count == 0 ? 0 : rng.Next(data.Count);
            switch (rng.Next(9))
            {
                case 0 when data.Count > 0:
                    data[position] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[position] = rng.NextByte();
                    break;
                case 2 when data.Count >= 4:
                    {
                        // Overwrite an int, aligned half of the time (jute fields are mostly ints).
                        var at = rng.Chance(50) ? (position & ~3) : position;
                        at = Math.Min(at, data.Count - 4);
                        Span<byte> bytes = stackalloc byte[4];
                        BinaryPrimitives.WriteInt32BigEndian(bytes, rng.Chance(80) ? InterestingInt(ref rng) : data.Count - at + rng.Next(-2, 3));
                        for (var i = 0; i < 4; i++)
                        {
                            data[at + i] = bytes[i];
                        }
                        break;
                    }
                case 3:
                    {
                        var n = 1 + rng.Next(8);
                        for (var i = 0; i < n; i++)
                        {
                            data.Insert(position, rng.NextByte());
                        }
                        break;
                    }
                case 4 when data.Count > 0:
                    data.RemoveRange(position, Math.Min(data.Count - position, 1 + rng.Next(8)));
                    break;
                case 5 when data.Count > 0:
                    data.RemoveRange(position, data.Count - position);
                    break;
                case 6 when data.Count > 0:
                    {
                        var length = Math.Min(data.Count - position, 1 + rng.Next(32));
                        data.InsertRange(rng.Next(data.Count + 1), data.GetRange(position, length));
                        break;
                    }
                case 7:
                    {
                        var n = 1 + rng.Next(16);
                        for (var i = 0; i < n; i++)
                        {
                            data.Add(rng.NextByte());
                        }
                        break;
                    }
                default:
                    if (data.Count > 0)
                    {
                        data[position] = rng.Pick(new byte[] { 0, 0xFF, 0x7F, 0x80, 0xC0, 0xED, 0xF4, 0xFE, (byte)'/', (byte)'{', (byte)'"' });
                    }
                    break;
            }
        }
        if (data.Count > maxLength)
        {
            data.RemoveRange(maxLength, data.Count - maxLength);
        }
        return [.. data];
    }

    public static byte[] RandomBytes(ref FuzzRandom rng, int maxLength)
    {
        var bytes = new byte[rng.Next(maxLength + 1)];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = rng.NextByte();
        }
        // Sprinkle plausible ints so that lengths and counts sometimes fit.
        for (var at = 0; at + 4 <= bytes.Length; at += 4)
        {
            if (rng.Chance(30))
            {
                BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(at), rng.Chance(50) ? InterestingInt(ref rng) : rng.Next(0, bytes.Length - at + 1));
            }
        }
        return bytes;
    }
}
