using System.Buffers.Binary;
using ZkDiscovery.Connection;
using ZkDiscovery.Protocol;

namespace ZkDiscovery.Fuzz.Targets;

/// <summary>
/// The frame decoder: every reply record reader and every request's <c>Complete</c> path the connection uses,
/// the frame dispatch by xid (notification, ping, auth, FIFO reply), the handshake reply, and free-form
/// <see cref="JuteReader"/> programs. Only <see cref="ZooKeeperProtocolException"/> may escape.
/// </summary>
/// <remarks>
/// Input layout: byte 0 picks the consumer, byte 1 holds flags (bit 0: a nonzero error code follows in bytes 2-5),
/// the rest is the frame body (for <c>dispatch</c>, the whole frame after the length prefix).
/// </remarks>
internal sealed class FrameTarget : FuzzTarget
{
    private const string Chroot = "/chroot";
    private static readonly Action<WatchedEvent> s_watcher = static _ => { };
    private static readonly ZooKeeperAcl[] s_acl = [new(Permissions.Read | Permissions.Admin, "digest", "alice:hash"), new(Permissions.All, "world", "anyone")];

    private static readonly MultiOperation[] s_multiOps =
    [
        MultiOperation.Create("/m"), MultiOperation.SetData("/a", new byte[] { 1 }), MultiOperation.Delete("/d"), MultiOperation.Check("/c", 3),
    ];

    private static readonly (string Name, Func<IRequest> Factory, byte[] Seed)[] s_requests = BuildRequests();

    private static readonly string[] s_consumers =
        [.. new[] { "replyHeader", "connectResponse", "watcherEvent", "multiHeader", "dispatch", "juteProgram" }.Concat(s_requests.Select(r => r.Name))];

    public override string Name => "frames";

    public override bool IsDocumented(Exception exception) => exception is ZooKeeperProtocolException;

    public override byte[] Generate(ref FuzzRandom rng)
    {
        var consumer = rng.Next(s_consumers.Length);
        byte[] body;
        var choice = rng.Next(100);
        var seed = SeedFor(consumer, ref rng);
        if (choice < 65)
        {
            body = Mutator.Mutate(seed, ref rng);
        }
        else if (choice < 80)
        {
            body = Mutator.Mutate(SeedFor(rng.Next(s_consumers.Length), ref rng), ref rng);
        }
        else if (choice < 85)
        {
            body = seed;
        }
        else
        {
            body = Mutator.RandomBytes(ref rng, 200);
        }
        var withError = rng.Chance(5);
        var input = new byte[2 + (withError ? 4 : 0) + body.Length];
        input[0] = (byte)consumer;
        input[1] = (byte)(withError ? 1 : 0);
        if (withError)
        {
            BinaryPrimitives.WriteInt32BigEndian(input.AsSpan(2), rng.Chance(70) ? rng.Next(-130, 1) : Mutator.InterestingInt(ref rng));
        }
        body.CopyTo(input, input.Length - body.Length);
        return input;
    }

    public override string Execute(byte[] input)
    {
        if (input.Length < 2)
        {
            return "empty";
        }
        var consumer = input[0] % s_consumers.Length;
        var err = 0;
        var offset = 2;
        if ((input[1] & 1) != 0 && input.Length >= 6)
        {
            err = BinaryPrimitives.ReadInt32BigEndian(input.AsSpan(2));
            offset = 6;
        }
        var body = input.AsSpan(offset);
        var context = new RequestContext(Chroot, new WatchManager());
        try
        {
            switch (consumer)
            {
                case 0:
                    {
                        var reader = new JuteReader(body);
                        ReplyHeader.Read(ref reader);
                        break;
                    }
                case 1:
                    {
                        var reader = new JuteReader(body);
                        var response = ConnectResponse.Read(ref reader);
                        if (response.Password is null)
                        {
                            throw new FuzzFindingException("ConnectResponse.Read returned a null password.");
                        }
                        break;
                    }
                case 2:
                    {
                        var reader = new JuteReader(body);
                        Notify(WatcherEventRecord.Read(ref reader), context);
                        break;
                    }
                case 3:
                    {
                        var reader = new JuteReader(body);
                        MultiHeader.Read(ref reader);
                        break;
                    }
                case 4:
                    Dispatch(body, context);
                    break;
                case 5:
                    RunProgram(body);
                    break;
                default:
                    Complete(s_requests[consumer - 6].Factory(), new ReplyHeader(1, 2, err), body, context);
                    break;
            }
        }
        catch (ZooKeeperProtocolException)
        {
            return s_consumers[consumer] + ": rejected";
        }
        return s_consumers[consumer] + ": accepted";
    }

