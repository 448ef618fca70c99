using ZkDiscovery.Protocol;

namespace ZkDiscovery.Connection;

/// <summary>What requests need from the session while they are written and completed.</summary>
internal sealed class RequestContext(string? chroot, WatchManager watches)
{
    public string? Chroot { get; } = chroot;

    public WatchManager Watches { get; } = watches;

    /// <summary>Turns a server path into the client's view: the chroot removed, the chroot itself as <c>/</c>.</summary>
    public string StripChroot(string serverPath)
    {
        var chroot = Chroot;
        if (chroot is null)
        {
            return serverPath;
        }
        if (serverPath.Length == chroot.Length && serverPath.Equals(chroot, StringComparison.Ordinal))
        {
            return "/";
        }
        if (serverPath.Length > chroot.Length && serverPath[chroot.Length] == '/' && serverPath.StartsWith(chroot, StringComparison.Ordinal))
        {
            return serverPath[chroot.Length..];
        }
        return serverPath;
    }
}

/// <summary>A request waiting to be sent or answered. Ping and auth packets are special: not in the reply FIFO.</summary>
internal interface IRequest
{
    OpCode OpCode { get; }

    string? Path { get; }

    int Xid { get; set; }

    /// <summary>When the request was queued (<see cref="System.Diagnostics.Stopwatch"/> ticks); used for the stale-queue sweep and latency.</summary>
    long QueuedTimestamp { get; set; }

    /// <summary>True for requests that carry a reserved xid and are matched by it instead of the FIFO.</summary>
    bool IsSpecial { get; }

    bool IsCompleted { get; }

    void WriteBody(JuteWriter writer, RequestContext context);

    /// <summary>Completes the request from its reply. Throws <see cref="ZooKeeperProtocolException"/> on a corrupt body, leaving the request to the caller to fail.</summary>
    void Complete(in ReplyHeader header, ref JuteReader body, RequestContext context);

    void Fail(Exception exception);

    /// <summary>Where the request's outcome is published; set when it is queued.</summary>
    CompletionQueue? Completions { get; set; }

    /// <summary>Completes the task with the outcome set by <see cref="Complete"/> or <see cref="Fail"/>, running its continuations inline.</summary>
    void Publish();

    /// <summary>The request's client span, or null when nobody listens (see <see cref="RequestTracing"/>).</summary>
    System.Diagnostics.Activity? Activity { get; set; }
}

/// <summary>
/// A request and its task: one object per call. The task's continuations run where the outcome is published: on the
/// session's <see cref="CompletionQueue"/>, never on the socket loops. <see cref="Complete"/> and <see cref="Fail"/>
/// only record the outcome (the first one wins); <see cref="Publish"/> completes the task.
/// </summary>
internal abstract class Request<T> : TaskCompletionSource<T>, IRequest
{
    private T? _result;
    private Exception? _error;
    private int _hasOutcome;

    protected Request(OpCode opCode, string? path)
        : base(TaskCreationOptions.None)
    {
        OpCode = opCode;
        Path = path;
    }

    public OpCode OpCode { get; }

    public string? Path { get; }

    private IRequestRetrier? _retrier;
    private CancellationToken _retryToken;

    public int Xid { get; set; }

    public long QueuedTimestamp { get; set; }

    public virtual bool IsSpecial => false;

    public bool IsCompleted => Volatile.Read(ref _hasOutcome) != 0 || Task.IsCompleted;

    public CompletionQueue? Completions { get; set; }

    public System.Diagnostics.Activity? Activity { get; set; }

    public abstract void WriteBody(JuteWriter writer, RequestContext context);

    public void Complete(in ReplyHeader header, ref JuteReader body, RequestContext context)
    {
        if (header.Err != 0)
        {
            OnError((ZooKeeperErrorCode)header.Err, context);
            return;
        }
        T result;
        try
        {
            result = ReadResult(header, ref body, context);
        }
        catch (MultiFailure failure)
        {
            SetOutcome(default, failure.Exception);
            return;
        }
        SetOutcome(result, null);
    }

