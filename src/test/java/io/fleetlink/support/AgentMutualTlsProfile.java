package io.fleetlink.support;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Role {@code all} with mutual TLS: the agent serves {@link FleetCertificates}' agent certificate on
 * both ports, requires a client certificate from the fleet CA naming {@code fleetlink-controller}, and
 * reloads its certificate every second; the controller presents its client certificate.
 */
public class AgentMutualTlsProfile implements QuarkusTestProfile {

    public static final FleetCertificates PKI = shared();

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.ofEntries(
                Map.entry("fleetlink.agent.tls.cert-file", PKI.servedCertificate().toString()),
                Map.entry("fleetlink.agent.tls.key-file", PKI.servedKey().toString()),
                Map.entry("fleetlink.agent.tls.client-ca-file", PKI.ca().toString()),
                Map.entry("fleetlink.agent.tls.reload-period", "1s"),
                Map.entry("fleetlink.agent.auth.controller-names", FleetCertificates.CONTROLLER_NAME),
                // Calls through the controller's certificate reach no gpu-health (and no exec), whatever the token allows.
                Map.entry("fleetlink.agent.auth.certificate-operations." + FleetCertificates.CONTROLLER_NAME, "cleanup,ssh-reset,stop,mount"),
                Map.entry("agent.tls-enabled", "true"),
                Map.entry("agent.tls-cert-file", PKI.ca().toString()),
                Map.entry("agent.tls-client-cert-file", PKI.certificate("controller").toString()),
                Map.entry("agent.tls-client-key-file", PKI.key("controller").toString()));
    }

    /** One PKI per JVM, even when the profile class is loaded by two class loaders. */
    private static FleetCertificates shared() {
        synchronized (System.getProperties()) {
            Object existing = System.getProperties().get("test.fleet-pki");
            if (existing == null) {
                FleetCertificates created = FleetCertificates.create();
                System.getProperties().put("test.fleet-pki", created.ca().getParent().toString());
                return created;
            }
            return FleetCertificates.at(java.nio.file.Path.of((String) existing));
        }
    }
}
