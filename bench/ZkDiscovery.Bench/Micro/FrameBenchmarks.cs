using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using ZkDiscovery.Protocol;

namespace ZkDiscovery.Bench.Micro;

/// <summary>
/// Encode and decode of the hot frames of W1/W2: a getData("/bench/r", watch=false) request and its reply
/// (ReplyHeader, 100-byte data, Stat), with the internal jute codec of src/ZkDiscovery/Protocol.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes the writer.
public class FrameBenchmarks
#pragma warning restore CA1001
{
    private const string Path = "/bench/r";
    private JuteWriter _writer = null!;
    private byte[] _reply = null!;
    private int _xid;

    [GlobalSetup]
    public void Setup()
    {
        _writer = new JuteWriter();
        // A getData reply body as the server sends it (the 4-byte length prefix is not part of the frame span).
        using var w = new JuteWriter(256);
        w.WriteInt(42);                         // xid
        w.WriteLong(0x1_0000_0123L);            // zxid
        w.WriteInt(0);                          // err
        w.WriteBuffer(Enumerable.Repeat((byte)'x', 100).ToArray());
        for (var i = 0; i < 4; i++)
        {
            w.WriteLong(0x1_0000_0001L + i);    // czxid, mzxid, ctime, mtime
        }
        w.WriteInt(7);                          // version
        w.WriteInt(0);                          // cversion
        w.WriteInt(0);                          // aversion
        w.WriteLong(0);                         // ephemeralOwner
        w.WriteInt(100);                        // dataLength
        w.WriteInt(0);                          // numChildren
        w.WriteLong(0x1_0000_0002L);            // pzxid
        _reply = w.WrittenSpan.ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _writer.Dispose();

    /// <summary>One request frame: length prefix, xid, opcode, path, watch flag (what the writer loop does per request).</summary>
    [Benchmark]
    public int EncodeGetDataRequest()
    {
        _writer.Reset();
        _writer.BeginFrame();
        _writer.WriteInt(++_xid);
        _writer.WriteInt((int)OpCode.GetData);
        _writer.WritePath(null, Path);
        _writer.WriteBool(false);
        return _writer.EndFrame();
    }

    /// <summary>A batch of 1,000 request frames into one buffer (the W1 window written back to back).</summary>
    [Benchmark(OperationsPerInvoke = 1000)]
    public int EncodeGetDataRequestBatch1000()
    {
        _writer.Reset();
        for (var i = 0; i < 1000; i++)
        {
            _writer.BeginFrame();
            _writer.WriteInt(++_xid);
            _writer.WriteInt((int)OpCode.GetData);
            _writer.WritePath(null, Path);
            _writer.WriteBool(false);
            _writer.EndFrame();
        }
        return _writer.Length;
    }

    /// <summary>The reply as the client decodes it: header, data copied into a new array (NodeData.Data), Stat.</summary>
    [Benchmark]
    public int DecodeGetDataReply()
    {
        var reader = new JuteReader(_reply);
        var header = ReplyHeader.Read(ref reader);
        var data = reader.ReadBuffer();
        var stat = reader.ReadStat();
        return header.Xid + data.Length + stat.Version;
    }

    /// <summary>The reply decoded without copying the data (lower bound of the decode cost).</summary>
    [Benchmark]
    public int DecodeGetDataReplyNoCopy()
    {
        var reader = new JuteReader(_reply);
        var header = ReplyHeader.Read(ref reader);
        var data = reader.ReadBufferSpan();
        var stat = reader.ReadStat();
        return header.Xid + data.Length + stat.Version;
    }

    /// <summary>Length-prefix scan of the read loop over a 64 KiB buffer of back-to-back replies, per frame.</summary>
    [Benchmark(OperationsPerInvoke = 300)]
    public int DecodeReplyStream300()
    {
        Span<byte> buffer = stackalloc byte[300 * (4 + 188)];
        var at = 0;
        for (var i = 0; i < 300; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(buffer[at..], _reply.Length);
            _reply.CopyTo(buffer[(at + 4)..]);
            at += 4 + _reply.Length;
        }
        var sum = 0;
        var start = 0;
        while (start + 4 <= at)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(buffer[start..]);
            var reader = new JuteReader(buffer.Slice(start + 4, length));
            var header = ReplyHeader.Read(ref reader);
            var data = reader.ReadBuffer();
            var stat = reader.ReadStat();
            sum += header.Xid + data.Length + stat.Version;
            start += 4 + length;
        }
        return sum;
    }
}
