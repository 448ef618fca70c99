import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.io.BufferedInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The raw-socket floor of docs/benchmarks.md: the wire protocol over one blocking Socket with TCP_NODELAY, no
 * client library. W2: pre-encoded getData frames one at a time. W1 (extra): a writer thread and a reader thread
 * with a 1,000-request window; writes are coalesced and flushed whenever the window is full. Same output contract
 * and warm-up counts as the client drivers. W7 (the least any watcher that keeps the instances' data could do): see
 * {@link W7Floor}.
 */
public final class RawFloor {
    static final String READ = "/bench/r";
    static final int WINDOW = 1000, PAYLOAD_SIZE = 100;

    static int port;
    static String client = "floor";
    static double scale = 1.0;
    static boolean noWarmup;
    static int warmupPasses = -1;

    public static void main(String[] args) throws Exception {
        String workloads = "W1,W2";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port": port = Integer.parseInt(args[++i]); break;
                case "--client": client = args[++i]; break;
                case "--workloads": workloads = args[++i]; break;
                case "--scale": scale = Double.parseDouble(args[++i]); break;
                case "--no-warmup": noWarmup = true; break;
                case "--warmup-passes": warmupPasses = Integer.parseInt(args[++i]); break;
                default:
                    System.err.println("Unknown argument " + args[i]);
                    System.exit(2);
            }
        }
        if (port <= 0) {
            System.err.println("Usage: RawFloor --port P [--client NAME] [--workloads W1,W2] [--scale S] [--no-warmup] [--warmup-passes N]");
            System.exit(2);
        }
        boolean failed = false;
        ZkBench.connect = "127.0.0.1:" + port;
        for (String w : workloads.split(",")) {
            w = w.trim().toUpperCase(Locale.ROOT);
            try {
                // The tree the workloads read, as every driver makes it (with the Java client: run.sh puts it on the class path).
                ZkBench.setUpTree();
                int warmups;
                String result = null;
                switch (w) {
                    case "W1": warmups = warmups(2); break;
                    case "W2": warmups = warmups(3); break;
                    case "W7": warmups = -1; break;
                    default: throw new IllegalArgumentException("The floor has W1, W2 and W7 only, not " + w);
                }
                if (warmups < 0) {
                    // ScaleBench runs W7's warm-up pass itself, with ZkBench's settings.
                    ZkBench.client = client;
                    ZkBench.scale = scale;
                    ZkBench.noWarmup = noWarmup;
                    ZkBench.warmupPasses = warmupPasses;
                    result = ScaleBench.w7((n, c, d) -> new W7Floor(n, c, d));
                }
                for (int i = 0; i <= warmups; i++) { // none for W7 (warmups -1)
                    result = w.equals("W1") ? w1() : w2();
                    if (i < warmups) {
                        System.err.println("WARMUP " + client + " " + w + " pass=" + (i + 1) + " " + result);
                    }
                }
                System.out.println("RESULT " + client + " " + w + " " + result);
                System.out.flush();
            } catch (Throwable e) {
                System.err.println("FAIL " + client + " " + w + ": " + e);
                e.printStackTrace();
                failed = true;
            }
        }
        System.exit(failed ? 1 : 0);
    }

    static int warmups(int standard) {
        return noWarmup ? 0 : warmupPasses >= 0 ? warmupPasses : standard;
    }

    static int scaled(int n) {
        return Math.max(1, (int) Math.round(n * scale));
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static String f(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1];
    }

    /** One session: a socket with the handshake done. */
    static final class Session implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final OutputStream out;
        int xid;

        Session() throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
            in = new DataInputStream(socket.getInputStream());
            out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            handshake(in, out);
        }

        /** getData(READ, watch=false) with a placeholder xid at offset 4. */
        static byte[] getDataFrame() {
            byte[] path = READ.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(4 + 4 + 4 + 4 + path.length + 1);
            b.putInt(b.capacity() - 4).putInt(0).putInt(4).putInt(path.length).put(path).put((byte) 0);
            return b.array();
        }

        /** Reads one reply and checks it; returns its xid. */
        int readGetDataReply(byte[] scratch) throws IOException {
            int length = in.readInt();
            if (length > scratch.length) {
                throw new IOException("reply of " + length + " bytes");
            }
            in.readFully(scratch, 0, length);
            ByteBuffer r = ByteBuffer.wrap(scratch, 0, length);
            int replyXid = r.getInt();
            r.getLong();
            int err = r.getInt();
            if (err != 0) {
                throw new IOException("getData err=" + err);
            }
            int dataLength = r.getInt();
            if (dataLength != PAYLOAD_SIZE) {
                throw new IOException("getData returned " + dataLength + " bytes");
            }
            return replyXid;
        }

        @Override
        public void close() throws IOException {
            // closeSession (type -11), then wait for its reply so the server has dropped the session.
            ByteBuffer b = ByteBuffer.allocate(12);
            b.putInt(8).putInt(++xid).putInt(-11);
            out.write(b.array());
            out.flush();
            try {
                int length = in.readInt();
                in.readFully(new byte[length]);
            } catch (IOException ignored) {
            }
            socket.close();
        }
    }

    /** The ZooKeeper handshake: a new session with a 30 s timeout. */
    static void handshake(DataInputStream in, OutputStream out) throws IOException {
        // ConnectRequest: protocolVersion 0, lastZxidSeen 0, timeOut 30000, sessionId 0, passwd 16 zero bytes, readOnly false.
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 8 + 4 + 8 + 4 + 16 + 1);
        b.putInt(b.capacity() - 4).putInt(0).putLong(0).putInt(30_000).putLong(0).putInt(16).put(new byte[16]).put((byte) 0);
        out.write(b.array());
        out.flush();
        byte[] reply = new byte[in.readInt()];
        in.readFully(reply);
        ByteBuffer r = ByteBuffer.wrap(reply);
        r.getInt();
        if (r.getInt() <= 0) {
            throw new IOException("session refused");
        }
    }

    static void putXid(byte[] frame, int xid) {
        frame[4] = (byte) (xid >>> 24);
        frame[5] = (byte) (xid >>> 16);
        frame[6] = (byte) (xid >>> 8);
        frame[7] = (byte) xid;
    }

    // W2 floor: one request at a time.
    static String w2() throws Exception {
        int n = scaled(20_000);
        try (Session s = new Session()) {
            byte[] frame = Session.getDataFrame();
            byte[] scratch = new byte[4096];
            double[] samples = new double[n];
            long cpu0 = cpuNanos();
            for (int i = 0; i < n; i++) {
                int xid = ++s.xid;
                long t0 = System.nanoTime();
                putXid(frame, xid);
                s.out.write(frame);
                s.out.flush();
                int replyXid = s.readGetDataReply(scratch);
                samples[i] = (System.nanoTime() - t0) / 1e3;
                if (replyXid != xid) {
                    throw new IOException("xid " + replyXid + ", expected " + xid);
                }
            }
            long cpu = cpuNanos() - cpu0;
            double mean = Arrays.stream(samples).average().orElse(0);
            Arrays.sort(samples);
            return "p50_us=" + f(percentile(samples, 50), 1) + " p99_us=" + f(percentile(samples, 99), 1)
                + " mean_us=" + f(mean, 1) + " max_us=" + f(samples[n - 1], 1)
                + " cpu_ms=" + f(cpu / 1e6, 0) + " cpu_us_op=" + f(cpu / 1e3 / n, 1) + " n=" + n;
        }
    }

    // W1 floor: writer thread + reader thread, 1,000-request window, coalesced writes.
    static String w1() throws Exception {
        int n = scaled(200_000);
        try (Session s = new Session()) {
            Semaphore window = new Semaphore(WINDOW);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            int firstXid = s.xid + 1;
            Thread reader = new Thread(() -> {
                byte[] scratch = new byte[4096];
                try {
                    for (int i = 0; i < n; i++) {
                        int replyXid = s.readGetDataReply(scratch);
                        if (replyXid != firstXid + i) {
                            throw new IOException("xid " + replyXid + ", expected " + (firstXid + i));
                        }
                        window.release();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    window.release(WINDOW);
                }
            });
            byte[] frame = Session.getDataFrame();
            long cpu0 = cpuNanos();
            long t0 = System.nanoTime();
            reader.start();
            for (int i = 0; i < n; i++) {
                if (!window.tryAcquire()) {
                    s.out.flush();
                    window.acquire();
                }
                putXid(frame, ++s.xid);
                s.out.write(frame);
            }
            s.out.flush();
            reader.join();
            long elapsed = System.nanoTime() - t0;
            long cpu = cpuNanos() - cpu0;
            if (failure.get() != null) {
                throw new IOException("W1 floor failed", failure.get());
            }
            return "ops_s=" + f(n / (elapsed / 1e9), 0) + " cpu_ms=" + f(cpu / 1e6, 0) + " cpu_us_op=" + f(cpu / 1e3 / n, 1) + " ops=" + n;
        }
    }

    /**
     * W7's floor: the least a watcher that keeps every instance's data can do, with no client library. One blocking
     * socket read by one thread. Load: a persistent recursive watch on the service path, the children listed, then
     * every child's data read in multiRead batches written back to back (the fastest way found; see LOAD_BATCH). Churn:
     * the reader thread answers a NodeCreated notification with a pre-encoded getData written at once, and the change
     * is in the view when its reply is read; a NodeDeleted is applied as read. Nothing is parsed that the view does not
     * need.
     */
    static final class W7Floor implements ScaleBench.W7Watcher {
        static final int LOAD_BATCH = Integer.getInteger("floor.w7.batch", 1000);
        static final boolean LOAD_PIPELINED = Boolean.getBoolean("floor.w7.pipelined");
        static final byte[] BIG = ScaleBench.BIG.getBytes(StandardCharsets.UTF_8);

        final int n;
        final ScaleBench.Reflections reflections;
        final Socket socket;
        final DataInputStream in;
        final OutputStream out;
        final Object writeLock = new Object();
        final Map<String, byte[]> view = new ConcurrentHashMap<>();
        // Requests in flight, in order: what each reply is (name of a getData, or a marker).
        final java.util.concurrent.ConcurrentLinkedQueue<Object> inFlight = new java.util.concurrent.ConcurrentLinkedQueue<>();
        final CompletableFuture<List<String>> listed = new CompletableFuture<>();
        final CompletableFuture<Void> loaded = new CompletableFuture<>();
        final CompletableFuture<Void> closedReply = new CompletableFuture<>();
        final Thread reader;
        final Thread pinger;
        int xid;
        int loadedCount;
        volatile boolean closing;

        static final Object ADD_WATCH = new Object(), LIST = new Object(), CLOSE = new Object();

        /** A multiRead batch in flight: its names, in order. */
        static final class Batch {
            final List<String> names;

            Batch(List<String> names) {
                this.names = names;
            }
        }

        W7Floor(int n, Map<String, Integer> createdBy, Map<String, Integer> deletedBy) throws IOException {
            this.n = n;
            reflections = new ScaleBench.Reflections(createdBy, deletedBy);
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
            in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
            out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            handshake(in, out);
            reader = new Thread(this::read, "floor-reader");
            reader.setDaemon(true);
            reader.start();
            pinger = new Thread(this::ping, "floor-pinger");
            pinger.setDaemon(true);
            pinger.start();
        }

        /** Writes one request (frame with the xid at offset 4 filled in here) and what its reply will be, in order. */
        void send(ByteBuffer frame, Object kind, boolean flush) throws IOException {
            synchronized (writeLock) {
                frame.putInt(4, ++xid);
                inFlight.add(kind);
                out.write(frame.array(), 0, frame.position());
                if (flush) {
                    out.flush();
                }
            }
        }

        static ByteBuffer frame(int capacity, int opCode) {
            ByteBuffer b = ByteBuffer.allocate(capacity);
            b.putInt(0).putInt(0).putInt(opCode);
            return b;
        }

        static ByteBuffer finish(ByteBuffer b) {
            b.putInt(0, b.position() - 4);
            return b;
        }

        static void putString(ByteBuffer b, byte[] s) {
            b.putInt(s.length).put(s);
        }

        static byte[] child(String name) {
            byte[] path = new byte[BIG.length + 1 + name.length()];
            System.arraycopy(BIG, 0, path, 0, BIG.length);
            path[BIG.length] = '/';
            for (int i = 0; i < name.length(); i++) {
                path[BIG.length + 1 + i] = (byte) name.charAt(i);
            }
            return path;
        }

        static ByteBuffer getData(String name) {
            byte[] path = child(name);
            ByteBuffer b = frame(12 + 4 + path.length + 1, 4);
            putString(b, path);
            b.put((byte) 0);
            return finish(b);
        }

        public void load() throws Exception {
            ByteBuffer addWatch = frame(12 + 4 + BIG.length + 4, 106);
            putString(addWatch, BIG);
            addWatch.putInt(1); // PERSISTENT_RECURSIVE
            send(finish(addWatch), ADD_WATCH, false);
            ByteBuffer list = frame(12 + 4 + BIG.length + 1, 8);
            putString(list, BIG);
            list.put((byte) 0);
            send(finish(list), LIST, true);
            List<String> names = listed.get(60, TimeUnit.SECONDS);
            if (LOAD_PIPELINED) {
                for (String name : names) {
                    send(getData(name), name, false);
                }
            } else {
                for (int start = 0; start < names.size(); start += LOAD_BATCH) {
                    List<String> batch = names.subList(start, Math.min(names.size(), start + LOAD_BATCH));
                    int size = 12 + 9;
                    for (String name : batch) {
                        size += 9 + 4 + BIG.length + 1 + name.length() + 1;
                    }
                    ByteBuffer b = frame(size, 22);
                    for (String name : batch) {
                        b.putInt(4).put((byte) 0).putInt(-1);
                        putString(b, child(name));
                        b.put((byte) 0);
                    }
                    b.putInt(-1).put((byte) 1).putInt(-1);
                    send(finish(b), new Batch(new ArrayList<>(batch)), false);
                }
            }
            synchronized (writeLock) {
                out.flush();
            }
            loaded.get(60, TimeUnit.SECONDS);
        }

        void read() {
            try {
                byte[] buffer = new byte[1 << 20];
                while (true) {
                    int length = in.readInt();
                    if (length > buffer.length) {
                        buffer = new byte[Math.max(length, buffer.length * 2)];
                    }
                    in.readFully(buffer, 0, length);
                    ByteBuffer r = ByteBuffer.wrap(buffer, 0, length);
                    int replyXid = r.getInt();
                    r.getLong();
                    int err = r.getInt();
                    if (replyXid == -1) {
                        event(r);
                    } else if (replyXid != -2) {
                        reply(inFlight.poll(), err, r);
                    }
                }
            } catch (Throwable e) {
                if (!closing) {
                    fail(e);
                }
                closedReply.complete(null);
            }
        }

        void event(ByteBuffer r) throws IOException {
            int type = r.getInt();
            r.getInt();
            int length = r.getInt();
            // The name of a direct child of the service path, or null.
            if (length <= BIG.length + 1) {
                return;
            }
            int start = r.position() + BIG.length + 1;
            int end = r.position() + length;
            for (int i = start; i < end; i++) {
                if (r.get(i) == '/') {
                    return;
                }
            }
            String name = new String(r.array(), start, end - start, StandardCharsets.UTF_8);
            if (type == 1 || type == 3) { // NodeCreated, NodeDataChanged: read it
                send(getData(name), name, true);
            } else if (type == 2) { // NodeDeleted
                view.remove(name);
                reflections.deleted(name, System.nanoTime());
            }
        }

        void reply(Object kind, int err, ByteBuffer r) throws IOException {
            if (kind == null) {
                throw new IOException("a reply with no request in flight");
            }
            if (kind == ADD_WATCH || kind == CLOSE) {
                if (err != 0) {
                    throw new IOException("request failed, err=" + err);
                }
                if (kind == CLOSE) {
                    closedReply.complete(null);
                }
                return;
            }
            if (kind == LIST) {
                if (err != 0) {
                    throw new IOException("getChildren err=" + err);
                }
                int count = r.getInt();
                List<String> names = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    int len = r.getInt();
                    names.add(new String(r.array(), r.position(), len, StandardCharsets.UTF_8));
                    r.position(r.position() + len);
                }
                listed.complete(names);
                return;
            }
            if (kind instanceof Batch batch) {
                if (err != 0) {
                    throw new IOException("multiRead err=" + err);
                }
                for (String name : batch.names) {
                    int type = r.getInt();
                    r.get();
                    int opErr = r.getInt();
                    if (type == -1) {
                        r.getInt();
                        throw new IOException("getData " + name + " err=" + opErr);
                    }
                    view.put(name, data(r));
                }
                loadedOne(batch.names.size());
                return;
            }
            String name = (String) kind;
            if (err == -101) { // NoNode: deleted meanwhile
                return;
            }
            if (err != 0) {
                throw new IOException("getData " + name + " err=" + err);
            }
            boolean known = view.put(name, data(r)) != null;
            if (loadedCount < n) {
                loadedOne(1);
            } else if (!known) {
                reflections.created(name, System.nanoTime());
            }
        }

        /** The data of a getData result; skips its Stat. */
        static byte[] data(ByteBuffer r) {
            int len = r.getInt();
            byte[] data = new byte[Math.max(len, 0)];
            r.get(data);
            r.position(r.position() + 68);
            return data;
        }

        void loadedOne(int count) {
            loadedCount += count;
            if (loadedCount == n) {
                loaded.complete(null);
            }
        }

        void ping() {
            ByteBuffer ping = ByteBuffer.allocate(12);
            ping.putInt(8).putInt(-2).putInt(11);
            try {
                while (!closing) {
                    Thread.sleep(5_000);
                    synchronized (writeLock) { // Answered with xid -2, never matched with inFlight.
                        out.write(ping.array());
                        out.flush();
                    }
                }
            } catch (InterruptedException | IOException ignored) {
            }
        }

        void fail(Throwable e) {
            listed.completeExceptionally(e);
            loaded.completeExceptionally(e);
            reflections.all.completeExceptionally(e);
        }

        public long reflectedAt(int i) {
            return reflections.at(i);
        }

        public CompletableFuture<Void> allReflected() {
            return reflections.all;
        }

        public Set<String> viewNames() {
            return new HashSet<>(view.keySet());
        }

        public void close() throws Exception {
            closing = true;
            pinger.interrupt();
            try {
                send(finish(frame(12, -11)), CLOSE, true);
                closedReply.get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
            } finally {
                socket.close();
                reader.join(10_000);
            }
        }
    }
}
