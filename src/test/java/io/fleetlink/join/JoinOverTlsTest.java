package io.fleetlink.join;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.fleetlink.agent.join.AgentJoiner;
import io.fleetlink.security.HostTokens;
import io.fleetlink.security.LocalAgentToken;
import io.fleetlink.support.AgentTlsProfile;
import io.fleetlink.support.ControllerApiClient;
import io.fleetlink.support.SecuredFleetProfile;
import io.fleetlink.support.TestFiles;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/**
 * Joining over HTTPS: the process serves only TLS (its certificate from the test CA, for localhost),
 * and the agent joins at {@code https://localhost:<port>} trusting the CA in {@code join.ca-file}; the
 * controller then calls it over TLS with its derived token.
 */
@QuarkusTest
@TestProfile(JoinOverTlsTest.Profile.class)
class JoinOverTlsTest {

    static final String HOST = "gpu-join-tls";
    static final String SECRET = "join-tls-fleet-secret-0123456789abcdef";

    public static class Profile implements QuarkusTestProfile {

        static final Path DIR = Path.of((String) System.getProperties().computeIfAbsent("test.join-tls-dir", key -> {
            try {
                Path dir = Files.createTempDirectory("fleetlink-join-tls");
                TestFiles.deleteAtExit(dir);
                SecuredFleetProfile.writeSecret(dir.resolve("secret"), SECRET);
                return dir.toString();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(new AgentTlsProfile().getConfigOverrides());
            config.put("fleetlink.agent.host-id", HOST);
            config.put("fleetlink.agent.auth.token", "");
            config.put("fleetlink.agent.state-dir", DIR.resolve("state").toString());
            config.put("fleetlink.agent.join.url", "https://localhost:${quarkus.http.test-port}");
            config.put("fleetlink.agent.join.token-file", DIR.resolve("join.token").toString());
            config.put("fleetlink.agent.join.ca-file", AgentTlsProfile.CERTIFICATES.caCertificate().toString());
            config.put("fleetlink.agent.join.retry-min", "100ms");
            config.put("fleetlink.agent.join.retry-max", "500ms");
            config.put("fleetlink.controller.agent-token-secret-file", DIR.resolve("secret").toString());
            return config;
        }
    }

    @Inject
    AgentJoiner joiner;

    @Test
    void theAgentJoinsOverHttpsTrustingTheFleetCa() throws Exception {
        RestAssured.useRelaxedHTTPSValidation();
        try {
            String joinToken = given().header("Authorization", "Bearer " + ControllerApiClient.TOKEN)
                    .contentType("application/json").body(Map.of("uses", 1))
                    .when().post("/api/v1/join-tokens").then().statusCode(201).extract().jsonPath().getString("data.token");
            SecuredFleetProfile.writeSecret(Profile.DIR.resolve("join.token"), joinToken);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> joiner.state() == AgentJoiner.State.JOINED);
            assertThat(Files.readString(Profile.DIR.resolve("state").resolve(LocalAgentToken.JOINED_CREDENTIAL)).trim())
                    .isEqualTo(HostTokens.derive(SECRET, HOST));
            given().header("Authorization", "Bearer " + ControllerApiClient.TOKEN).when().get("/api/v1/hosts/" + HOST + "/health")
                    .then().statusCode(200).body("data.reachable", org.hamcrest.Matchers.equalTo(true));
        } finally {
            RestAssured.reset();
        }
    }
}