    /// <summary>
    /// Fails the request, or, when retries are enabled for it and the failure is transient, hands it to the retrier,
    /// which completes it later with the outcome of the retries. A successful request never pays for this.
    /// </summary>
    public void Fail(Exception exception)
    {
        var retrier = _retrier;
        if (retrier is not null && exception is ZooKeeperException { IsTransient: true } transient && !_retryToken.IsCancellationRequested && !Task.IsCompleted)
        {
            _retrier = null;
            if (Activity is { } activity)
            {
                // This attempt's span ends here; the retries get their own (the activity stays set: the retrier
                // gives them its parent). Publish never runs for a request handed to the retrier.
                RequestTracing.Stop(activity, transient);
            }
            retrier.Retry(this, transient, _retryToken);
            return;
        }
        if (SetOutcome(default, exception))
        {
            if (Completions is { } completions)
            {
                completions.Post(this);
            }
            else
            {
                // Never queued, so nobody can wait on it inline here; keep the caller's thread out of continuations anyway.
                ThreadPool.UnsafeQueueUserWorkItem(static request => request.Publish(), this, preferLocal: false);
            }
        }
    }

    public void Publish()
    {
        if (Activity is { } activity)
        {
            // Before the task completes: the span has ended when the caller's continuation runs.
            Activity = null;
            RequestTracing.Stop(activity, _error);
        }
        if (_error is { } error)
        {
            TrySetException(error);
        }
        else
        {
            TrySetResult(_result!);
        }
    }

    /// <summary>Records the outcome of a reply (the read loop then queues the request for publishing).</summary>
    protected void Resolve(T result) => SetOutcome(result, null);

    /// <summary>Records a failed outcome of a reply (the read loop then queues the request for publishing).</summary>
    protected void Reject(Exception error) => SetOutcome(default, error);

    private bool SetOutcome(T? result, Exception? error)
    {
        if (Interlocked.CompareExchange(ref _hasOutcome, 1, 0) != 0)
        {
            return false;
        }
        _result = result;
        _error = error;
        return true;
    }

    /// <summary>Lets <see cref="Fail"/> hand transient failures to <paramref name="retrier"/>.</summary>
    public void EnableRetry(IRequestRetrier retrier, CancellationToken cancellationToken)
    {
        _retrier = retrier;
        _retryToken = cancellationToken;
    }

    /// <summary>A fresh copy of this request, for a retry; only idempotent requests support it.</summary>
    public virtual Request<T> Renew() => throw new NotSupportedException($"{GetType().Name} is not retried automatically.");

    protected virtual void OnError(ZooKeeperErrorCode code, RequestContext context) => Reject(ZooKeeperException.Create(code, Path));

    protected abstract T ReadResult(ref JuteReader body, RequestContext context);

    /// <summary>Reads the result of a successful reply; overridden by the requests that need the reply's zxid.</summary>
    protected virtual T ReadResult(in ReplyHeader header, ref JuteReader body, RequestContext context) => ReadResult(ref body, context);
}

/// <summary>Retries requests that failed transiently (see <see cref="Request{T}.Fail"/>).</summary>
internal interface IRequestRetrier
{
    /// <summary>Retries <paramref name="request"/> (as fresh copies) and completes it with the outcome.</summary>
    void Retry<T>(Request<T> request, ZooKeeperException error, CancellationToken cancellationToken);
}

/// <summary>A request whose reply has no body.</summary>
internal abstract class VoidRequest(OpCode opCode, string? path) : Request<bool>(opCode, path)
{
    protected override bool ReadResult(ref JuteReader body, RequestContext context) => true;
}

internal sealed class CreateRequest(string path, ReadOnlyMemory<byte> data, IReadOnlyList<ZooKeeperAcl> acl, CreateMode mode, long ttl)
    : Request<CreateResult>(OpCodeFor(mode), path)
{
    public static OpCode OpCodeFor(CreateMode mode) => mode switch
    {
        CreateMode.Container => OpCode.CreateContainer,
        CreateMode.PersistentWithTtl or CreateMode.PersistentSequentialWithTtl => OpCode.CreateTtl,
        _ => OpCode.Create2,
    };

    public static void WriteCreate(JuteWriter writer, RequestContext context, string path, ReadOnlySpan<byte> data, IReadOnlyList<ZooKeeperAcl> acl, CreateMode mode, long ttl)
    {
        writer.WritePath(context.Chroot, path);
        writer.WriteBuffer(data);
        writer.WriteAcls(acl);
        writer.WriteInt((int)mode);
        if (mode.IsTtl())
        {
            writer.WriteLong(ttl);
        }
    }

    public override void WriteBody(JuteWriter writer, RequestContext context) => WriteCreate(writer, context, Path!, data.Span, acl, mode, ttl);

    protected override CreateResult ReadResult(ref JuteReader body, RequestContext context)
    {
        var created = context.StripChroot(body.ReadNonNullString());
        return new CreateResult(created, body.ReadStat());
    }
}

