import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.utils.ZKPaths;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceType;
import org.apache.curator.x.discovery.UriSpec;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.curator.x.discovery.details.ServiceCacheListener;
import org.springframework.cloud.zookeeper.discovery.ZookeeperInstance;

/**
 * A Curator x-discovery peer for ZkDiscovery's interop tests. Talks through Curator's own API only. Commands (one per
 * process; every output line is "KEYWORD rest", flushed at once; errors: "ERROR message" on stderr, exit code 2):
 *
 *   register CONNECT BASEPATH NAME ADDRESS PORT [--ssl-port N] [--id ID] [--payload spring|none]
 *            [--meta KEY=VALUE]... [--status STATUS]
 *       Registers a DYNAMIC instance (uriSpec {scheme}://{address}:{port}; payload Spring's ZookeeperInstance
 *       {id: NAME, name: NAME, metadata} unless --payload none; --status puts metadata.instance_status).
 *       Prints "REGISTERED ID" then "JSON DATA" (the node's data as stored). Then reads stdin: a line
 *       "status STATUS" updates the instance (Curator updateService) with that instance_status and prints
 *       "UPDATED ID" and "JSON DATA"; end of stdin unregisters, closes and exits 0.
 *   query CONNECT BASEPATH NAME
 *       Prints "INSTANCE SUMMARY" per instance of ServiceDiscovery.queryForInstances, sorted by id, then "END COUNT".
 *   cache CONNECT BASEPATH NAME
 *       Starts a ServiceCache; prints "CACHE [SUMMARY,...]" (sorted by id) once loaded and again after every
 *       cacheChanged; runs until stdin closes.
 *   put CONNECT PATH VALUE [PATH VALUE]...
 *       For each pair, creates PATH (and missing parents, with empty data) holding VALUE as UTF-8, or sets its data:
 *       how Spring Cloud Zookeeper's documentation has configuration written with Curator. Prints "OK COUNT".
 *
 * SUMMARY is one-line JSON: {"id","name","address","port","sslPort","uri" (buildUriSpec()),"enabled","serviceType",
 * "registrationTimeUTC","payloadClass","metadata"}. Payloads are read as Object, so Spring's @class resolves to the
 * stand-in class in this directory.
 */
