import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.cache.PathChildrenCache;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.utils.ZKPaths;

/**
 * W7 of docs/benchmarks.md with Apache Curator 5.4 (Debian libcurator-recipes-java) as watcher W:
 * {@code --engine cache} is CuratorCache (a persistent recursive watch on 3.6+ servers; the engine under Curator's
 * ServiceCache), {@code --engine pcc} the older PathChildrenCache (re-reads the children on every event; caches data).
 * Both keep the children's data. Same contract, names, churner and RESULT line as ScaleBench (W7 only).
 */
@SuppressWarnings("deprecation") // PathChildrenCache is deprecated in Curator 5; it is one of the references measured
public final class CuratorBench {
    public static void main(String[] args) throws Exception {
        int port = 0;
        String engine = "cache";
        String workloads = "W7";
        ZkBench.client = "curator-cache";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port": port = Integer.parseInt(args[++i]); break;
                case "--client": ZkBench.client = args[++i]; break;
                case "--workloads": workloads = args[++i]; break;
                case "--scale": ZkBench.scale = Double.parseDouble(args[++i]); break;
                case "--no-warmup": ZkBench.noWarmup = true; break;
                case "--warmup-passes": ZkBench.warmupPasses = Integer.parseInt(args[++i]); break;
                case "--engine": engine = args[++i]; break;
                default:
                    System.err.println("Unknown argument " + args[i]);
                    System.exit(2);
            }
        }
        if (port <= 0 || !(engine.equals("cache") || engine.equals("pcc"))) {
            System.err.println("Usage: CuratorBench --port P --engine cache|pcc [--client NAME] [--workloads W7] [--scale S] [--no-warmup]");
            System.exit(2);
        }
        ZkBench.connect = "127.0.0.1:" + port;
        boolean failed = false;
        final boolean pcc = engine.equals("pcc");
        for (String w : workloads.split(",")) {
            w = w.trim().toUpperCase(Locale.ROOT);
            try {
                ZkBench.setUpTree();
                String result;
                switch (w) {
                    case "SETUP": result = "ok=1"; break;
                    case "W7": result = ScaleBench.w7((n, c, d) -> new CuratorWatcher(n, c, d, pcc)); break;
                    default: throw new IllegalArgumentException("CuratorBench runs W7 only, not " + w);
                }
                System.out.println("RESULT " + ZkBench.client + " " + w + " " + result);
                System.out.flush();
            } catch (Throwable e) {
                System.err.println("FAIL " + ZkBench.client + " " + w + ": " + e);
                e.printStackTrace();
                failed = true;
            }
        }
        System.exit(failed ? 1 : 0);
    }

    /** CuratorCache or PathChildrenCache on its own CuratorFramework (one session, 30 s timeout). */
    static final class CuratorWatcher implements ScaleBench.W7Watcher {
        final CuratorFramework client;
        final int n;
        final ScaleBench.Reflections reflections;
        final CompletableFuture<Void> initialized = new CompletableFuture<>();
        CuratorCache cache;
        PathChildrenCache pathChildrenCache;

        CuratorWatcher(int n, Map<String, Integer> createdBy, Map<String, Integer> deletedBy, boolean pcc) throws Exception {
            this.n = n;
            this.reflections = new ScaleBench.Reflections(createdBy, deletedBy);
            client = CuratorFrameworkFactory.newClient(ZkBench.connect, 30000, 30000, new RetryNTimes(3, 100));
            client.start();
            if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
                client.close();
                throw new IllegalStateException("Curator not connected within 30 s");
            }
            if (pcc) {
                pathChildrenCache = new PathChildrenCache(client, ScaleBench.BIG, true);
                pathChildrenCache.getListenable().addListener((c, event) -> {
                    switch (event.getType()) {
                        case CHILD_ADDED:
                            reflections.created(ZKPaths.getNodeFromPath(event.getData().getPath()), System.nanoTime());
                            break;
                        case CHILD_REMOVED:
                            reflections.deleted(ZKPaths.getNodeFromPath(event.getData().getPath()), System.nanoTime());
                            break;
                        case INITIALIZED:
                            initialized.complete(null);
                            break;
                        default:
                            break;
                    }
                });
            } else {
                cache = CuratorCache.build(client, ScaleBench.BIG);
                cache.listenable().addListener(CuratorCacheListener.builder()
                    .forCreates(node -> {
                        if (!node.getPath().equals(ScaleBench.BIG)) {
                            reflections.created(ZKPaths.getNodeFromPath(node.getPath()), System.nanoTime());
                        }
                    })
                    .forDeletes(node -> {
                        if (!node.getPath().equals(ScaleBench.BIG)) {
                            reflections.deleted(ZKPaths.getNodeFromPath(node.getPath()), System.nanoTime());
                        }
                    })
                    .forInitialized(() -> initialized.complete(null))
                    .build());
            }
        }

        public void load() throws Exception {
            if (pathChildrenCache != null) {
                pathChildrenCache.start(PathChildrenCache.StartMode.POST_INITIALIZED_EVENT);
            } else {
                cache.start();
            }
            initialized.get(60, TimeUnit.SECONDS);
            int size = viewNames().size();
            if (size != n) {
                throw new IllegalStateException("initialized with " + size + " children, expected " + n);
            }
        }

        public long reflectedAt(int i) {
            return reflections.at(i);
        }

        public CompletableFuture<Void> allReflected() {
            return reflections.all;
        }

        public Set<String> viewNames() {
            Set<String> names = new HashSet<>();
            if (pathChildrenCache != null) {
                for (ChildData d : pathChildrenCache.getCurrentData()) {
                    names.add(ZKPaths.getNodeFromPath(d.getPath()));
                }
            } else {
                cache.stream().filter(d -> !d.getPath().equals(ScaleBench.BIG))
                    .forEach(d -> names.add(ZKPaths.getNodeFromPath(d.getPath())));
            }
            return names;
        }

        public void close() throws Exception {
            if (pathChildrenCache != null) {
                pathChildrenCache.close();
            }
            if (cache != null) {
                cache.close();
            }
            client.close();
        }
    }

    private CuratorBench() {
    }
}