internal sealed class DeleteRequest(string path, int version) : VoidRequest(OpCode.Delete, path)
{
    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
        writer.WritePath(context.Chroot, Path!);
        writer.WriteInt(version);
    }
}

internal sealed class ExistsRequest(string path, Action<WatchedEvent>? watcher) : Request<NodeStat?>(OpCode.Exists, path)
{
    public Action<WatchedEvent>? Watcher => watcher;

    public override Request<NodeStat?> Renew() => new ExistsRequest(Path!, watcher);

    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
        writer.WritePath(context.Chroot, Path!);
        writer.WriteBool(watcher is not null);
    }

    protected override NodeStat? ReadResult(ref JuteReader body, RequestContext context)
    {
        var stat = body.ReadStat();
        if (watcher is not null)
        {
            context.Watches.AddData(Path!, watcher);
        }
        return stat;
    }

    protected override void OnError(ZooKeeperErrorCode code, RequestContext context)
    {
        if (code == ZooKeeperErrorCode.NoNode)
        {
            // The server arms an exist watch even though the node is missing.
            if (watcher is not null)
            {
                context.Watches.AddExist(Path!, watcher);
            }
            Resolve(null);
            return;
        }
        base.OnError(code, context);
    }
}

internal sealed class GetDataRequest(string path, Action<WatchedEvent>? watcher) : Request<NodeData>(OpCode.GetData, path)
{
    public override Request<NodeData> Renew() => new GetDataRequest(Path!, watcher);

    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
        writer.WritePath(context.Chroot, Path!);
        writer.WriteBool(watcher is not null);
    }

    protected override NodeData ReadResult(ref JuteReader body, RequestContext context)
    {
        var data = body.ReadBuffer();
        var stat = body.ReadStat();
        if (watcher is not null)
        {
            context.Watches.AddData(Path!, watcher);
        }
        return new NodeData(data, stat);
    }
}

internal sealed class SetDataRequest(string path, ReadOnlyMemory<byte> data, int version) : Request<NodeStat>(OpCode.SetData, path)
{
    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
        writer.WritePath(context.Chroot, Path!);
        writer.WriteBuffer(data.Span);
        writer.WriteInt(version);
    }

    protected override NodeStat ReadResult(ref JuteReader body, RequestContext context) => body.ReadStat();
}

internal sealed class GetChildrenRequest(string path, Action<WatchedEvent>? watcher) : Request<ChildrenResult>(OpCode.GetChildren2, path)
{
    public override Request<ChildrenResult> Renew() => new GetChildrenRequest(Path!, watcher);

    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
        writer.WritePath(context.Chroot, Path!);
        writer.WriteBool(watcher is not null);
    }

    protected override ChildrenResult ReadResult(ref JuteReader body, RequestContext context)
    {
        var children = body.ReadStringVector();
        var stat = body.ReadStat();
        if (watcher is not null)
        {
            context.Watches.AddChild(Path!, watcher);
        }
        return new ChildrenResult(children, stat);
    }
}

internal sealed class GetAclRequest(string path) : Request<AclResult>(OpCode.GetAcl, path)
{
    public override Request<AclResult> Renew() => new GetAclRequest(Path!);

    public override void WriteBody(JuteWriter writer, RequestContext context) => writer.WritePath(context.Chroot, Path!);

    protected override AclResult ReadResult(ref JuteReader body, RequestContext context)
    {
        var acl = body.ReadAcls();
        return new AclResult(acl, body.ReadStat());
    }
}

internal sealed class SetAclRequest(string path, IReadOnlyList<ZooKeeperAcl> acl, int version) : Request<NodeStat>(OpCode.SetAcl, path)
{
    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
        writer.WritePath(context.Chroot, Path!);
        writer.WriteAcls(acl);
        writer.WriteInt(version);
    }

    protected override NodeStat ReadResult(ref JuteReader body, RequestContext context) => body.ReadStat();
}