    /// <summary>As the connection's read loop does with one frame (xid -1 notification, -2 ping, -4 auth, else the FIFO head).</summary>
    private static void Dispatch(ReadOnlySpan<byte> frame, RequestContext context)
    {
        var reader = new JuteReader(frame);
        var header = ReplyHeader.Read(ref reader);
        switch (header.Xid)
        {
            case -1:
                Notify(WatcherEventRecord.Read(ref reader), context);
                return;
            case -2:
                return;
            case -4:
                var auth = new AuthRequest(ZooKeeperAuthInfo.Digest("alice", "pw"));
                if (header.Err == 0)
                {
                    auth.Complete(header, ref reader, context);
                }
                return;
        }
        // The reply's request is picked by the xid, as if it were the FIFO head.
        var request = s_requests[(int)((uint)header.Xid % (uint)s_requests.Length)].Factory();
        CompleteFrom(request, header, ref reader, context);
    }

    private static void Notify(WatcherEventRecord record, RequestContext context)
    {
        // As SessionDriver.OnNotification: strip the chroot, then find the watchers to fire.
        var path = record.Path is null ? "/" : context.StripChroot(record.Path);
        context.Watches.AddData("/a", s_watcher);
        context.Watches.AddPersistent("/", s_watcher, AddWatchMode.PersistentRecursive);
        var triggered = new List<Action<WatchedEvent>>();
        context.Watches.Materialize((WatchEventType)record.Type, path, triggered);
        _ = new WatchedEvent((WatchEventType)record.Type, KeeperState.SyncConnected, path);
    }

    private static void Complete(IRequest request, ReplyHeader header, ReadOnlySpan<byte> body, RequestContext context)
    {
        var reader = new JuteReader(body);
        CompleteFrom(request, header, ref reader, context);
    }

    private static void CompleteFrom(IRequest request, ReplyHeader header, ref JuteReader reader, RequestContext context)
    {
        try
        {
            request.Complete(header, ref reader, context);
        }
        catch (ZooKeeperProtocolException)
        {
            // The connection fails the request after breaking; the reader must have left it pending.
            if (request.IsCompleted)
            {
                throw new FuzzFindingException($"{request.GetType().Name}.Complete threw a protocol error after completing the request.");
            }
            throw;
        }
        if (!request.IsCompleted)
        {
            throw new FuzzFindingException($"{request.GetType().Name}.Complete returned without completing the request.");
        }
        request.Publish();
        var fault = request switch
        {
            Request<bool> r => r.Task.Exception,
            Request<CreateResult> r => r.Task.Exception,
            Request<NodeStat?> r => r.Task.Exception,
            Request<NodeData> r => r.Task.Exception,
            Request<ChildrenResult> r => r.Task.Exception,
            Request<AclResult> r => r.Task.Exception,
            Request<IReadOnlyList<string>> r => r.Task.Exception,
            Request<int> r => r.Task.Exception,
            Request<IReadOnlyList<ClientIdentity>> r => r.Task.Exception,
            Request<IReadOnlyList<MultiOperationResult>> r => r.Task.Exception,
            _ => throw new FuzzFindingException("unknown request type " + request.GetType().Name),
        };
        if (fault is not null && fault.InnerException is not ZooKeeperException)
        {
            throw new FuzzFindingException($"{request.GetType().Name} failed with {fault.InnerException?.GetType().Name}, not a ZooKeeperException: {fault.InnerException?.Message}");
        }
        if (fault is not null && header.Err == 0 && request is not MultiRequest)
        {
            throw new FuzzFindingException($"{request.GetType().Name} failed without an error code: {fault.InnerException?.Message}");
        }
    }

