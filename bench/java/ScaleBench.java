import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * W7 and W8 of docs/benchmarks.md ("Scale workloads W7 and W8") with the official Java client, plus what the Curator
 * drivers (CuratorBench) share: the names (the same as bench/ZkDiscovery.Bench/ScaleNames.cs), the churner child
 * process (the C# bench's w7-churner command, named by the environment variable BENCH_W7_CHURNER, e.g.
 * "dotnet /path/ZkDiscovery.Bench.dll w7-churner"), the pass structure and the RESULT line.
 */
public final class ScaleBench {
    static final String BIG = "/bench/big", CFG = "/bench/cfg";
    static final int REGISTRARS = 10, CHANGES = 1000, WRITES = 20, WRITE_INTERVAL_MS = 100;

    static int instances() {
        return Math.max(1, (int) Math.round(10_000 * ZkBench.scale));
    }

    static int readers() {
        return Math.max(1, (int) Math.round(1_000 * ZkBench.scale));
    }

    static String initial(int m) {
        return "10.1." + (m % REGISTRARS) + "." + (m / REGISTRARS) + ":8080";
    }

    static String created(int i) {
        return "10.2." + (i / 250) + "." + (i % 250) + ":8080";
    }

    static String deleted(int i, int n) {
        return i < n ? initial(i) : created(i - n);
    }

