using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using ZkDiscovery.Protocol;

namespace ZkDiscovery.Connection;

/// <summary>
/// The read side of a connection. It reads frames, matches replies to the requests in flight, and hands watch
/// notifications to the dispatcher. The replies it read are published to their callers on the same thread once
/// everything read so far is handled, so a reply reaches its caller with no hop between threads.
/// </summary>
/// <remarks>
/// <para>
/// A plain TCP connection reads on a thread of its own. That thread connects, performs the handshake and then reads,
/// waiting in the kernel (poll) until the socket holds data. The socket never serves an asynchronous operation (writes
/// are non-blocking sends), so the runtime's epoll thread never watches it. The kernel wakes the reader thread
/// directly: between the socket and the caller there is no epoll thread and no thread-pool worker, which would spin
/// before it sleeps again. A request/reply round trip then costs about what the raw-socket floor costs.
/// </para>
/// <para>
/// The reader thread must never be held up by a caller's continuation: a continuation that waits synchronously for
/// another reply would wait forever, because nobody would read that reply. So while the thread publishes, the
/// completion queue's watchdog watches it. If publishing makes no progress for a check interval, reading moves to an
/// asynchronous loop on the thread pool, from where the thread left off, and the thread ends when the continuation
/// returns.
/// </para>
/// <para>
/// The asynchronous loop also serves TLS and SASL connections and the connections that did not get a thread:
/// <see cref="MaxReaderThreads"/> caps the threads of a process, so that a process with many sessions does not run
/// hundreds of them. The AppContext switch <c>ZkDiscovery.Connection.AsyncReader</c> turns the threads off.
/// </para>
/// </remarks>
internal sealed partial class ZooKeeperConnection : ICompletionPublisherOwner
{
    /// <summary>
    /// How many connections of a process read on threads of their own at most (the number of processors, at least 2);
    /// the others read asynchronously. A thread per connection is what makes one session's round trip cheap, but
    /// with hundreds of sessions in one process their threads would wake one by one where the thread pool handles
    /// many sockets' events in one batch (W8: 250 sessions read 10-25 % cheaper without threads). Tests change it.
    /// </summary>
    internal static int MaxReaderThreads { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>How many reader threads of this process are running or starting.</summary>
    internal static int ReaderThreadsInUse => Volatile.Read(ref s_readerThreads);

    /// <summary>The reader threads' name (15 characters: Linux shows it whole).</summary>
    internal const string ReaderThreadName = "ZooKeeperReader";

    private const int InitialReadBuffer = 64 * 1024;
    private const int PollSliceMicroseconds = 50_000;
    private const int ReadPollLimitMicroseconds = 1_000_000;
    private const int MaxReadsAtOnce = 16;
    private const int ThreadReading = 0;
    private const int ThreadPublishing = 1;
    private const int AsyncReading = 2;

    private static int s_readerThreads;

    private readonly TaskCompletionSource _readerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Set for a connection opened on a reader thread: RunAsync (or Break) lets the thread start reading.
    private ManualResetEventSlim? _startReading;
    // Owned by whichever loop reads: the reader thread, then (after a hand-over) the asynchronous loop.
    private byte[] _readBuffer = [];
    private int _readStart;
    private int _readEnd;
    private int _readerMode = AsyncReading;
    private CancellationToken _readToken;

    /// <summary>True when the connection was opened on a reader thread of its own (it may have handed its reading over since).</summary>
    public bool HasReaderThread => _startReading is not null;

    private static bool UseReaderThreads =>
        !(AppContext.TryGetSwitch("ZkDiscovery.Connection.AsyncReader", out var asyncOnly) && asyncOnly);

    private static bool TryReserveReaderThread()
    {
        if (!UseReaderThreads)
        {
            return false;
        }
        if (Interlocked.Increment(ref s_readerThreads) <= MaxReaderThreads)
        {
            return true;
        }
        Interlocked.Decrement(ref s_readerThreads);
        return false;
    }

    /// <summary>
    /// Opens the connection on a new reader thread (which holds a reservation from <see cref="TryReserveReaderThread"/>
    /// and releases it when it ends): it connects and performs the handshake within <paramref name="timeout"/>, then
    /// waits for <see cref="RunAsync"/> to read.
    /// </summary>
    private static async Task<ZooKeeperConnection> OpenOnReaderThreadAsync(SessionDriver driver, ZooKeeperHost host, ConnectRequest request, TimeSpan timeout, int maxFrameSize, CancellationToken cancellationToken)
    {
        ThreadedOpen open;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(timeout);
            IPAddress[] addresses;
            try
            {
                addresses = await ResolveAsync(host, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Connecting to ZooKeeper server {host} timed out after {timeout.TotalMilliseconds:0} ms.");
            }
            open = new ThreadedOpen(driver, host, request, addresses, timeout, maxFrameSize);
            var thread = new Thread(static state => ((ThreadedOpen)state!).Run())
            {
                IsBackground = true,
                Name = ReaderThreadName,
            };
            // Without the ExecutionContext of the code that opens the connection.
            thread.UnsafeStart(open);
        }
        catch
        {
            Interlocked.Decrement(ref s_readerThreads);
            throw;
        }
        using (cancellationToken.UnsafeRegister(static state => ((ThreadedOpen)state!).Cancel(), open))
        {
            return await open.Opened.Task.ConfigureAwait(false);
        }
    }

    /// <summary>One connection attempt on a reader thread, which goes on to read if the attempt succeeds.</summary>
    private sealed class ThreadedOpen(SessionDriver driver, ZooKeeperHost host, ConnectRequest request, IPAddress[] addresses, TimeSpan timeout, int maxFrameSize)
    {
        private readonly long _deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        private volatile bool _cancelled;

        public TaskCompletionSource<ZooKeeperConnection> Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Cancel()
        {
            _cancelled = true;
            Opened.TrySetCanceled();
        }

        public void Run()
        {
            ZooKeeperConnection? connection = null;
            try
            {
                var socket = Connect();
                // NetworkStream takes only blocking sockets; it serves for disposal (and for reading after a hand-over).
                NetworkStream stream;
                try
                {
                    socket.Blocking = true;
                    stream = new NetworkStream(socket, ownsSocket: true);
                    socket.Blocking = false;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                connection = new ZooKeeperConnection(driver, socket, stream, host, maxFrameSize)
                {
                    _startReading = new ManualResetEventSlim(),
                };
                connection.Handshake(request, this);
            }
            catch (Exception e)
            {
                connection?.Close();
                Interlocked.Decrement(ref s_readerThreads);
                Opened.TrySetException(e is TimeoutException ? new TimeoutException($"Connecting to ZooKeeper server {host} timed out after {timeout.TotalMilliseconds:0} ms.") : e);
                return;
            }
            if (!Opened.TrySetResult(connection))
            {
                // Cancelled meanwhile: nobody takes the connection.
                connection.Close();
                Interlocked.Decrement(ref s_readerThreads);
                return;
            }
            connection.ReadOnThread();
        }

        private Socket Connect()
        {
            Exception? last = null;
            foreach (var address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, Blocking = false };
                try
                {
                    try
                    {
                        socket.Connect(new IPEndPoint(address, host.Port));
                    }
                    catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
                    {
                        WaitConnected(socket);
                    }
                    return socket;
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    last = e;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
            throw last!;
        }

        private void WaitConnected(Socket socket)
        {
            while (true)
            {
                var writable = socket.Poll(NextSlice(), SelectMode.SelectWrite);
                if (writable || socket.Poll(0, SelectMode.SelectError))
                {
                    var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                    if (error != SocketError.Success)
                    {
                        throw new SocketException((int)error);
                    }
                    if (writable)
                    {
                        return;
                    }
                }
            }
        }

        /// <summary>How long the next wait may last (at most a slice, so that cancellation is seen); throws past the deadline.</summary>
        public int NextSlice()
        {
            if (_cancelled)
            {
                throw new OperationCanceledException();
            }
            var left = (_deadline - Stopwatch.GetTimestamp()) * 1_000_000 / Stopwatch.Frequency;
            if (left <= 0)
            {
                throw new TimeoutException();
            }
            return (int)Math.Min(left, PollSliceMicroseconds);
        }
    }

    /// <summary>The ZooKeeper handshake on the reader thread, with non-blocking sends and polled receives.</summary>
    private void Handshake(ConnectRequest request, ThreadedOpen open)
    {
        using (var writer = new JuteWriter(128))
        {
            writer.BeginFrame();
            request.Write(writer);
            writer.EndFrame();
            var frame = writer.WrittenSpan;
            while (!frame.IsEmpty)
            {
                var sent = _socket.Send(frame, SocketFlags.None, out var error);
                if (error == SocketError.Success)
                {
                    frame = frame[sent..];
                }
                else if (error == SocketError.WouldBlock)
                {
                    _socket.Poll(open.NextSlice(), SelectMode.SelectWrite);
                }
                else
                {
                    throw new SocketException((int)error);
                }
            }
        }
        var header = new byte[4];
        ReceiveExactly(header, open);
        var body = new byte[HandshakeReplyLength(header)];
        ReceiveExactly(body, open);
        AcceptHandshakeReply(body);
    }

    private void ReceiveExactly(Span<byte> buffer, ThreadedOpen open)
    {
        while (!buffer.IsEmpty)
        {
            if (!_socket.Poll(open.NextSlice(), SelectMode.SelectRead))
            {
                continue;
            }
            var read = _socket.Receive(buffer, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                continue;
            }
            if (error != SocketError.Success)
            {
                throw new SocketException((int)error);
            }
            if (read == 0)
            {
                throw new EndOfStreamException($"ZooKeeper server {Host} closed the connection during the handshake.");
            }
            buffer = buffer[read..];
        }
    }

    /// <summary>Closes a connection that never ran (on the reader thread, synchronously).</summary>
    private void Close()
    {
        Break(new ObjectDisposedException(nameof(ZooKeeperConnection)));
        _stream.Dispose();
        _cts.Dispose();
    }

    /// <summary>
    /// Sends <paramref name="data"/> on a connection whose socket must not serve asynchronous operations (see the
    /// remarks): non-blocking sends, and when the socket's send buffer is full, short waits until it has room again.
    /// </summary>
    private async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var sent = _socket.Send(data.Span, SocketFlags.None, out var error);
            if (error == SocketError.Success)
            {
                data = data[sent..];
                continue;
            }
            if (error != SocketError.WouldBlock)
            {
                throw new IOException($"Writing to ZooKeeper server {Host} failed: {error}.", new SocketException((int)error));
            }
            // The server reads slower than we write: rare, and never on the hot path.
            while (!_socket.Poll(0, SelectMode.SelectWrite))
            {
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Starts the read side; the task completes when reading has ended for good.</summary>
    private Task StartReader(CancellationToken cancellationToken)
    {
        _readToken = cancellationToken;
        if (_startReading is { } start)
        {
            start.Set();
        }
        else
        {
            _readBuffer = ArrayPool<byte>.Shared.Rent(InitialReadBuffer);
            _ = Task.Run(ReadLoopAsync, CancellationToken.None);
        }
        return _readerDone.Task;
    }

    /// <summary>The reader thread, once the connection is open: waits for RunAsync, then reads until the connection ends.</summary>
    private void ReadOnThread()
    {
        var handedOver = false;
        try
        {
            _startReading!.Wait();
            if (IsBroken)
            {
                return;
            }
            _readBuffer = ArrayPool<byte>.Shared.Rent(InitialReadBuffer);
            Volatile.Write(ref _readerMode, ThreadReading);
            while (true)
            {
                ProcessBuffered();
                if (!_driver.Dispatcher.IsEmpty || !_driver.Completions.IsEmpty)
                {
                    // The watch events first, then the replies: a caller sees an event before the data read after it.
                    Volatile.Write(ref _readerMode, ThreadPublishing);
                    _driver.Dispatcher.DispatchInline(this);
                    if (Volatile.Read(ref _readerMode) == ThreadPublishing)
                    {
                        _driver.Completions.PublishInline(this);
                    }
                    if (Interlocked.CompareExchange(ref _readerMode, ThreadReading, ThreadPublishing) != ThreadPublishing)
                    {
                        // A continuation stalled this thread; the asynchronous loop owns the buffer now.
                        handedOver = true;
                        return;
                    }
                }
                MakeRoomToRead();
                Received(Receive(_readBuffer.AsSpan(_readEnd)));
            }
        }
        catch (Exception e)
        {
            EndReading(e);
        }
        finally
        {
            Interlocked.Decrement(ref s_readerThreads);
            if (!handedOver)
            {
                ReturnReadBuffer();
                _readerDone.TrySetResult();
            }
        }
    }

    /// <summary>Receives what the socket holds, waiting in the kernel (poll) until it holds something.</summary>
    private int Receive(Span<byte> buffer)
    {
        while (true)
        {
            // The limit only bounds how long a broken connection could go unnoticed if shutting the socket down
            // did not wake the poll.
            if (_socket.Poll(ReadPollLimitMicroseconds, SelectMode.SelectRead))
            {
                var read = _socket.Receive(buffer, SocketFlags.None, out var error);
                if (error == SocketError.Success)
                {
                    return read;
                }
                if (error != SocketError.WouldBlock)
                {
                    throw new IOException($"Reading from ZooKeeper server {Host} failed: {error}.", new SocketException((int)error));
                }
            }
            if (IsBroken)
            {
                throw new OperationCanceledException();
            }
        }
    }

    /// <summary>
    /// Called by the watchdog of the completion queue or of the dispatcher when publishing or dispatching on the reader
    /// thread made no progress for a check interval: reading goes on asynchronously from where the thread left off.
    /// In the asynchronous loop, whose next read is already posted, only what waits behind the stall moves to the pool.
    /// </summary>
    void ICompletionPublisherOwner.OnPublisherStalled()
    {
        if (Interlocked.CompareExchange(ref _readerMode, AsyncReading, ThreadPublishing) == ThreadPublishing)
        {
            _ = Task.Run(ReadLoopAsync, CancellationToken.None);
            // On the pool: the watchdog's thread runs no user code, and a logger may be slow.
            ThreadPool.UnsafeQueueUserWorkItem(static c => c._driver.OnReaderThreadHandedOver(c), this, preferLocal: false);
        }
        // Replies read but not published yet (a watcher stalled before them) go out on the pool; so do events queued
        // behind a stalled callback once it returns.
        _driver.Completions.Flush();
        _driver.Dispatcher.Flush();
    }

    private async Task ReadLoopAsync()
    {
        var readsAtOnce = 0;
        try
        {
            while (true)
            {
                ProcessBuffered();
                MakeRoomToRead();
                // Everything read so far is handled. When the next read has to wait, the events and then the replies
                // go to their callers right here once it is posted (the loop goes on on another thread if data
                // arrives meanwhile, and this delivery may then run alongside the next one: each reply waits for the
                // events read before it, see CompletionQueue). When it completed at once, more data is there: it is
                // handled first, and the delivery waits for the next read that waits. Only a stream that never pauses
                // (MaxReadsAtOnce reads in a row) is delivered on the pool meanwhile, in the same order.
                var pending = _stream.ReadAsync(_readBuffer.AsMemory(_readEnd), _readToken);
                int read;
                if (pending.IsCompleted)
                {
                    if (++readsAtOnce >= MaxReadsAtOnce)
                    {
                        readsAtOnce = 0;
                        _driver.Dispatcher.Flush();
                        _driver.Completions.Flush();
                    }
                    read = pending.GetAwaiter().GetResult();
                }
                else
                {
                    readsAtOnce = 0;
                    read = await new PublishWhileReading(pending, this);
                }
                Received(read);
            }
        }
        catch (Exception e)
        {
            EndReading(e);
        }
        finally
        {
            ReturnReadBuffer();
            _readerDone.TrySetResult();
        }
    }

    /// <summary>Accounts for <paramref name="read"/> bytes just read into the buffer; none means the server closed the connection.</summary>
    private void Received(int read)
    {
        if (read == 0)
        {
            throw new ConnectionLossException(null, $"ZooKeeper server {Host} closed the connection.");
        }
        _readEnd += read;
        Volatile.Write(ref _lastReceiveTimestamp, Stopwatch.GetTimestamp());
    }

    private void EndReading(Exception e)
    {
        _driver.Dispatcher.Flush();
        _driver.Completions.Flush();
        if (e is ZooKeeperProtocolException)
        {
            _driver.OnProtocolError(this, e);
        }
        Break(e is OperationCanceledException or ObjectDisposedException || (e is IOException && IsBroken)
            ? new ConnectionLossException(null, "The connection was closed.")
            : e);
    }

    private void ReturnReadBuffer()
    {
        var buffer = _readBuffer;
        _readBuffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Handles every complete frame in the buffer.</summary>
    private void ProcessBuffered()
    {
        var buffer = _readBuffer;
        var start = _readStart;
        var end = _readEnd;
        while (end - start >= 4)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(start));
            if (length < ReplyHeader.Size || length > _maxFrameSize)
            {
                throw new ZooKeeperProtocolException($"Invalid frame length {length} from ZooKeeper server {Host} (limit {_maxFrameSize} bytes).");
            }
            if (end - start - 4 < length)
            {
                if (buffer.Length < length + 4)
                {
                    // Ownership: the old buffer goes back to the pool once its bytes are copied.
                    var larger = ArrayPool<byte>.Shared.Rent(length + 4);
                    buffer.AsSpan(start, end - start).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    _readBuffer = buffer = larger;
                    end -= start;
                    start = 0;
                }
                break;
            }
            _readStart = start + 4 + length;
            ProcessFrame(buffer.AsSpan(start + 4, length));
            start = _readStart;
        }
        _readStart = start;
        _readEnd = end;
    }

    /// <summary>Moves a partial frame to the front of the buffer when little room is left behind it.</summary>
    private void MakeRoomToRead()
    {
        if (_readStart == _readEnd)
        {
            _readStart = _readEnd = 0;
        }
        else if (_readStart > 0 && _readBuffer.Length - _readEnd < 4096)
        {
            _readBuffer.AsSpan(_readStart, _readEnd - _readStart).CopyTo(_readBuffer);
            _readEnd -= _readStart;
            _readStart = 0;
        }
    }

    private void ProcessFrame(ReadOnlySpan<byte> frame)
    {
        var reader = new JuteReader(frame);
        var header = ReplyHeader.Read(ref reader);
        switch (header.Xid)
        {
            case Xids.Notification:
                var e = WatcherEventRecord.Read(ref reader);
                _driver.OnNotification(e);
                return;
            case Xids.Ping:
                return;
            case Xids.Auth:
                _pendingAuth.TryDequeue(out var auth);
                if (header.Err != 0)
                {
                    auth?.Fail(new AuthFailedException(null, $"ZooKeeper server {Host} rejected the credentials ({(ZooKeeperErrorCode)header.Err})."));
                    SessionDriver.OnAuthFailed(this, (ZooKeeperErrorCode)header.Err);
                }
                else if (auth is not null)
                {
                    auth.Complete(header, ref reader, _driver.Context);
                    _driver.Completions.Add(auth);
                }
                return;
            default:
                break;
        }
        if (!_pending.TryDequeue(out var request))
        {
            throw new ZooKeeperProtocolException($"ZooKeeper server {Host} sent a reply with xid {header.Xid} but no request is outstanding.");
        }
        if (request.Xid != header.Xid)
        {
            var outOfOrder = new ZooKeeperProtocolException($"ZooKeeper server {Host} sent a reply out of order: expected xid {request.Xid}, got {header.Xid}.");
            // Break first, so that requests queued from here on wait for the next connection.
            Break(outOfOrder);
            request.Fail(new ConnectionLossException(request.Path, $"Reply out of order: expected xid {request.Xid}, got {header.Xid}.", outOfOrder));
            throw outOfOrder;
        }
        if (header.Zxid > 0)
        {
            _driver.ObserveZxid(header.Zxid);
        }
        try
        {
            _driver.OnReply(request, header, ref reader);
        }
        catch (ZooKeeperProtocolException corrupt)
        {
            Break(corrupt);
            request.Fail(corrupt);
            throw;
        }
    }

    /// <summary>
    /// Awaits a pending socket read and, once the read loop's continuation is registered with it, dispatches the
    /// events and publishes the replies already read on the current thread: the callers get them without a
    /// thread-pool hop, and the read loop is not held up by their callbacks, as it resumes wherever the read completes.
    /// </summary>
    private readonly struct PublishWhileReading(ValueTask<int> read, ZooKeeperConnection connection) : ICriticalNotifyCompletion
    {
        public PublishWhileReading GetAwaiter() => this;

        public bool IsCompleted => read.IsCompleted;

        public int GetResult() => read.GetAwaiter().GetResult();

        public void OnCompleted(Action continuation)
        {
            read.ConfigureAwait(false).GetAwaiter().OnCompleted(continuation);
            connection.DeliverRead();
        }

        public void UnsafeOnCompleted(Action continuation)
        {
            read.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(continuation);
            connection.DeliverRead();
        }
    }

    /// <summary>
    /// The asynchronous loop's delivery, while its next read is posted: the events first, then the replies. A watcher
    /// that stalls here makes the dispatcher's watchdog publish the replies on the pool (<see cref="ICompletionPublisherOwner.OnPublisherStalled"/>).
    /// </summary>
    private void DeliverRead()
    {
        _driver.Dispatcher.DispatchInline(this);
        _driver.Completions.PublishInline(null);
    }
}
