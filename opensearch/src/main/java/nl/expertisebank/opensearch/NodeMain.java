package nl.expertisebank.opensearch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * Starts one embedded OpenSearch node with the analysis-common and Netty4 modules loaded from the classpath.
 * Heap size is chosen by the caller with -Xms/-Xmx. Prints "started NAME http=PORT" on stdout when ready and
 * closes the node on SIGTERM/SIGINT.
 */
public final class NodeMain {

    private static final Set<String> OPTIONS = Set.of("--name", "--http-port", "--transport-port", "--data",
        "--seed-hosts", "--initial-cluster-managers", "--cluster-name", "--host");

    private static final String USAGE = "usage: java -Xms512m -Xmx512m -jar expertisebank-opensearch-node.jar"
        + " --name NAME --http-port PORT --transport-port PORT --data DIR"
        + " [--seed-hosts h:p,h:p] [--initial-cluster-managers n1,n2] [--cluster-name expertisebank] [--host 127.0.0.1]"
        + " [-Esetting=value ...]";

    /** A plain node whose modules come from the classpath instead of a modules/ directory. */
    static final class ClasspathNode extends Node {
        ClasspathNode(Environment environment) {
            super(environment, List.of(CommonAnalysisPlugin.class, Netty4Plugin.class), true);
        }
    }

    public static void main(String[] args) throws Exception {
        // Log4j must keep working while our shutdown hook closes the node.
        System.setProperty("log4j.shutdownHookEnabled", "false");
        System.setProperty("log4j2.disable.jmx", "true");

        Settings settings;
        Path home;
        String name;
        try {
            Map<String, String> opts = parse(args);
            name = required(opts, "--name");
            home = Path.of(required(opts, "--data")).toAbsolutePath();
            Settings.Builder b = Settings.builder()
                .put("cluster.name", opts.getOrDefault("--cluster-name", "expertisebank"))
                .put("node.name", name)
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString())
                .put("network.host", opts.getOrDefault("--host", "127.0.0.1"))
                .put("http.port", port(required(opts, "--http-port"), "--http-port"))
                .put("transport.port", port(required(opts, "--transport-port"), "--transport-port"))
                .put("http.type", "netty4")
                .put("transport.type", "netty4")
                .put("cluster.routing.allocation.disk.threshold_enabled", false);
            List<String> seeds = list(opts.get("--seed-hosts"));
            if (seeds.isEmpty()) {
                b.put("discovery.type", "single-node");
            } else {
                b.putList("discovery.seed_hosts", seeds);
                List<String> managers = list(opts.get("--initial-cluster-managers"));
                if (!managers.isEmpty()) {
                    b.putList("cluster.initial_cluster_manager_nodes", managers);
                }
            }
            // -Esetting=value: any other node setting, as OpenSearch's own launcher takes it
            for (Map.Entry<String, String> e : opts.entrySet()) {
                if (e.getKey().startsWith("-E")) {
                    b.put(e.getKey().substring(2), e.getValue());
                }
            }
            settings = b.build();
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }

        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("modules"));
        Files.createDirectories(home.resolve("plugins"));
        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), home.resolve("config"), () -> name);
        Node node = new ClasspathNode(env);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("error while closing " + name + ": " + e);
            } finally {
                closed.countDown();
            }
        }, "node-shutdown"));
        try {
            node.start();
        } catch (Exception e) {
            e.printStackTrace();
            StringBuilder reason = new StringBuilder(String.valueOf(e));
            for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                reason.append("; caused by ").append(c);
            }
            System.err.println("failed to start " + name + ": " + reason);
            System.exit(1);
        }
        int httpPort = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().getPort();
        System.out.println("started " + name + " http=" + httpPort);
        System.out.flush();
        closed.await(); // node threads are daemons; keep the JVM alive until shutdown
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String key = args[i];
            String value;
            int eq = key.indexOf('=');
            if (eq > 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("missing value for " + key);
            }
            if (!OPTIONS.contains(key) && !(key.startsWith("-E") && key.length() > 2)) {
                throw new IllegalArgumentException("unknown option " + key);
            }
            opts.put(key, value);
        }
        return opts;
    }

    private static String required(Map<String, String> opts, String key) {
        String value = opts.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("missing required option " + key);
        }
        return value;
    }

    private static int port(String value, String key) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException(key + " must be a port number, got '" + value + "'");
    }

    private static List<String> list(String value) {
        if (value == null) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