    /** 100 bytes of JSON {"seq":N,"pad":"xx..x"}, as ScaleNames.ConfigData. */
    static byte[] configData(int seq) {
        String head = "{\"seq\":" + seq + ",\"pad\":\"";
        StringBuilder sb = new StringBuilder(head);
        for (int i = 0; i < 100 - head.length() - 2; i++) {
            sb.append('x');
        }
        sb.append("\"}");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The watcher under test in W7. Timestamps are System.nanoTime() (CLOCK_MONOTONIC, as the churner's). */
    interface W7Watcher {
        /** Starts loading; returns when the view holds all n children. */
        void load() throws Exception;

        /** Time at which change i was first fully in the view (0 if never). */
        long reflectedAt(int i);

        /** Completes when every change is in the view. */
        CompletableFuture<Void> allReflected();

        Set<String> viewNames();

        void close() throws Exception;
    }

    interface W7Factory {
        W7Watcher create(int n, Map<String, Integer> createdBy, Map<String, Integer> deletedBy) throws Exception;
    }

    /** Runs W7 (1 warm-up pass, then the measured pass) with watchers from the factory. */
    static String w7(W7Factory factory) throws Exception {
        int n = instances();
        Churner churner = new Churner(n);
        try {
            for (int i = 0; i < ZkBench.warmups(1); i++) {
                System.err.println("WARMUP " + ZkBench.client + " W7 pass=" + (i + 1) + " " + w7Pass(factory, n, churner));
            }
            return w7Pass(factory, n, churner);
        } finally {
            churner.close();
        }
    }

    static String w7Pass(W7Factory factory, int n, Churner churner) throws Exception {
        churner.send("SETUP");
        churner.expect("READY");
        Map<String, Integer> createdBy = new HashMap<>();
        Map<String, Integer> deletedBy = new HashMap<>();
        for (int i = 0; i < CHANGES; i++) {
            createdBy.put(created(i), i);
            deletedBy.put(deleted(i, n), i);
        }
        W7Watcher watcher = factory.create(n, createdBy, deletedBy);
        try {
            long t0 = System.nanoTime();
            watcher.load();
            double loadMs = (System.nanoTime() - t0) / 1e6;
            System.gc();
            System.gc();
            double heapMb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0;
            long settleMs = ZkBench.settleCompiler();
            long cpu0 = ZkBench.cpuNanos();
            churner.send("GO");
            String acksLine = churner.expect("ACKS");
            churner.expect("DONE");
            watcher.allReflected().get(60, TimeUnit.SECONDS);
            long cpu = ZkBench.cpuNanos() - cpu0;
            String[] parts = acksLine.trim().split(" ");
            if (parts.length != CHANGES + 1) {
                throw new IllegalStateException("the churner reported " + (parts.length - 1) + " acks");
            }
            double[] lags = new double[CHANGES];
            int early = 0;
            for (int i = 0; i < CHANGES; i++) {
                if (watcher.reflectedAt(i) == 0) {
                    throw new IllegalStateException("change " + i + " was never seen in the view");
                }
                double lag = (watcher.reflectedAt(i) - Long.parseLong(parts[i + 1])) / 1e6;
                if (lag < 0) {
                    early++;
                    lag = 0;
                }
                lags[i] = lag;
            }
            Arrays.sort(lags);
            ZooKeeper check = ZkBench.session();
            Set<String> server;
            try {
                server = new HashSet<>(check.getChildren(BIG, false));
            } finally {
                check.close();
            }
            boolean finalOk = server.equals(watcher.viewNames());
            return "load_ms=" + ZkBench.f(loadMs, 1) + " lag_p50_ms=" + ZkBench.f(ZkBench.percentile(lags, 50), 2)
                + " lag_p99_ms=" + ZkBench.f(ZkBench.percentile(lags, 99), 2) + " cpu_us_change=" + ZkBench.f(cpu / 1e3 / CHANGES, 1)
                + " heap_mb=" + ZkBench.f(heapMb, 1) + " final_ok=" + (finalOk ? 1 : 0)
                + " lag_max_ms=" + ZkBench.f(lags[CHANGES - 1], 2) + " seen_before_ack=" + early + " n=" + n + " changes=" + CHANGES
                + " settle_ms=" + settleMs;
        } finally {
            watcher.close();
        }
    }

    /** Records per change when its deletion and its creation were seen; completes when all are. */
    static final class Reflections {
        final AtomicLongArray createdAt = new AtomicLongArray(CHANGES), deletedAt = new AtomicLongArray(CHANGES);
        final AtomicInteger reflected = new AtomicInteger();
        final CompletableFuture<Void> all = new CompletableFuture<>();
        final Map<String, Integer> createdBy, deletedBy;

        Reflections(Map<String, Integer> createdBy, Map<String, Integer> deletedBy) {
            this.createdBy = createdBy;
            this.deletedBy = deletedBy;
        }

        void created(String name, long now) {
            Integer i = createdBy.get(name);
            if (i != null && createdAt.compareAndSet(i, 0, now) && deletedAt.get(i) != 0) {
                done();
            }
        }

        void deleted(String name, long now) {
            Integer i = deletedBy.get(name);
            if (i != null && deletedAt.compareAndSet(i, 0, now) && createdAt.get(i) != 0) {
                done();
            }
        }

        private void done() {
            if (reflected.incrementAndGet() == CHANGES) {
                all.complete(null);
            }
        }

        long at(int i) {
            return Math.max(createdAt.get(i), deletedAt.get(i));
        }
    }

    /**
     * The raw Java-client watcher: getChildren with a one-shot watch re-armed (async) on every NodeChildrenChanged; the
     * listing is diffed against the previous one; children's data is not read (as in the reference figures).
     */
    static final class RawChildWatcher implements W7Watcher {
        final ZooKeeper zk;
        final int n;
        final Reflections reflections;
        final CompletableFuture<Void> loaded = new CompletableFuture<>();
        final Object gate = new Object();
        Set<String> listed = new HashSet<>();
        volatile boolean closed;
        Watcher watcher;
        final AsyncCallback.ChildrenCallback onChildren;

        RawChildWatcher(int n, Map<String, Integer> createdBy, Map<String, Integer> deletedBy) throws Exception {
            this.zk = ZkBench.session();
            this.n = n;
            this.reflections = new Reflections(createdBy, deletedBy);
            this.onChildren = (rc, path, ctx, children) -> {
                if (rc != 0) {
                    if (!closed) {
                        fail(new IllegalStateException("getChildren rc=" + rc));
                    }
                    return;
                }
                Set<String> now = new HashSet<>(children);
                long t = System.nanoTime();
                synchronized (gate) {
                    for (String name : listed) {
                        if (!now.contains(name)) {
                            reflections.deleted(name, t);
                        }
                    }
                    for (String name : now) {
                        if (!listed.contains(name)) {
                            reflections.created(name, t);
                        }
                    }
                    listed = now;
                }
                if (now.size() == n) {
                    loaded.complete(null);
                }
            };
            this.watcher = e -> {
                if (e.getType() == Watcher.Event.EventType.NodeChildrenChanged) {
                    zk.getChildren(BIG, this.watcher, onChildren, null);
                }
            };
        }

        void fail(Exception e) {
            loaded.completeExceptionally(e);
            reflections.all.completeExceptionally(e);
        }

        public void load() throws Exception {
            zk.getChildren(BIG, watcher, onChildren, null);
            loaded.get(60, TimeUnit.SECONDS);
        }

        public long reflectedAt(int i) {
            return reflections.at(i);
        }

        public CompletableFuture<Void> allReflected() {
            return reflections.all;
        }

        public Set<String> viewNames() {
            synchronized (gate) {
                return new HashSet<>(listed);
            }
        }

        public void close() throws Exception {
            closed = true;
            zk.close();
        }
    }

    /** The C# churner child process (registrars + churner), driven over stdin/stdout. */
    static final class Churner {
        final Process process;
        final BufferedWriter in;
        final BufferedReader out;

        Churner(int n) throws Exception {
            String command = System.getenv("BENCH_W7_CHURNER");
            if (command == null || command.isBlank()) {
                throw new IllegalStateException("BENCH_W7_CHURNER is not set (e.g. \"dotnet bench/ZkDiscovery.Bench/bin/Release/net10.0/ZkDiscovery.Bench.dll w7-churner\")");
            }
            List<String> args = new ArrayList<>(Arrays.asList(command.trim().split("\\s+")));
            args.addAll(Arrays.asList("--port", ZkBench.connect.substring(ZkBench.connect.lastIndexOf(':') + 1), "--instances", Integer.toString(n)));
            process = new ProcessBuilder(args).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        void send(String command) throws Exception {
            in.write(command);
            in.newLine();
            in.flush();
        }

        /** Reads the next line (blocking; the churner bounds its own work and fails with FAIL). */
        String expect(String prefix) throws Exception {
            String line = out.readLine();
            if (line == null) {
                throw new IllegalStateException("the churner exited while " + prefix + " was expected");
            }
            if (!line.startsWith(prefix)) {
                throw new IllegalStateException("the churner answered \"" + line + "\" while " + prefix + " was expected");
            }
            return line;
        }

        void close() throws Exception {
            try {
                send("QUIT");
                in.close();
            } catch (java.io.IOException ignored) {
            }
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    // ---- W8: S sessions with a getData watch on /bench/cfg re-armed on every NodeDataChanged ----

    static String w8() throws Exception {
        int s = readers();
        for (int i = 0; i < ZkBench.warmups(1); i++) {
            System.err.println("WARMUP " + ZkBench.client + " W8 pass=" + (i + 1) + " " + w8Pass(s));
        }
        return w8Pass(s);
    }

    static String w8Pass(int s) throws Exception {
        ZooKeeper writer = ZkBench.session();
        List<ZooKeeper> sessions = new ArrayList<>();
        try {
            try {
                writer.create(CFG, configData(0), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException ignored) {
            }
            int v0 = writer.setData(CFG, configData(0), -1).getVersion();
            AtomicIntegerArray have = new AtomicIntegerArray(WRITES);
            AtomicLongArray allAt = new AtomicLongArray(WRITES);
            CountDownLatch all = new CountDownLatch(WRITES);
            String[] failure = new String[1];
            for (int k = 0; k < s; k++) {
                ZooKeeper zk = ZkBench.session();
                sessions.add(zk);
                int[] seen = new int[1];
                Watcher[] self = new Watcher[1];
                AsyncCallback.DataCallback onData = (rc, path, ctx, data, stat) -> {
                    if (rc != 0) {
                        failure[0] = "getData rc=" + rc;
                        return;
                    }
                    int now = stat.getVersion() - v0;
                    for (int j = seen[0]; j < Math.min(now, WRITES); j++) {
                        if (have.incrementAndGet(j) == s) {
                            allAt.set(j, System.nanoTime());
                            all.countDown();
                        }
                    }
                    seen[0] = Math.max(seen[0], now);
                };
                self[0] = e -> {
                    if (e.getType() == Watcher.Event.EventType.NodeDataChanged) {
                        zk.getData(CFG, self[0], onData, null);
                    }
                };
                Stat stat = new Stat();
                zk.getData(CFG, self[0], stat);
                if (stat.getVersion() != v0) {
                    throw new IllegalStateException("a reader found version " + stat.getVersion() + ", expected " + v0);
                }
            }
            long[] acks = new long[WRITES];
            long settleMs = ZkBench.settleCompiler();
            long cpu0 = ZkBench.cpuNanos();
            long start = System.nanoTime();
            for (int j = 0; j < WRITES; j++) {
                long due = start + j * WRITE_INTERVAL_MS * 1_000_000L;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                Stat written = writer.setData(CFG, configData(j + 1), -1);
                acks[j] = System.nanoTime();
                if (written.getVersion() != v0 + j + 1) {
                    throw new IllegalStateException("write " + j + " made version " + written.getVersion());
                }
            }
            if (!all.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not every reader saw every write within 60 s" + (failure[0] == null ? "" : ": " + failure[0]));
            }
            long cpu = ZkBench.cpuNanos() - cpu0;
            double[] allMs = new double[WRITES];
            for (int j = 0; j < WRITES; j++) {
                allMs[j] = Math.max(0, (allAt.get(j) - acks[j]) / 1e6);
            }
            Arrays.sort(allMs);
            return "all_p50_ms=" + ZkBench.f(ZkBench.percentile(allMs, 50), 2) + " all_p99_ms=" + ZkBench.f(ZkBench.percentile(allMs, 99), 2)
                + " cpu_us_notify=" + ZkBench.f(cpu / 1e3 / (WRITES * (double) s), 2) + " rss_mb=" + ZkBench.f(rssMb(), 1)
                + " all_max_ms=" + ZkBench.f(allMs[WRITES - 1], 2) + " readers=" + s + " writes=" + WRITES + " settle_ms=" + settleMs;
        } finally {
            writer.close();
            closeAll(sessions);
        }
    }

    /** Closes sessions 50 at a time (ZooKeeper.close() of 3.8.0 sleeps 100 ms each; not in any figure). */
    static void closeAll(List<ZooKeeper> sessions) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(50);
        try {
            for (ZooKeeper zk : sessions) {
                pool.submit(() -> {
                    zk.close();
                    return null;
                });
            }
        } finally {
            pool.shutdown();
            pool.awaitTermination(120, TimeUnit.SECONDS);
        }
    }

    static double rssMb() throws Exception {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return -1;
    }

    private ScaleBench() {
    }
}
