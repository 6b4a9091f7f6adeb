package io.fleetlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fleetlink.support.ControllerApiClient;
import io.fleetlink.support.JoiningAgentProfile;
import io.fleetlink.support.SecuredFleetProfile;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * {@code fleetlink join-token create | ls | revoke} against the real controller (the profile of
 * {@code JoinTest}, so no restart of its own): the token alone on stdout, ready for a token file; the
 * list never shows it; a revoked token is listed REVOKED; a caller without an admin credential gets exit status 5.
 */
@QuarkusTest
@TestProfile(JoiningAgentProfile.class)
class JoinTokenCliTest {

    record Run(int exit, String out, String err) {
    }

    static Run cli(String token, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new FleetlinkCli(Map.of("FLEETLINK_URL", "http://localhost:" + TestPorts.httpPort(), "FLEETLINK_TOKEN", token),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anAdminCreatesListsAndRevokesJoinTokens() {
        Run created = cli(ControllerApiClient.TOKEN, "join-token", "create", "--uses", "3", "--ttl", "2h",
                "--description", "rack 7");
        assertThat(created.exit()).as(created.err()).isEqualTo(ExitCodes.OK);
        String token = created.out().trim();
        assertThat(token).matches("[0-9a-f]{12}\\.[A-Za-z0-9_-]{43}");
        String id = token.substring(0, 12);
        assertThat(created.err()).contains("join token " + id, "3 uses", "shown only now");

        Run listed = cli(ControllerApiClient.TOKEN, "join-token", "ls");
        assertThat(listed.exit()).isEqualTo(ExitCodes.OK);
        assertThat(listed.out()).contains("TOKEN ID", id, "ACTIVE", "0/3", "rack 7").doesNotContain(token.substring(13));

        Run revoked = cli(ControllerApiClient.TOKEN, "join-token", "revoke", id);
        assertThat(revoked.exit()).as(revoked.err()).isEqualTo(ExitCodes.OK);
        assertThat(cli(ControllerApiClient.TOKEN, "join-token", "ls").out()).contains(id, "REVOKED");

        Run bad = cli(ControllerApiClient.TOKEN, "join-token", "create", "--ttl", "forever");
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("ttl");
        Run noRole = cli(SecuredFleetProfile.VIEWER_TOKEN, "join-token", "ls");
        assertThat(noRole.exit()).isEqualTo(ExitCodes.UNAUTHORIZED);
        Run unknown = cli(ControllerApiClient.TOKEN, "join-token", "frobnicate");
        assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
    }
}
