package io.fleetlink.support;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Role {@code all} with the agent serving TLS only and the controller trusting the test CA. */
public class AgentTlsProfile implements QuarkusTestProfile {

    public static final TestCertificates CERTIFICATES = TestCertificates.create();

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "fleetlink.agent.tls.cert-file", CERTIFICATES.agentCertificate().toString(),
                "fleetlink.agent.tls.key-file", CERTIFICATES.agentKey().toString(),
                "agent.tls-enabled", "true",
                "agent.tls-cert-file", CERTIFICATES.caCertificate().toString());
    }
}
