import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * W1-W6 of docs/benchmarks.md with the official ZooKeeper Java client (3.8.0); W7/W8 in ScaleBench. Run by bench/run.sh with
 * -Dzookeeper.sasl.client=false. Output contract: RESULT lines on stdout, WARMUP and diagnostics on stderr,
 * exit 1 on failure.
 */
public final class ZkBench {
    static final String READ = "/bench/r", WRITE = "/bench/w", WATCH = "/bench/watch", SVC = "/bench/svc";
    static final int WINDOW = 1000, PAYLOAD_SIZE = 100, REGISTRARS = 10, PER_REGISTRAR = 100, ROUNDS = 5;
    static final byte[] PAYLOAD = new byte[PAYLOAD_SIZE];
    static {
        Arrays.fill(PAYLOAD, (byte) 'x');
    }

    static String connect;
    static String client = "java";
    static double scale = 1.0;
    static boolean noWarmup;
    static int warmupPasses = -1;

    public static void main(String[] args) throws Exception {
        int port = 0;
        String workloads = "W1,W2,W3,W4,W5,W6";
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
            System.err.println("Usage: ZkBench --port P [--client NAME] [--workloads W1,..] [--scale S] [--no-warmup] [--warmup-passes N]");
            System.exit(2);
        }
        connect = "127.0.0.1:" + port;
        boolean failed = false;
        for (String w : workloads.split(",")) {
            w = w.trim().toUpperCase(Locale.ROOT);
            try {
                setUpTree();
                String result;
                switch (w) {
                    case "SETUP": result = "ok=1"; break;
                    case "W1": result = passes(w, warmups(2), ZkBench::w1); break;
                    case "W2": result = passes(w, warmups(3), ZkBench::w2); break;
                    case "W3": result = passes(w, warmups(3), ZkBench::w3); break;
                    case "W4": result = passes(w, warmups(3), ZkBench::w4); break;
                    case "W5": result = w5(); break;
                    case "W6": result = passes(w, warmups(1), ZkBench::w6); break;
                    case "W7": result = ScaleBench.w7(ScaleBench.RawChildWatcher::new); break;
                    case "W8": result = ScaleBench.w8(); break;
                    default: throw new IllegalArgumentException("Unknown workload " + w);
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

    interface Pass {
        String run() throws Exception;
    }

    static int warmups(int standard) {
        return noWarmup ? 0 : warmupPasses >= 0 ? warmupPasses : standard;
    }

    static int scaled(int n) {
        return Math.max(1, (int) Math.round(n * scale));
    }

    static String passes(String w, int warmups, Pass pass) throws Exception {
        for (int i = 0; i < warmups; i++) {
            System.err.println("WARMUP " + client + " " + w + " pass=" + (i + 1) + " " + pass.run());
        }
        return pass.run();
    }

    /**
     * Waits until the JIT compilers have been idle for 300 ms (at most 10 s) before a measured phase that follows a
     * large set-up (W7 after the load, W8), as the C# driver does with its JIT's method count; returns the milliseconds waited.
     */
    static long settleCompiler() throws InterruptedException {
        java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long start = System.nanoTime();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return 0;
        }
        long before = jit.getTotalCompilationTime();
        while (System.nanoTime() - start < 10_000_000_000L) {
            Thread.sleep(300);
            long now = jit.getTotalCompilationTime();
            if (now == before) {
                break;
            }
            before = now;
        }
        return (System.nanoTime() - start) / 1_000_000L;
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static ZooKeeper session() throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connect, 30000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(30, TimeUnit.SECONDS)) {
            zk.close();
            throw new IllegalStateException("Not connected within 30 s");
        }
        return zk;
    }

    static void setUpTree() throws Exception {
        ZooKeeper zk = session();
        try {
            for (String p : new String[] {"/bench", READ, WRITE, WATCH, SVC}) {
                try {
                    zk.create(p, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                } catch (KeeperException.NodeExistsException ignored) {
                }
            }
            zk.setData(READ, PAYLOAD, -1);
            for (String parent : new String[] {WRITE, SVC}) {
                for (String child : zk.getChildren(parent, false)) {
                    try {
                        zk.delete(parent + "/" + child, -1);
                    } catch (KeeperException.NoNodeException ignored) {
                    }
                }
            }
        } finally {
            zk.close();
        }
    }

    static String f(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1];
    }

    static String latencyLine(double[] samples, long cpuNs, int ops) {
        double mean = Arrays.stream(samples).average().orElse(0);
        Arrays.sort(samples);
        return "p50_us=" + f(percentile(samples, 50), 1) + " p99_us=" + f(percentile(samples, 99), 1)
            + " mean_us=" + f(mean, 1) + " max_us=" + f(samples[samples.length - 1], 1)
            + " cpu_ms=" + f(cpuNs / 1e6, 0) + " cpu_us_op=" + f(cpuNs / 1e3 / ops, 1) + " n=" + samples.length;
    }

    static final class Failure {
        final AtomicReference<String> first = new AtomicReference<>();

        void fail(String why) {
            first.compareAndSet(null, why);
        }

        void check() {
            String why = first.get();
            if (why != null) {
                throw new IllegalStateException(why);
            }
        }
    }

    // W1: pipelined reads, at most 1,000 outstanding.
    static String w1() throws Exception {
        int n = scaled(200_000);
        ZooKeeper zk = session();
        try {
            Semaphore window = new Semaphore(WINDOW);
            Failure failure = new Failure();
            AsyncCallback.DataCallback cb = (rc, path, ctx, data, stat) -> {
                if (rc != 0) {
                    failure.fail("getData rc=" + rc);
                } else if (data == null || data.length != PAYLOAD_SIZE) {
                    failure.fail("getData returned " + (data == null ? -1 : data.length) + " bytes");
                }
                window.release();
            };
            long cpu0 = cpuNanos();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                window.acquire();
                zk.getData(READ, false, cb, null);
            }
            window.acquire(WINDOW);
            long elapsed = System.nanoTime() - t0;
            long cpu = cpuNanos() - cpu0;
            window.release(WINDOW);
            failure.check();
            return "ops_s=" + f(n / (elapsed / 1e9), 0) + " cpu_ms=" + f(cpu / 1e6, 0) + " cpu_us_op=" + f(cpu / 1e3 / n, 1) + " ops=" + n;
        } finally {
            zk.close();
        }
    }

