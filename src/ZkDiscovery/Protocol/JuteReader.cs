using System.Buffers.Binary;
using System.Text;

namespace ZkDiscovery.Protocol;

/// <summary>
/// Reads jute-encoded values from one frame's bytes. Every read is bounds-checked: a truncated or corrupt
/// frame throws <see cref="ZooKeeperProtocolException"/>, never reads past the frame and never allocates more
/// than the frame could hold.
/// </summary>
internal ref struct JuteReader
{
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public JuteReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public int ReadInt()
    {
        Ensure(4, "int");
        var value = BinaryPrimitives.ReadInt32BigEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    public long ReadLong()
    {
        Ensure(8, "long");
        var value = BinaryPrimitives.ReadInt64BigEndian(_data[_position..]);
        _position += 8;
        return value;
    }

    public bool ReadBool()
    {
        Ensure(1, "boolean");
        return _data[_position++] != 0;
    }

    /// <summary>Reads a boolean that old peers may omit at the end of a record.</summary>
    public bool ReadOptionalBool() => Remaining > 0 && ReadBool();

    /// <summary>Reads a jute buffer; null (length -1) is returned as an empty array.</summary>
    public byte[] ReadBuffer()
    {
        var length = ReadLength("buffer");
        if (length <= 0)
        {
            return [];
        }
        var value = _data.Slice(_position, length).ToArray();
        _position += length;
        return value;
    }

    /// <summary>Reads a jute buffer as a span of this frame (no copy); null (length -1) is empty.</summary>
    public ReadOnlySpan<byte> ReadBufferSpan()
    {
        var length = ReadLength("buffer");
        if (length <= 0)
        {
            return [];
        }
        var value = _data.Slice(_position, length);
        _position += length;
        return value;
    }

    public string? ReadString()
    {
        var length = ReadLength("ustring");
        if (length < 0)
        {
            return null;
        }
        var value = s_utf8.GetString(_data.Slice(_position, length));
        _position += length;
        return value;
    }

    public string ReadNonNullString() => ReadString() ?? string.Empty;

    public List<string> ReadStringVector()
    {
        var count = ReadCount(4, "vector<ustring>");
        var list = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(ReadNonNullString());
        }
        return list;
    }

    public NodeStat ReadStat()
    {
        Ensure(68, "Stat");
        var s = _data[_position..];
        _position += 68;
        return new NodeStat(
            Czxid: BinaryPrimitives.ReadInt64BigEndian(s),
            Mzxid: BinaryPrimitives.ReadInt64BigEndian(s[8..]),
            Ctime: BinaryPrimitives.ReadInt64BigEndian(s[16..]),
            Mtime: BinaryPrimitives.ReadInt64BigEndian(s[24..]),
            Version: BinaryPrimitives.ReadInt32BigEndian(s[32..]),
            Cversion: BinaryPrimitives.ReadInt32BigEndian(s[36..]),
            Aversion: BinaryPrimitives.ReadInt32BigEndian(s[40..]),
            EphemeralOwner: BinaryPrimitives.ReadInt64BigEndian(s[44..]),
            DataLength: BinaryPrimitives.ReadInt32BigEndian(s[52..]),
            NumChildren: BinaryPrimitives.ReadInt32BigEndian(s[56..]),
            Pzxid: BinaryPrimitives.ReadInt64BigEndian(s[60..]));
    }

    public List<ZooKeeperAcl> ReadAcls()
    {
        // An ACL entry is at least 4 (perms) + 4 + 4 (two empty strings) bytes.
        var count = ReadCount(12, "vector<ACL>");
        var list = new List<ZooKeeperAcl>(count);
        for (var i = 0; i < count; i++)
        {
            var perms = ReadInt();
            var scheme = ReadNonNullString();
            var id = ReadNonNullString();
            list.Add(new ZooKeeperAcl((Permissions)perms, scheme, id));
        }
        return list;
    }

    private int ReadLength(string what)
    {
        var length = ReadInt();
        if (length < -1)
        {
            throw Corrupt($"negative {what} length {length}");
        }
        if (length > Remaining)
        {
            throw Corrupt($"{what} length {length} exceeds the {Remaining} bytes left in the frame");
        }
        return length;
    }

    private int ReadCount(int minElementSize, string what)
    {
        var count = ReadInt();
        if (count == -1)
        {
            return 0;
        }
        if (count < 0)
        {
            throw Corrupt($"negative {what} count {count}");
        }
        if ((long)count * minElementSize > Remaining)
        {
            throw Corrupt($"{what} count {count} cannot fit in the {Remaining} bytes left in the frame");
        }
        return count;
    }

    private readonly void Ensure(int size, string what)
    {
        if (_data.Length - _position < size)
        {
            throw Corrupt($"truncated frame: {what} needs {size} bytes at offset {_position}, frame has {_data.Length}");
        }
    }

    private static ZooKeeperProtocolException Corrupt(string detail) => new($"Invalid ZooKeeper frame: {detail}.");
}
