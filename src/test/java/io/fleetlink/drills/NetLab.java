package io.fleetlink.drills;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Separate hosts on one machine: a bridge made by the test ({@code fldr-br0}, 10.213.0.1/24) and, per
 * host, a network namespace ({@code fldr-ns<i>}) joined to it by a veth pair, with address
 * 10.213.0.(10+i). Only names with the {@code fldr-} prefix and this private range are ever touched.
 * {@link #partition} cuts a host off (its namespace drops every packet); {@link #heal} joins it again.
 * {@link #close} removes every namespace and link, and is also run at JVM exit.
 */
final class NetLab implements AutoCloseable {

    static final String PREFIX = "fldr-";
    static final String BRIDGE = PREFIX + "br0";
    static final String GATEWAY = "10.213.0.1";

    private final int hosts;
    private final List<String> namespaces = new ArrayList<>();
    private final boolean iptables;
    private final Thread hook = new Thread(this::cleanUp, "netlab-cleanup");

    NetLab(int hosts) throws IOException {
        this.hosts = hosts;
        cleanUp(); // leftovers of a killed earlier run, ours only
        Runtime.getRuntime().addShutdownHook(hook);
        this.iptables = sh("command -v iptables >/dev/null 2>&1") == 0;
        must("ip link add " + BRIDGE + " type bridge");
        must("ip addr add " + GATEWAY + "/24 dev " + BRIDGE);
        must("ip link set " + BRIDGE + " up");
        for (int i = 0; i < hosts; i++) {
            String ns = namespace(i);
            must("ip netns add " + ns);
            namespaces.add(ns);
            must("ip link add " + PREFIX + "h" + i + " type veth peer name " + PREFIX + "n" + i);
            must("ip link set " + PREFIX + "n" + i + " netns " + ns);
            must("ip link set " + PREFIX + "h" + i + " master " + BRIDGE);
            must("ip link set " + PREFIX + "h" + i + " up");
            must("ip netns exec " + ns + " ip addr add " + address(i) + "/24 dev " + PREFIX + "n" + i);
            must("ip netns exec " + ns + " ip link set " + PREFIX + "n" + i + " up");
            must("ip netns exec " + ns + " ip link set lo up");
            must("ip netns exec " + ns + " ip route add default via " + GATEWAY);
        }
    }

    /** Whether this machine can make namespaces and veth pairs (root, iproute2, a kernel that allows it). */
    static boolean supported() {
        try {
            if (sh("command -v ip >/dev/null 2>&1") != 0) {
                return false;
            }
            String probe = PREFIX + "probe";
            boolean ok = sh("ip netns add " + probe) == 0
                    && sh("ip link add " + PREFIX + "pa type veth peer name " + PREFIX + "pb") == 0
                    && sh("ip link set " + PREFIX + "pb netns " + probe) == 0;
            sh("ip link del " + PREFIX + "pa 2>/dev/null; ip netns del " + probe + " 2>/dev/null");
            return ok;
        } catch (IOException e) {
            return false;
        }
    }

    static String namespace(int i) {
        return PREFIX + "ns" + i;
    }

    static String address(int i) {
        return "10.213.0." + (10 + i);
    }

    int hosts() {
        return hosts;
    }

    /** Cuts host {@code i} off the network: every packet in or out of its namespace is dropped. */
    void partition(int i) throws IOException {
        if (iptables && sh("ip netns exec " + namespace(i) + " iptables -I INPUT -i " + PREFIX + "n" + i + " -j DROP && "
                + "ip netns exec " + namespace(i) + " iptables -I OUTPUT -o " + PREFIX + "n" + i + " -j DROP") == 0) {
            method = "iptables DROP (INPUT and OUTPUT) in the host's namespace";
            return;
        }
        must("ip link set " + PREFIX + "h" + i + " down");
        linkDown.add(i);
        method = "the host's veth brought down on the bridge side";
    }

    /** Undoes {@link #partition}. */
    void heal(int i) throws IOException {
        if (linkDown.remove(Integer.valueOf(i))) {
            must("ip link set " + PREFIX + "h" + i + " up");
            return;
        }
        sh("ip netns exec " + namespace(i) + " iptables -D INPUT -i " + PREFIX + "n" + i + " -j DROP");
        sh("ip netns exec " + namespace(i) + " iptables -D OUTPUT -o " + PREFIX + "n" + i + " -j DROP");
    }

    private final java.util.Set<Integer> linkDown = new java.util.HashSet<>();
    private String method = "-";

    String partitionMethod() {
        return method;
    }

    @Override
    public void close() {
        cleanUp();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs cleanUp again, harmlessly
        }
    }

    /** Removes every fldr- namespace and link (ours: the prefix is the test's own). */
    private void cleanUp() {
        try {
            sh("for ns in $(ip netns list | awk '{print $1}' | grep '^" + PREFIX + "'); do "
                    + "ip netns pids $ns 2>/dev/null | xargs -r kill -9; ip netns del $ns; done");
            sh("for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^" + PREFIX + "'); do "
                    + "ip link del $l 2>/dev/null; done");
        } catch (IOException e) {
            // best effort; reported by the next run's must() if anything is left
        }
        namespaces.clear();
    }

    static void must(String command) throws IOException {
        int rc = sh(command);
        if (rc != 0) {
            throw new IOException("failed (exit " + rc + "): " + command);
        }
    }

    static int sh(String command) throws IOException {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return 124;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
        return p.exitValue();
    }
}
