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
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The raw-socket floor of docs/benchmarks.md: the wire protocol over one blocking Socket with TCP_NODELAY, no
 * client library. W2: pre-encoded getData frames one at a time. W1 (extra): a writer thread and a reader thread
 * with a 1,000-request window; writes are coalesced and flushed whenever the window is full. Same output contract
 * and warm-up counts as the client drivers.
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
        for (String w : workloads.split(",")) {
            w = w.trim().toUpperCase(Locale.ROOT);
            try {
                int warmups;
                String result = null;
                switch (w) {
                    case "W1": warmups = warmups(2); break;
                    case "W2": warmups = warmups(3); break;
                    default: throw new IllegalArgumentException("The floor has W1 and W2 only, not " + w);
                }
                for (int i = 0; i <= warmups; i++) {
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
            // ConnectRequest: protocolVersion 0, lastZxidSeen 0, timeOut 30000, sessionId 0, passwd 16 zero bytes, readOnly false.
            ByteBuffer b = ByteBuffer.allocate(4 + 4 + 8 + 4 + 8 + 4 + 16 + 1);
            b.putInt(b.capacity() - 4).putInt(0).putLong(0).putInt(30_000).putLong(0).putInt(16).put(new byte[16]).put((byte) 0);
            out.write(b.array());
            out.flush();
            int length = in.readInt();
            byte[] reply = new byte[length];
            in.readFully(reply);
            ByteBuffer r = ByteBuffer.wrap(reply);
            r.getInt();
            int timeout = r.getInt();
            if (timeout <= 0) {
                throw new IOException("session refused");
            }
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
}