internal sealed class SyncRequest(string path) : VoidRequest(OpCode.Sync, path)
{
    public override Request<bool> Renew() => new SyncRequest(Path!);

    public override void WriteBody(JuteWriter writer, RequestContext context) => writer.WritePath(context.Chroot, Path!);
}

internal sealed class GetEphemeralsRequest(string prefix) : Request<IReadOnlyList<string>>(OpCode.GetEphemerals, prefix)
{
    public override Request<IReadOnlyList<string>> Renew() => new GetEphemeralsRequest(Path!);

    public override void WriteBody(JuteWriter writer, RequestContext context) => writer.WritePath(context.Chroot, Path!);

    protected override IReadOnlyList<string> ReadResult(ref JuteReader body, RequestContext context)
    {
        var paths = body.ReadStringVector();
        for (var i = 0; i < paths.Count; i++)
        {
            paths[i] = context.StripChroot(paths[i]);
        }
        return paths;
    }
}

internal sealed class GetAllChildrenNumberRequest(string path) : Request<int>(OpCode.GetAllChildrenNumber, path)
{
    public override Request<int> Renew() => new GetAllChildrenNumberRequest(Path!);

    public override void WriteBody(JuteWriter writer, RequestContext context) => writer.WritePath(context.Chroot, Path!);

    protected override int ReadResult(ref JuteReader body, RequestContext context) => body.ReadInt();
}

internal sealed class AddWatchRequest(string path, Action<WatchedEvent> watcher, AddWatchMode mode) : VoidRequest(OpCode.AddWatch, path)
{
    public override Request<bool> Renew() => new AddWatchRequest(Path!, watcher, mode);

    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
        writer.WritePath(context.Chroot, Path!);
        writer.WriteInt((int)mode);
    }

    protected override bool ReadResult(ref JuteReader body, RequestContext context)
    {
        context.Watches.AddPersistent(Path!, watcher, mode);
        return true;
    }
}

internal sealed class RemoveWatchesRequest(string path, WatcherType type) : VoidRequest(OpCode.RemoveWatches, path)
{
    public override Request<bool> Renew() => new RemoveWatchesRequest(Path!, type);

    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
        writer.WritePath(context.Chroot, Path!);
        writer.WriteInt((int)type);
    }
}

internal sealed class WhoAmIRequest() : Request<IReadOnlyList<ClientIdentity>>(OpCode.WhoAmI, null)
{
    public override Request<IReadOnlyList<ClientIdentity>> Renew() => new WhoAmIRequest();

    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
    }

    protected override IReadOnlyList<ClientIdentity> ReadResult(ref JuteReader body, RequestContext context)
    {
        var count = body.ReadInt();
        if (count < 0 || (long)count * 8 > body.Remaining)
        {
            throw new ZooKeeperProtocolException($"Invalid ZooKeeper frame: whoAmI count {count} does not fit the {body.Remaining} bytes left.");
        }
        var list = new List<ClientIdentity>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(new ClientIdentity(body.ReadNonNullString(), body.ReadNonNullString()));
        }
        return list;
    }
}

internal sealed class CloseSessionRequest() : VoidRequest(OpCode.CloseSession, null)
{
    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
    }
}

/// <summary>Re-arms watches after a reconnect: setWatches (101) or, when persistent watches are in the batch, setWatches2 (105).</summary>
internal sealed class SetWatchesRequest(long relativeZxid, WatchSnapshot batch)
    : VoidRequest(batch.Persistent.Count + batch.PersistentRecursive.Count > 0 ? OpCode.SetWatches2 : OpCode.SetWatches, null)
{
    public WatchSnapshot Batch => batch;

    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
        writer.WriteLong(relativeZxid);
        writer.WriteStringVector(batch.Data, context.Chroot);
        writer.WriteStringVector(batch.Exist, context.Chroot);
        writer.WriteStringVector(batch.Child, context.Chroot);
        if (OpCode == OpCode.SetWatches2)
        {
            writer.WriteStringVector(batch.Persistent, context.Chroot);
            writer.WriteStringVector(batch.PersistentRecursive, context.Chroot);
        }
    }

    /// <summary>Splits the watched paths into batches whose summed path lengths stay near 128 KiB, kinds in order.</summary>
    public static List<WatchSnapshot> Split(WatchSnapshot all, int maxBytes = 128 * 1024)
    {
        var batches = new List<WatchSnapshot>();
        var lists = new[] { all.Data, all.Exist, all.Child, all.Persistent, all.PersistentRecursive };
        var current = new List<string>[] { [], [], [], [], [] };
        var size = 0;
        for (var kind = 0; kind < lists.Length; kind++)
        {
            foreach (var path in lists[kind])
            {
                current[kind].Add(path);
                size += path.Length;
                if (size >= maxBytes)
                {
                    batches.Add(new WatchSnapshot(current[0], current[1], current[2], current[3], current[4]));
                    current = [[], [], [], [], []];
                    size = 0;
                }
            }
        }
        if (current.Any(l => l.Count > 0))
        {
            batches.Add(new WatchSnapshot(current[0], current[1], current[2], current[3], current[4]));
        }
        return batches;
    }
}