    /// <summary>Bytes 0-7 are a program of reads (one per byte, repeated), the rest the data they read.</summary>
    private static void RunProgram(ReadOnlySpan<byte> input)
    {
        if (input.Length < 8)
        {
            return;
        }
        var program = input[..8];
        var reader = new JuteReader(input[8..]);
        for (var step = 0; step < 64 && reader.Remaining > 0; step++)
        {
            var before = reader.Remaining;
            switch (program[step % 8] % 10)
            {
                case 0: reader.ReadInt(); break;
                case 1: reader.ReadLong(); break;
                case 2: reader.ReadBool(); break;
                case 3: reader.ReadOptionalBool(); break;
                case 4:
                    if (reader.ReadBuffer().Length > before)
                    {
                        throw new FuzzFindingException("ReadBuffer returned more bytes than the frame held.");
                    }
                    break;
                case 5: reader.ReadBufferSpan(); break;
                case 6: reader.ReadString(); break;
                case 7:
                    if (reader.ReadStringVector().Count > before / 4)
                    {
                        throw new FuzzFindingException("ReadStringVector returned more strings than the frame could hold.");
                    }
                    break;
                case 8: reader.ReadStat(); break;
                default:
                    if (reader.ReadAcls().Count > before / 12)
                    {
                        throw new FuzzFindingException("ReadAcls returned more entries than the frame could hold.");
                    }
                    break;
            }
            if (reader.Remaining > before || reader.Remaining < 0)
            {
                throw new FuzzFindingException("JuteReader moved backwards or past the end.");
            }
        }
    }

    private static byte[] SeedFor(int consumer, ref FuzzRandom rng)
    {
        switch (consumer)
        {
            case 0:
                return Encode(w => { w.WriteInt(7); w.WriteLong(42); w.WriteInt(0); });
            case 1:
                return Encode(w => { w.WriteInt(0); w.WriteInt(4000); w.WriteLong(0x55); w.WriteBuffer(new byte[16]); w.WriteBool(false); });
            case 2:
                return Encode(w => { w.WriteInt(3); w.WriteInt(3); w.WriteString("/chroot/a"); });
            case 3:
                return Encode(w => new MultiHeader(1, false, 0).Write(w));
            case 4:
                {
                    var kind = rng.Next(4);
                    var eventType = rng.Next(1, 5);
                    var request = rng.Next(s_requests.Length);
                    return kind switch
                    {
                        0 => Encode(w => { w.WriteInt(-1); w.WriteLong(-1); w.WriteInt(0); w.WriteInt(eventType); w.WriteInt(3); w.WriteString("/chroot/a/b"); }),
                        1 => Encode(w => { w.WriteInt(-2); w.WriteLong(0); w.WriteInt(0); }),
                        2 => Encode(w => { w.WriteInt(-4); w.WriteLong(0); w.WriteInt(0); }),
                        _ => RequestFrame(request),
                    };
                }
            case 5:
                {
                    var program = new byte[8];
                    for (var i = 0; i < 8; i++)
                    {
                        program[i] = rng.NextByte();
                    }
                    var seed = s_requests[rng.Next(s_requests.Length)].Seed;
                    return [.. program, .. seed];
                }
            default:
                return s_requests[consumer - 6].Seed;
        }
    }

    private static byte[] RequestFrame(int index)
    {
        // A reply header whose xid maps to the request at index (see Dispatch), then that request's reply body.
        return Encode(w => { w.WriteInt(index + s_requests.Length); w.WriteLong(9); w.WriteInt(0); w.WriteRaw(s_requests[index].Seed); });
    }