    // W2: synchronous getData round trips.
    static String w2() throws Exception {
        int n = scaled(20_000);
        ZooKeeper zk = session();
        try {
            double[] samples = new double[n];
            Stat stat = new Stat();
            long cpu0 = cpuNanos();
            for (int i = 0; i < n; i++) {
                long s = System.nanoTime();
                byte[] data = zk.getData(READ, false, stat);
                samples[i] = (System.nanoTime() - s) / 1e3;
                if (data == null || data.length != PAYLOAD_SIZE) {
                    throw new IllegalStateException("getData returned wrong length");
                }
            }
            long cpu = cpuNanos() - cpu0;
            return latencyLine(samples, cpu, n);
        } finally {
            zk.close();
        }
    }

    // W3: pipelined creates then deletes.
    static String w3() throws Exception {
        int n = scaled(20_000);
        String[] paths = new String[n];
        for (int i = 0; i < n; i++) {
            paths[i] = String.format(Locale.ROOT, "%s/n%05d", WRITE, i);
        }
        ZooKeeper zk = session();
        try {
            Semaphore window = new Semaphore(WINDOW);
            Failure failure = new Failure();
            AsyncCallback.StringCallback created = (rc, path, ctx, name) -> {
                if (rc != 0) {
                    failure.fail("create rc=" + rc);
                }
                window.release();
            };
            AsyncCallback.VoidCallback deleted = (rc, path, ctx) -> {
                if (rc != 0) {
                    failure.fail("delete rc=" + rc);
                }
                window.release();
            };
            long cpu0 = cpuNanos();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                window.acquire();
                zk.create(paths[i], PAYLOAD, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, created, null);
            }
            window.acquire(WINDOW);
            long t1 = System.nanoTime();
            window.release(WINDOW);
            failure.check();
            for (int i = 0; i < n; i++) {
                window.acquire();
                zk.delete(paths[i], -1, deleted, null);
            }
            window.acquire(WINDOW);
            long t2 = System.nanoTime();
            long cpu = cpuNanos() - cpu0;
            window.release(WINDOW);
            failure.check();
            return "create_ops_s=" + f(n / ((t1 - t0) / 1e9), 0) + " delete_ops_s=" + f(n / ((t2 - t1) / 1e9), 0)
                + " cpu_ms=" + f(cpu / 1e6, 0) + " cpu_us_op=" + f(cpu / 1e3 / (2.0 * n), 1) + " ops=" + (2 * n);
        } finally {
            zk.close();
        }
    }

    // W4: watch latency, A sets, B's one-shot data watch fires and is re-armed.
    static String w4() throws Exception {
        int n = scaled(2_000);
        ZooKeeper a = session();
        ZooKeeper b = session();
        try {
            Semaphore signal = new Semaphore(0);
            AtomicLong entry = new AtomicLong();
            AtomicInteger version = new AtomicInteger(-1);
            Failure failure = new Failure();
            AsyncCallback.DataCallback rearmed = (rc, path, ctx, data, stat) -> {
                if (rc != 0) {
                    failure.fail("re-arm rc=" + rc);
                } else {
                    version.set(stat.getVersion());
                }
                signal.release();
            };
            Watcher[] self = new Watcher[1];
            self[0] = e -> {
                if (e.getType() != Watcher.Event.EventType.NodeDataChanged) {
                    return;
                }
                entry.set(System.nanoTime());
                b.getData(WATCH, self[0], rearmed, null);
            };
            Stat first = new Stat();
            b.getData(WATCH, self[0], first);
            version.set(first.getVersion());
            double[] samples = new double[n];
            long cpu0 = cpuNanos();
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                Stat written = a.setData(WATCH, PAYLOAD, -1);
                if (!signal.tryAcquire(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no notification for set " + i);
                }
                failure.check();
                if (version.get() < written.getVersion()) {
                    throw new IllegalStateException("B re-read version " + version.get() + ", A wrote " + written.getVersion());
                }
                samples[i] = (entry.get() - t0) / 1e3;
            }
            long cpu = cpuNanos() - cpu0;
            return latencyLine(samples, cpu, n);
        } finally {
            a.close();
            b.close();
        }
    }

    // W5: membership convergence, 10 registrars x 100 ephemerals, watcher W re-arming getChildren.
    static String w5() throws Exception {
        String[][] names = new String[REGISTRARS][PER_REGISTRAR];
        for (int k = 0; k < REGISTRARS; k++) {
            for (int j = 0; j < PER_REGISTRAR; j++) {
                names[k][j] = SVC + "/10.0.0." + (k + 1) + ":" + (8000 + j);
            }
        }
        int warmups = warmups(3);
        for (int i = 0; i < warmups; i++) {
            double[] r = w5Round(names);
            System.err.println("WARMUP " + client + " W5 round=" + (i + 1) + " converge_ms=" + f(r[0], 1) + " events=" + (int) r[1] + " all_acked_ms=" + f(r[2], 1));
        }
        double[][] rounds = new double[ROUNDS][];
        for (int i = 0; i < ROUNDS; i++) {
            rounds[i] = w5Round(names);
        }
        StringBuilder sb = new StringBuilder();
        sb.append("converge_ms=").append(f(median(rounds, 0), 2))
            .append(" events=").append((int) median(rounds, 1))
            .append(" all_acked_ms=").append(f(median(rounds, 2), 2));
        String[] keys = {"rounds_converge_ms", "rounds_events", "rounds_all_acked_ms"};
        for (int c = 0; c < 3; c++) {
            sb.append(' ').append(keys[c]).append('=');
            for (int i = 0; i < ROUNDS; i++) {
                sb.append(i == 0 ? "" : ",").append(f(rounds[i][c], c == 1 ? 0 : 2));
            }
        }
        return sb.toString();
    }

    static double median(double[][] rounds, int column) {
        double[] v = new double[rounds.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = rounds[i][column];
        }
        Arrays.sort(v);
        return percentile(v, 50);
    }

    static double[] w5Round(String[][] names) throws Exception {
        ZooKeeper w = session();
        List<ZooKeeper> registrars = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int k = 0; k < REGISTRARS; k++) {
                registrars.add(session());
            }
            AtomicInteger events = new AtomicInteger();
            AtomicLong converged = new AtomicLong();
            CountDownLatch done = new CountDownLatch(1);
            Failure failure = new Failure();
            Watcher[] self = new Watcher[1];
            AsyncCallback.ChildrenCallback listed = (rc, path, ctx, children) -> {
                if (rc != 0) {
                    failure.fail("getChildren rc=" + rc);
                    done.countDown();
                } else if (children.size() >= REGISTRARS * PER_REGISTRAR && converged.compareAndSet(0, System.nanoTime())) {
                    done.countDown();
                }
            };
            self[0] = e -> {
                if (e.getType() != Watcher.Event.EventType.NodeChildrenChanged) {
                    return;
                }
                events.incrementAndGet();
                w.getChildren(SVC, self[0], listed, null);
            };
            if (!w.getChildren(SVC, self[0]).isEmpty()) {
                throw new IllegalStateException(SVC + " is not empty before the round");
            }
            CountDownLatch gate = new CountDownLatch(1);
            long[] acked = new long[REGISTRARS];
            for (int k = 0; k < REGISTRARS; k++) {
                final int index = k;
                final ZooKeeper zk = registrars.get(k);
                Thread t = new Thread(() -> {
                    try {
                        gate.await();
                        CountDownLatch acks = new CountDownLatch(PER_REGISTRAR);
                        AsyncCallback.StringCallback cb = (rc, path, ctx, name) -> {
                            if (rc != 0) {
                                failure.fail("create rc=" + rc);
                            }
                            acks.countDown();
                        };
                        for (int j = 0; j < PER_REGISTRAR; j++) {
                            zk.create(names[index][j], new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL, cb, null);
                        }
                        acks.await();
                        acked[index] = System.nanoTime();
                    } catch (InterruptedException e) {
                        failure.fail("interrupted");
                    }
                });
                t.start();
                threads.add(t);
            }
            long t0 = System.nanoTime();
            gate.countDown();
            for (Thread t : threads) {
                t.join(30_000);
            }
            if (!done.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("W did not see all children within 30 s");
            }
            failure.check();
            long lastAck = Arrays.stream(acked).max().getAsLong();
            return new double[] {(converged.get() - t0) / 1e6, events.get(), (lastAck - t0) / 1e6};
        } finally {
            w.close();
            for (ZooKeeper zk : registrars) {
                zk.close();
            }
        }
    }

    // W6: session setup, 200 sessions one after another.
    static String w6() throws Exception {
        int n = scaled(200);
        double[] setup = new double[n];
        double[] close = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            CountDownLatch connected = new CountDownLatch(1);
            ZooKeeper zk = new ZooKeeper(connect, 30000, e -> {
                if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                    connected.countDown();
                }
            });
            if (!connected.await(30, TimeUnit.SECONDS)) {
                zk.close();
                throw new IllegalStateException("session " + i + " not connected within 30 s");
            }
            long t1 = System.nanoTime();
            setup[i] = (t1 - t0) / 1e6;
            zk.close();
            close[i] = (System.nanoTime() - t1) / 1e6;
        }
        double mean = Arrays.stream(setup).average().orElse(0);
        Arrays.sort(setup);
        Arrays.sort(close);
        return "p50_ms=" + f(percentile(setup, 50), 3) + " p99_ms=" + f(percentile(setup, 99), 3) + " mean_ms=" + f(mean, 3)
            + " close_p50_ms=" + f(percentile(close, 50), 3) + " n=" + n;
    }
}
