namespace ZkDiscovery.Protocol;

/// <summary>ReplyHeader: xid, zxid, err.</summary>
internal readonly record struct ReplyHeader(int Xid, long Zxid, int Err)
{
    public const int Size = 16;

    public static ReplyHeader Read(ref JuteReader reader) => new(reader.ReadInt(), reader.ReadLong(), reader.ReadInt());
}

/// <summary>The first frame a client sends on every connection.</summary>
internal readonly record struct ConnectRequest(int ProtocolVersion, long LastZxidSeen, int TimeoutMs, long SessionId, byte[] Password, bool ReadOnly)
{
    public void Write(JuteWriter writer)
    {
        writer.WriteInt(ProtocolVersion);
        writer.WriteLong(LastZxidSeen);
        writer.WriteInt(TimeoutMs);
        writer.WriteLong(SessionId);
        writer.WriteBuffer(Password);
        writer.WriteBool(ReadOnly);
    }
}

/// <summary>The server's answer to <see cref="ConnectRequest"/>. A timeout of 0 or less means the session expired.</summary>
internal readonly record struct ConnectResponse(int ProtocolVersion, int TimeoutMs, long SessionId, byte[] Password, bool ReadOnly)
{
    public static ConnectResponse Read(ref JuteReader reader) =>
        new(reader.ReadInt(), reader.ReadInt(), reader.ReadLong(), reader.ReadBuffer(), reader.ReadOptionalBool());
}

/// <summary>A watch notification body.</summary>
internal readonly record struct WatcherEventRecord(int Type, int State, string? Path)
{
    public static WatcherEventRecord Read(ref JuteReader reader) => new(reader.ReadInt(), reader.ReadInt(), reader.ReadString());
}

/// <summary>The header in front of every operation of a multi request and result.</summary>
internal readonly record struct MultiHeader(int Type, bool Done, int Err)
{
    public static MultiHeader Read(ref JuteReader reader) => new(reader.ReadInt(), reader.ReadBool(), reader.ReadInt());

    public void Write(JuteWriter writer)
    {
        writer.WriteInt(Type);
        writer.WriteBool(Done);
        writer.WriteInt(Err);
    }
}