    private static (string, Func<IRequest>, byte[])[] BuildRequests()
    {
        var stat = Encode(w => { for (var i = 0; i < 4; i++) { w.WriteLong(i + 1); } w.WriteInt(5); w.WriteInt(6); w.WriteInt(7); w.WriteLong(8); w.WriteInt(9); w.WriteInt(10); w.WriteLong(11); });
        byte[] Empty() => [];
        return
        [
            ("create", () => new CreateRequest("/a", default, s_acl, CreateMode.Persistent, 0), Encode(w => { w.WriteString("/chroot/a"); w.WriteRaw(stat); })),
            ("createSequential", () => new CreateRequest("/q/", default, s_acl, CreateMode.PersistentSequential, 0), Encode(w => { w.WriteString("/chroot/q/0000000001"); w.WriteRaw(stat); })),
            ("delete", () => new DeleteRequest("/a", -1), Empty()),
            ("exists", () => new ExistsRequest("/a", null), stat),
            ("existsWatch", () => new ExistsRequest("/a", s_watcher), stat),
            ("getData", () => new GetDataRequest("/a", null), Encode(w => { w.WriteBuffer([7, 8]); w.WriteRaw(stat); })),
            ("getDataWatch", () => new GetDataRequest("/a", s_watcher), Encode(w => { w.WriteBuffer("{\"a\":1}"u8); w.WriteRaw(stat); })),
            ("setData", () => new SetDataRequest("/a", default, -1), stat),
            ("getChildren", () => new GetChildrenRequest("/a", null), Encode(w => { w.WriteStringVector(["x", "y"], null); w.WriteRaw(stat); })),
            ("getChildrenWatch", () => new GetChildrenRequest("/a", s_watcher), Encode(w => { w.WriteStringVector(["x"], null); w.WriteRaw(stat); })),
            ("getAcl", () => new GetAclRequest("/a"), Encode(w => { w.WriteAcls(s_acl); w.WriteRaw(stat); })),
            ("setAcl", () => new SetAclRequest("/a", s_acl, -1), stat),
            ("sync", () => new SyncRequest("/a"), Encode(w => w.WriteString("/chroot/a"))),
            ("getEphemerals", () => new GetEphemeralsRequest("/"), Encode(w => w.WriteStringVector(["/chroot/e1", "/chroot/x/e2", "/other"], null))),
            ("getAllChildrenNumber", () => new GetAllChildrenNumberRequest("/a"), Encode(w => w.WriteInt(42))),
            ("addWatch", () => new AddWatchRequest("/a", s_watcher, AddWatchMode.PersistentRecursive), Empty()),
            ("removeWatches", () => new RemoveWatchesRequest("/a", WatcherType.Any), Empty()),
            ("whoAmI", () => new WhoAmIRequest(), Encode(w => { w.WriteInt(2); w.WriteString("digest"); w.WriteString("alice"); w.WriteString("ip"); w.WriteString("127.0.0.1"); })),
            ("closeSession", () => new CloseSessionRequest(), Empty()),
            ("setWatches", () => new SetWatchesRequest(5, new WatchSnapshot(["/d"], [], [], ["/p"], [])), Empty()),
            ("ping", () => new PingRequest(), Empty()),
            ("auth", () => new AuthRequest(ZooKeeperAuthInfo.Digest("alice", "pw")), Empty()),
            ("multi", () => new MultiRequest(s_multiOps), Encode(w =>
            {
                new MultiHeader(15, false, 0).Write(w);
                w.WriteString("/chroot/m");
                w.WriteRaw(stat);
                new MultiHeader(5, false, 0).Write(w);
                w.WriteRaw(stat);
                new MultiHeader(2, false, 0).Write(w);
                new MultiHeader(13, false, 0).Write(w);
                new MultiHeader(-1, true, -1).Write(w);
            })),
            ("multiFailed", () => new MultiRequest(s_multiOps), Encode(w =>
            {
                new MultiHeader(-1, false, -101).Write(w);
                w.WriteInt(0);
                new MultiHeader(-1, false, -101).Write(w);
                w.WriteInt(-101);
                new MultiHeader(-1, false, -2).Write(w);
                w.WriteInt(-2);
                new MultiHeader(-1, false, -2).Write(w);
                w.WriteInt(-2);
                new MultiHeader(-1, true, -1).Write(w);
            })),
            ("multiCreate1", () => new MultiRequest([MultiOperation.Create("/n")]), Encode(w =>
            {
                new MultiHeader(1, false, 0).Write(w);
                w.WriteString("/chroot/n");
                new MultiHeader(-1, true, -1).Write(w);
            })),
        ];
    }

    private static byte[] Encode(Action<JuteWriter> write)
    {
        using var writer = new JuteWriter(256);
        write(writer);
        return writer.WrittenSpan.ToArray();
    }
}
