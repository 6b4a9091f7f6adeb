package io.fleetlink.controller.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import jakarta.ws.rs.HttpMethod;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fleetlink.config.ApiRole;
import io.fleetlink.support.AuditCapture;
import io.fleetlink.support.SecuredFleetProfile;
import io.fleetlink.web.ControllerApi;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Every controller endpoint, found by reflection over the resource classes (so endpoints added later
 * are covered too), called with every role: the role table of issue 12 says whether it passes the gate
 * or is a 403 that names the role needed. The expected answer is computed here from the words,
 * not from {@link ApiPermissions}, so a wrong row there fails this test.
 */
@QuarkusTest
@TestProfile(SecuredFleetProfile.class)
class ApiRolesTest {

    private static final Map<ApiRole, String> TOKENS = Map.of(
            ApiRole.ADMIN, SecuredFleetProfile.ADMIN_TOKEN,
            ApiRole.PLATFORM, SecuredFleetProfile.PLATFORM_TOKEN,
            ApiRole.OPERATOR, SecuredFleetProfile.OPERATOR_TOKEN,
            ApiRole.VIEWER, SecuredFleetProfile.VIEWER_TOKEN);

    /** One endpoint: its method and path template. */
    record Endpoint(String method, String template) {
        @Override
        public String toString() {
            return method + " " + template;
        }

        /** The template with each {param} filled in by a well-formed id that names nothing. */
        String path() {
            return template.replaceAll("\\{[^}]+\\}", "gpu-none");
        }
    }

    /**
     * The table: admin everything; platform hosts read, allocations, tasks, operations read;
     * operator everything read, manual cleanup, exec (one host or a fleet), drain; viewer read only. Tokens are admin's.
     */
    static boolean allowed(ApiRole role, Endpoint endpoint) {
        String path = endpoint.template();
        boolean get = endpoint.method().equals(HttpMethod.GET);
        boolean read = get && !path.startsWith("/api/v1/agent-tokens") && !path.startsWith("/api/v1/join-tokens");
        return switch (role) {
            case ADMIN -> true;
            case VIEWER -> read;
            case OPERATOR -> read || (!get && (path.matches("/api/v1/hosts/\\{[^}]+\\}/(cleanup|exec|drain|undrain)")
                    || path.equals("/api/v1/exec")));
            case PLATFORM -> (read && path.matches("/api/v1/(hosts|allocations|tasks|operations)(/.*)?"))
                    || (!get && path.matches("/api/v1/(allocations|tasks)(/.*)?"));
        };
    }