public final class CuratorPeer {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) {
        try {
            if (args.length < 1) {
                throw new IllegalArgumentException("usage: register|query|cache|put ...");
            }
            switch (args[0]) {
                case "register" -> register(args);
                case "query" -> query(args);
                case "cache" -> cache(args);
                case "put" -> put(args);
                default -> throw new IllegalArgumentException("unknown command " + args[0]);
            }
            System.exit(0);
        } catch (Throwable e) {
            System.err.println("ERROR " + e);
            System.err.flush();
            System.exit(2);
        }
    }

    private static synchronized void out(String keyword, String rest) {
        System.out.println(keyword + " " + rest);
        System.out.flush();
    }

    private static CuratorFramework connect(String connect) throws Exception {
        CuratorFramework client = CuratorFrameworkFactory.builder()
            .connectString(connect)
            .sessionTimeoutMs(10_000)
            .connectionTimeoutMs(5_000)
            .retryPolicy(new RetryNTimes(40, 250))
            .build();
        // Wait until the CONNECTED event itself was dispatched, not only until the state is connected: a ServiceDiscovery
        // started earlier would still receive that event and re-register (delete and re-create) what it had just
        // registered, so the instance node would briefly vanish.
        CountDownLatch connected = new CountDownLatch(1);
        client.getConnectionStateListenable().addListener((c, state) -> {
            if (state.isConnected()) {
                connected.countDown();
            }
        });
        client.start();
        if (!connected.await(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException("not connected to " + connect + " within 20 s");
        }
        return client;
    }

    private static ServiceDiscovery<Object> discovery(CuratorFramework client, String basePath) throws Exception {
        ServiceDiscovery<Object> discovery = ServiceDiscoveryBuilder.builder(Object.class)
            .client(client)
            .basePath(basePath)
            .serializer(new JsonInstanceSerializer<>(Object.class))
            .build();
        discovery.start();
        return discovery;
    }

    private static void register(String[] args) throws Exception {
        if (args.length < 6) {
            throw new IllegalArgumentException("usage: register CONNECT BASEPATH NAME ADDRESS PORT [options]");
        }
        String connect = args[1], basePath = args[2], name = args[3], address = args[4];
        int port = Integer.parseInt(args[5]);
        Integer sslPort = null;
        String id = UUID.randomUUID().toString();
        boolean springPayload = true;
        Map<String, String> metadata = new LinkedHashMap<>();
        for (int i = 6; i < args.length; i++) {
            switch (args[i]) {
                case "--ssl-port" -> sslPort = Integer.parseInt(args[++i]);
                case "--id" -> id = args[++i];
                case "--payload" -> springPayload = switch (args[++i]) {
                    case "spring" -> true;
                    case "none" -> false;
                    default -> throw new IllegalArgumentException("--payload spring|none");
                };
                case "--meta" -> {
                    String pair = args[++i];
                    int eq = pair.indexOf('=');
                    metadata.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
                case "--status" -> metadata.put("instance_status", args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        try (CuratorFramework client = connect(connect); ServiceDiscovery<Object> discovery = discovery(client, basePath)) {
            ServiceInstance<Object> instance = build(name, id, address, port, sslPort, springPayload ? new ZookeeperInstance(name, name, metadata) : null);
            discovery.registerService(instance);
            String path = ZKPaths.makePath(basePath, name, id);
            out("REGISTERED", id);
            out("JSON", new String(client.getData().forPath(path), StandardCharsets.UTF_8));
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = stdin.readLine()) != null) {
                line = line.trim();
                if (line.startsWith("status ")) {
                    Map<String, String> updated = new LinkedHashMap<>(metadata);
                    updated.put("instance_status", line.substring(7).trim());
                    instance = build(name, id, address, port, sslPort, springPayload ? new ZookeeperInstance(name, name, updated) : null);
                    discovery.updateService(instance);
                    out("UPDATED", id);
                    out("JSON", new String(client.getData().forPath(path), StandardCharsets.UTF_8));
                } else if (!line.isEmpty()) {
                    System.err.println("ignored: " + line);
                }
            }
            discovery.unregisterService(instance);
        }
    }

    private static ServiceInstance<Object> build(String name, String id, String address, int port, Integer sslPort, Object payload) throws Exception {
        var builder = ServiceInstance.builder()
            .name(name)
            .id(id)
            .address(address)
            .port(port)
            .payload(payload)
            .serviceType(ServiceType.DYNAMIC)
            .uriSpec(new UriSpec("{scheme}://{address}:{port}"));
        if (sslPort != null) {
            builder.sslPort(sslPort);
        }
        return builder.build();
    }

    private static void query(String[] args) throws Exception {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: query CONNECT BASEPATH NAME");
        }
        try (CuratorFramework client = connect(args[1]); ServiceDiscovery<Object> discovery = discovery(client, args[2])) {
            List<ServiceInstance<Object>> instances = sorted(discovery.queryForInstances(args[3]));
            for (ServiceInstance<Object> instance : instances) {
                out("INSTANCE", JSON.writeValueAsString(summary(instance)));
            }
            out("END", Integer.toString(instances.size()));
        }
    }

    private static void cache(String[] args) throws Exception {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: cache CONNECT BASEPATH NAME");
        }
        try (CuratorFramework client = connect(args[1]); ServiceDiscovery<Object> discovery = discovery(client, args[2])) {
            ServiceCache<Object> cache = discovery.serviceCacheBuilder().name(args[3]).build();
            cache.addListener(new ServiceCacheListener() {
                @Override
                public void cacheChanged() {
                    printCache(cache);
                }

                @Override
                public void stateChanged(CuratorFramework curator, ConnectionState state) {
                    out("STATE", state.name());
                }
            });
            cache.start();
            printCache(cache);
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (stdin.readLine() != null) {
                // Runs until stdin closes.
            }
            cache.close();
        }
    }

    private static void printCache(ServiceCache<Object> cache) {
        ArrayNode array = JSON.createArrayNode();
        for (ServiceInstance<Object> instance : sorted(cache.getInstances())) {
            array.add(summary(instance));
        }
        out("CACHE", array.toString());
    }

    private static void put(String[] args) throws Exception {
        if (args.length < 4 || args.length % 2 != 0) {
            throw new IllegalArgumentException("usage: put CONNECT PATH VALUE [PATH VALUE]...");
        }
        try (CuratorFramework client = connect(args[1])) {
            for (int i = 2; i < args.length; i += 2) {
                byte[] data = args[i + 1].getBytes(StandardCharsets.UTF_8);
                if (client.checkExists().forPath(args[i]) == null) {
                    client.create().creatingParentsIfNeeded().forPath(args[i], data);
                } else {
                    client.setData().forPath(args[i], data);
                }
            }
            out("OK", Integer.toString(args.length / 2 - 1));
        }
    }

    private static List<ServiceInstance<Object>> sorted(Collection<ServiceInstance<Object>> instances) {
        List<ServiceInstance<Object>> list = new ArrayList<>(instances);
        list.sort(Comparator.comparing(ServiceInstance::getId));
        return list;
    }

    private static ObjectNode summary(ServiceInstance<Object> instance) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", instance.getId());
        node.put("name", instance.getName());
        node.put("address", instance.getAddress());
        node.put("port", instance.getPort());
        node.put("sslPort", instance.getSslPort());
        node.put("uri", instance.buildUriSpec());
        node.put("enabled", instance.isEnabled());
        node.put("serviceType", instance.getServiceType() == null ? null : instance.getServiceType().name());
        node.put("registrationTimeUTC", instance.getRegistrationTimeUTC());
        Object payload = instance.getPayload();
        node.put("payloadClass", payload == null ? null : payload.getClass().getName());
        ObjectNode metadata = node.putObject("metadata");
        if (payload instanceof ZookeeperInstance zi && zi.getMetadata() != null) {
            zi.getMetadata().forEach(metadata::put);
        }
        return node;
    }
}
