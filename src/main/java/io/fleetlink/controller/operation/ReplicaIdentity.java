package io.fleetlink.controller.operation;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.ControllerConfig;

/**
 * This controller replica's name in operation leases: configured, or the host name (the pod name
 * under Kubernetes) plus a random suffix so a restarted replica never mistakes old leases for its own.
 */
@ApplicationScoped
public class ReplicaIdentity {

    private final String id;

    public ReplicaIdentity(ControllerConfig config) {
        this.id = config.pipeline().replicaId().orElseGet(() -> hostName() + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    public String id() {
        return id;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "controller";
        }
    }
}
