using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ZkDiscovery.Protocol;

/// <summary>
/// Writes jute-encoded frames (big-endian, length-prefixed buffers and strings) into one growable buffer rented
/// from the shared pool. Not thread-safe: one writer loop owns it. Frames are written back to back so that a
/// batch of requests goes out in one socket write.
/// </summary>
internal sealed class JuteWriter : IDisposable
{
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private byte[] _buffer;
    private int _position;
    private int _frameStart = -1;

    public JuteWriter(int initialCapacity = 16 * 1024)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    /// <summary>Number of bytes written so far.</summary>
    public int Length => _position;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _position);

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _position);

    /// <summary>Forgets everything written; keeps the buffer (shrinking it if it grew very large).</summary>
    public void Reset()
    {
        _position = 0;
        _frameStart = -1;
        if (_buffer.Length > 4 * 1024 * 1024)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        }
    }

    /// <summary>Starts a frame: reserves its 4-byte length prefix.</summary>
    public void BeginFrame()
    {
        _frameStart = _position;
        WriteInt(0);
    }

    /// <summary>Ends the frame started by <see cref="BeginFrame"/>, patching its length; returns the frame's payload length.</summary>
    public int EndFrame()
    {
        var length = _position - _frameStart - 4;
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_frameStart), length);
        _frameStart = -1;
        return length;
    }

    /// <summary>Drops the frame being written (for example because it is too large).</summary>
    public void AbandonFrame()
    {
        _position = _frameStart;
        _frameStart = -1;
    }

    public void WriteInt(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(GetSpan(4), value);
        _position += 4;
    }

    public void WriteLong(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(GetSpan(8), value);
        _position += 8;
    }

    public void WriteBool(bool value)
    {
        GetSpan(1)[0] = value ? (byte)1 : (byte)0;
        _position++;
    }

    /// <summary>Writes a jute buffer: length then bytes.</summary>
    public void WriteBuffer(ReadOnlySpan<byte> value)
    {
        var span = GetSpan(4 + value.Length);
        BinaryPrimitives.WriteInt32BigEndian(span, value.Length);
        value.CopyTo(span[4..]);
        _position += 4 + value.Length;
    }

    /// <summary>Writes bytes as they are, without a length (an already encoded record).</summary>
    public void WriteRaw(ReadOnlySpan<byte> value)
    {
        value.CopyTo(GetSpan(value.Length));
        _position += value.Length;
    }

    /// <summary>Writes a null jute buffer (length -1).</summary>
    public void WriteNullBuffer() => WriteInt(-1);

    /// <summary>Writes a jute ustring: UTF-8 length then bytes; null as length -1.</summary>
    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteInt(-1);
            return;
        }
        var max = s_utf8.GetMaxByteCount(value.Length);
        var span = GetSpan(4 + max);
        var written = s_utf8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32BigEndian(span, written);
        _position += 4 + written;
    }

    /// <summary>Writes a path as the server sees it: <paramref name="chroot"/> + <paramref name="path"/>, with <c>/</c> meaning the chroot itself.</summary>
    public void WritePath(string? chroot, string path)
    {
        if (chroot is null)
        {
            WriteString(path);
            return;
        }
        var tail = path.Length == 1 ? string.Empty : path;
        var max = s_utf8.GetMaxByteCount(chroot.Length + tail.Length);
        var span = GetSpan(4 + max);
        var written = s_utf8.GetBytes(chroot, span[4..]);
        written += s_utf8.GetBytes(tail, span[(4 + written)..]);
        BinaryPrimitives.WriteInt32BigEndian(span, written);
        _position += 4 + written;
    }

    public void WriteStringVector(IReadOnlyList<string> values, string? chroot)
    {
        WriteInt(values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            WritePath(chroot, values[i]);
        }
    }

    public void WriteAcls(IReadOnlyList<ZooKeeperAcl> acl)
    {
        WriteInt(acl.Count);
        for (var i = 0; i < acl.Count; i++)
        {
            var entry = acl[i];
            WriteInt((int)entry.Permissions);
            WriteString(entry.Scheme);
            WriteString(entry.Id);
        }
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Span<byte> GetSpan(int size)
    {
        if (_buffer.Length - _position < size)
        {
            Grow(size);
        }
        return _buffer.AsSpan(_position);
    }

    private void Grow(int size)
    {
        var newSize = Math.Max(_buffer.Length * 2, _position + size);
        var larger = ArrayPool<byte>.Shared.Rent(newSize);
        _buffer.AsSpan(0, _position).CopyTo(larger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
        _buffer = larger;
    }
}
