package io.fleetlink.controller.operation;

import java.net.InetAddress;
import java.net.UnknownHostException;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.config.ControllerConfig;

/**
 * This controller replica's name in operation leases: configured, or the pod name ({@code HOSTNAME}
 * under Kubernetes) or host name, stable across restarts, so a replica that comes back under the same
 * name reclaims the operations it left RUNNING at once ({@link PipelineRunner#reclaimOwn}) instead of
 * waiting for their leases to lapse. Two live replicas must not share a name.
 */
@ApplicationScoped
public class ReplicaIdentity {

    private final String id;

    public ReplicaIdentity(ControllerConfig config) {
        this.id = config.pipeline().replicaId()
                .map(String::trim)
                .filter(name -> !name.isEmpty())
                .orElseGet(ReplicaIdentity::hostName);
    }

    public String id() {
        return id;
    }

    static String hostName() {
        String pod = System.getenv("HOSTNAME");
        if (pod != null && !pod.isBlank()) {
            return pod.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "controller";
        }
    }
}