    static List<Endpoint> endpoints() {
        Path classes = Path.of("target/classes");
        List<Endpoint> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes.resolve("io/fleetlink/controller"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class") && !f.toString().contains("$")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, ApiRolesTest.class.getClassLoader());
                jakarta.ws.rs.Path root = type.getAnnotation(jakarta.ws.rs.Path.class);
                if (root == null || !ControllerApi.class.isAssignableFrom(type)) {
                    continue;
                }
                for (Method method : type.getDeclaredMethods()) {
                    String verb = verb(method);
                    if (verb != null) {
                        jakarta.ws.rs.Path sub = method.getAnnotation(jakarta.ws.rs.Path.class);
                        found.add(new Endpoint(verb, join(root.value(), sub == null ? "" : sub.value())));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        found.sort(Comparator.comparing(Endpoint::toString));
        return found;
    }

    static Stream<Arguments> everyEndpointWithEveryRole() {
        List<Endpoint> endpoints = endpoints();
        assertThat(endpoints).as("the resources were found").hasSizeGreaterThan(20);
        return endpoints.stream().flatMap(endpoint -> Stream.of(ApiRole.values()).map(role -> Arguments.of(endpoint, role)));
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("everyEndpointWithEveryRole")
    void everyEndpointAnswersEveryRoleAsTheTableSays(Endpoint endpoint, ApiRole role) {
        Response response = call(endpoint, TOKENS.get(role));
        int status = response.statusCode();
        if (allowed(role, endpoint)) {
            assertThat(status).as("%s as %s passes the gate: %s", endpoint, role, response.asString())
                    .isNotIn(401, 403).isLessThan(500);
            if (endpoint.method().equals(HttpMethod.GET) && !endpoint.template().contains("{")) {
                assertThat(status).as("%s as %s", endpoint, role).isEqualTo(200);
            }
        } else {
            assertThat(status).as("%s as %s is refused: %s", endpoint, role, response.asString()).isEqualTo(403);
            String message = response.jsonPath().getString("message");
            assertThat(message).contains("needs role", ApiRole.ADMIN.configName(), "has role " + role.configName());
        }
    }

    /**
     * The join endpoint is no role's: only a join token opens it (controller/join), so every role's
     * credential, admin's included, is a 401 there, and nothing is registered.
     */
    @ParameterizedTest(name = "POST /api/v1/join as {0}")
    @org.junit.jupiter.params.provider.EnumSource(ApiRole.class)
    void noRoleCredentialOpensTheJoinEndpoint(ApiRole role) {
        given().header("Authorization", "Bearer " + TOKENS.get(role)).contentType("application/json")
                .body(Map.of("host_id", "gpu-role-join", "address", "127.0.0.1"))
                .when().post("/api/v1/join")
                .then().statusCode(401).body("message", org.hamcrest.Matchers.containsString("join token"));
        given().header("Authorization", "Bearer " + ADMIN_TOKEN_FOR_CHECKS).when().get("/api/v1/hosts/gpu-role-join")
                .then().statusCode(404);
    }

    private static final String ADMIN_TOKEN_FOR_CHECKS = SecuredFleetProfile.ADMIN_TOKEN;

    @Test
    void everyEndpointHasARowAndUnknownRoutesAreAdminOnly() {
        for (Endpoint endpoint : endpoints()) {
            assertThat(ApiPermissions.rule(endpoint.method(), endpoint.path())).as("a row for %s", endpoint).isPresent();
        }
        assertThat(ApiPermissions.allowed("POST", "/api/v1/something-new")).containsExactly(ApiRole.ADMIN);
        assertThat(ApiPermissions.allowed("GET", "/api/v1/something-new")).containsExactly(ApiRole.ADMIN);
        given().header("Authorization", "Bearer " + SecuredFleetProfile.VIEWER_TOKEN)
                .contentType("application/json").body("{}")
                .when().post("/api/v1/hosts/gpu-none/exec")
                .then().statusCode(403)
                .body("message", org.hamcrest.Matchers.equalTo("forbidden: POST /api/v1/hosts/{host_id}/exec needs role "
                        + "operator or admin; credential 'dashboard' has role viewer"));
    }

    @Test
    void aCallWithoutAKnownCredentialIs401() {
        given().when().get("/api/v1/hosts").then().statusCode(401);
        given().header("Authorization", "Bearer not-a-credential").when().get("/api/v1/hosts").then().statusCode(401);
        // The viewer's credential is configured by its SHA-256: the digest itself is no credential.
        given().header("Authorization", "Bearer " + SecuredFleetProfile.sha256Hex(SecuredFleetProfile.VIEWER_TOKEN))
                .when().get("/api/v1/hosts").then().statusCode(401);
    }

    @Test
    void theAuditLogNamesTheCredentialOfEveryMutatingCall() {
        List<String> lines;
        try (AuditCapture audit = AuditCapture.install()) {
            given().header("Authorization", "Bearer " + SecuredFleetProfile.OPERATOR_TOKEN).header("X-Request-Id", "audit-1")
                    .contentType("application/json").body("{}")
                    .when().post("/api/v1/hosts/gpu-none/cleanup");
            given().header("Authorization", "Bearer " + SecuredFleetProfile.VIEWER_TOKEN)
                    .contentType("application/json").body("{}")
                    .when().post("/api/v1/hosts/gpu-none/cleanup").then().statusCode(403);
            given().header("Authorization", "Bearer " + SecuredFleetProfile.VIEWER_TOKEN).when().get("/api/v1/hosts")
                    .then().statusCode(200);
            lines = audit.text();
        }
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("credential=oncall", "role=operator",
                "method=POST", "path=/api/v1/hosts/gpu-none/cleanup", "request_id=audit-1"));
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("credential=dashboard", "role=viewer",
                "method=POST", "status=403"));
        assertThat(lines).noneSatisfy(line -> assertThat(line).contains("method=GET"));
        assertThat(String.join("\n", lines)).doesNotContain(SecuredFleetProfile.OPERATOR_TOKEN, SecuredFleetProfile.VIEWER_TOKEN);
    }

    @Test
    void rotatingAnApiTokenFileNeedsNoRestart() {
        String rotated = "operator-token-rotated-0123456789";
        try {
            SecuredFleetProfile.writeSecret(SecuredFleetProfile.OPERATOR_TOKEN_FILE, rotated);
            Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given()
                    .header("Authorization", "Bearer " + rotated).when().get("/api/v1/hosts").then().statusCode(200));
            given().header("Authorization", "Bearer " + SecuredFleetProfile.OPERATOR_TOKEN).when().get("/api/v1/hosts")
                    .then().statusCode(401);
        } finally {
            SecuredFleetProfile.writeSecret(SecuredFleetProfile.OPERATOR_TOKEN_FILE, SecuredFleetProfile.OPERATOR_TOKEN);
            Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given()
                    .header("Authorization", "Bearer " + SecuredFleetProfile.OPERATOR_TOKEN).when().get("/api/v1/hosts")
                    .then().statusCode(200));
        }
    }

    private static Response call(Endpoint endpoint, String token) {
        RequestSpecification request = given().header("Authorization", "Bearer " + token);
        if (!endpoint.method().equals(HttpMethod.GET) && !endpoint.method().equals(HttpMethod.DELETE)) {
            // A field no request has: every body that is read is a 400, so an allowed call changes nothing.
            request = request.contentType("application/json").body("{\"fleetlink_role_probe\": true}");
        }
        return request.when().request(endpoint.method(), endpoint.path()).andReturn();
    }

    private static String verb(Method method) {
        for (var annotation : method.getAnnotations()) {
            HttpMethod verb = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (verb != null) {
                return verb.value().toUpperCase(Locale.ROOT);
            }
        }
        return null;
    }

    private static String join(String root, String sub) {
        String path = root.startsWith("/") ? root : "/" + root;
        if (!sub.isEmpty()) {
            path = path.replaceAll("/$", "") + (sub.startsWith("/") ? sub : "/" + sub);
        }
        return path;
    }
}