/// <summary>A ping (xid -2, not in the FIFO).</summary>
internal sealed class PingRequest() : VoidRequest(OpCode.Ping, null)
{
    public override bool IsSpecial => true;

    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
    }
}

/// <summary>An authentication packet (xid -4, not in the FIFO).</summary>
internal sealed class AuthRequest(ZooKeeperAuthInfo auth) : VoidRequest(OpCode.Auth, null)
{
    public ZooKeeperAuthInfo Auth => auth;

    public override bool IsSpecial => true;

    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
        writer.WriteInt(0);
        writer.WriteString(auth.Scheme);
        writer.WriteBuffer(auth.Auth);
    }
}

/// <summary>What a multiRead of node data returned, and the zxid the server answered at (for arming watches afterwards).</summary>
internal sealed record MultiGetDataReply(IReadOnlyList<NodeDataResult> Results, long Zxid);

/// <summary>
/// Reads the data of many nodes in one request (multiRead, ZooKeeper 3.6+). Not a transaction: each node is read on its
/// own and gets its own result, errors included. The server sets no watches on a multiRead.
/// </summary>
internal sealed class MultiGetDataRequest(IReadOnlyList<string> paths) : Request<MultiGetDataReply>(OpCode.MultiRead, paths[0])
{
    public override Request<MultiGetDataReply> Renew() => new MultiGetDataRequest(paths);

    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
        foreach (var path in paths)
        {
            new MultiHeader((int)OpCode.GetData, false, -1).Write(writer);
            writer.WritePath(context.Chroot, path);
            writer.WriteBool(false);
        }
        new MultiHeader(-1, true, -1).Write(writer);
    }

    protected override MultiGetDataReply ReadResult(ref JuteReader body, RequestContext context) =>
        throw new System.Diagnostics.UnreachableException("A multiRead reply is read with its header.");

    protected override MultiGetDataReply ReadResult(in ReplyHeader header, ref JuteReader body, RequestContext context)
    {
        var results = new NodeDataResult[paths.Count];
        var count = 0;
        while (true)
        {
            var multiHeader = MultiHeader.Read(ref body);
            if (multiHeader.Done)
            {
                break;
            }
            if (count >= paths.Count)
            {
                throw new ZooKeeperProtocolException($"Invalid ZooKeeper frame: multiRead reply holds more than the {paths.Count} reads sent.");
            }
            var path = paths[count];
            results[count++] = (OpCode)multiHeader.Type switch
            {
                OpCode.GetData => new NodeDataResult(path, ZooKeeperErrorCode.Ok, body.ReadBuffer(), body.ReadStat()),
                OpCode.Error => new NodeDataResult(path, ReadError(ref body), [], null),
                _ => throw new ZooKeeperProtocolException($"Invalid ZooKeeper frame: unexpected multiRead result type {multiHeader.Type}."),
            };
        }
        if (count != paths.Count)
        {
            throw new ZooKeeperProtocolException($"Invalid ZooKeeper frame: multiRead reply holds {count} results for {paths.Count} reads.");
        }
        return new MultiGetDataReply(results, header.Zxid);
    }

    private static ZooKeeperErrorCode ReadError(ref JuteReader body)
    {
        var error = (ZooKeeperErrorCode)body.ReadInt();
        return error == ZooKeeperErrorCode.Ok
            ? throw new ZooKeeperProtocolException("Invalid ZooKeeper frame: a multiRead error result without an error code.")
            : error;
    }
}

internal sealed class MultiRequest(IReadOnlyList<MultiOperation> operations) : Request<IReadOnlyList<MultiOperationResult>>(OpCode.Multi, operations.Count > 0 ? operations[0].Path : null)
{
    public override void WriteBody(JuteWriter writer, RequestContext context)
    {
        foreach (var op in operations)
        {
            switch (op.Kind)
            {
                case MultiOperationKind.Create:
                    new MultiHeader((int)CreateRequest.OpCodeFor(op.Mode), false, -1).Write(writer);
                    CreateRequest.WriteCreate(writer, context, op.Path, op.Data.Span, op.Acl ?? ZooKeeperAcl.OpenUnsafe, op.Mode, op.Ttl);
                    break;
                case MultiOperationKind.Delete:
                    new MultiHeader((int)OpCode.Delete, false, -1).Write(writer);
                    writer.WritePath(context.Chroot, op.Path);
                    writer.WriteInt(op.Version);
                    break;
                case MultiOperationKind.SetData:
                    new MultiHeader((int)OpCode.SetData, false, -1).Write(writer);
                    writer.WritePath(context.Chroot, op.Path);
                    writer.WriteBuffer(op.Data.Span);
                    writer.WriteInt(op.Version);
                    break;
                case MultiOperationKind.Check:
                    new MultiHeader((int)OpCode.Check, false, -1).Write(writer);
                    writer.WritePath(context.Chroot, op.Path);
                    writer.WriteInt(op.Version);
                    break;
                default:
                    throw new InvalidOperationException($"Unsupported multi operation {op.Kind}.");
            }
        }
        new MultiHeader(-1, true, -1).Write(writer);
    }

    protected override IReadOnlyList<MultiOperationResult> ReadResult(ref JuteReader body, RequestContext context)
    {
        var results = new List<MultiOperationResult>(operations.Count);
        var failedIndex = -1;
        while (true)
        {
            var header = MultiHeader.Read(ref body);
            if (header.Done)
            {
                break;
            }
            if (results.Count >= operations.Count)
            {
                throw new ZooKeeperProtocolException($"Invalid ZooKeeper frame: multi reply holds more than the {operations.Count} operations sent.");
            }
            var op = operations[results.Count];
            switch ((OpCode)header.Type)
            {
                case OpCode.Create:
                    results.Add(new MultiOperationResult(op.Kind, ZooKeeperErrorCode.Ok, context.StripChroot(body.ReadNonNullString()), null));
                    break;
                case OpCode.Create2:
                    var created = context.StripChroot(body.ReadNonNullString());
                    results.Add(new MultiOperationResult(op.Kind, ZooKeeperErrorCode.Ok, created, body.ReadStat()));
                    break;
                case OpCode.SetData:
                    results.Add(new MultiOperationResult(op.Kind, ZooKeeperErrorCode.Ok, op.Path, body.ReadStat()));
                    break;
                case OpCode.Delete:
                case OpCode.Check:
                    results.Add(new MultiOperationResult(op.Kind, ZooKeeperErrorCode.Ok, op.Path, null));
                    break;
                case OpCode.Error:
                    var err = (ZooKeeperErrorCode)body.ReadInt();
                    if (err != ZooKeeperErrorCode.Ok && failedIndex < 0)
                    {
                        failedIndex = results.Count;
                    }
                    results.Add(new MultiOperationResult(op.Kind, err, op.Path, null));
                    break;
                default:
                    throw new ZooKeeperProtocolException($"Invalid ZooKeeper frame: unexpected multi result type {header.Type}.");
            }
        }
        if (failedIndex >= 0)
        {
            var failure = ZooKeeperException.Create(results[failedIndex].Error, results[failedIndex].Path);
            throw new MultiFailure(new MultiOperationException(failedIndex, results, failure));
        }
        if (results.Count != operations.Count)
        {
            throw new ZooKeeperProtocolException($"Invalid ZooKeeper frame: multi reply holds {results.Count} results for {operations.Count} operations.");
        }
        return results;
    }
}

/// <summary>Carries a failed transaction out of <see cref="MultiRequest.ReadResult"/> without treating it as a corrupt frame.</summary>
internal sealed class MultiFailure(MultiOperationException exception) : Exception(exception.Message, exception)
{
    public MultiOperationException Exception => exception;
}
