package io.fleetlink.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fleetlink.support.ControllerTestResources;
import io.fleetlink.support.ManagementPort;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The OpenAPI document on the management port lists every JAX-RS endpoint of both roles (found by
 * reading the compiled resource classes, not from a list kept by hand), with snake_case schemas, the
 * bearer scheme and the error envelope; Swagger UI is served beside it and nothing under /q on the API port.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@QuarkusTestResource(ControllerTestResources.class)
class OpenApiDocumentTest {

    static JsonNode document;

    @BeforeAll
    static void fetch() throws Exception {
        String body = given().when().get(ManagementPort.url("/q/openapi?format=json"))
                .then().statusCode(200)
                .extract().asString();
        document = new ObjectMapper().readTree(body);
    }

    @Test
    void everyJaxRsEndpointIsDocumented() throws Exception {
        TreeSet<String> endpoints = jaxRsEndpoints();
        assertThat(endpoints).as("endpoints found in the classes").hasSizeGreaterThan(20)
                .contains("POST /api/v1/hosts/{host_id}/drain", "GET /api/v1/ping");
        TreeSet<String> documented = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields(); paths.hasNext();) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(method -> documented.add(method.toUpperCase() + " " + path.getKey()));
        }
        assertThat(documented).containsAll(endpoints);
    }

    @Test
    void everyOperationNamesItsErrorsAndTheBearerScheme() {
        assertThat(document.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
        assertThat(document.at("/security/0").has("bearer")).isTrue();
        assertThat(document.at("/components/schemas/ErrorEnvelope/properties").has("message")).isTrue();
        List<String> missing = new ArrayList<>();
        document.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            JsonNode responses = op.getValue().path("responses");
            for (String code : List.of("400", "401")) {
                if (!responses.has(code)) {
                    missing.add(op.getKey() + " " + path.getKey() + " " + code);
                }
            }
            if (!op.getValue().path("tags").toString().matches(".*\"(controller|agent)\".*")) {
                missing.add(op.getKey() + " " + path.getKey() + " tag");
            }
        }));
        assertThat(missing).isEmpty();
        JsonNode drain = document.at("/paths/~1api~1v1~1hosts~1{host_id}~1drain/post/responses");
        assertThat(drain.has("404")).isTrue();
        assertThat(drain.has("409")).isTrue();
    }

    @Test
    void schemasAreSnakeCaseAsOnTheWire() {
        JsonNode host = document.at("/components/schemas/Host/properties");
        assertThat(host.has("host_id")).as(host.toString()).isTrue();
        assertThat(host.has("drain_reason")).isTrue();
        List<String> camel = new ArrayList<>();
        document.path("components").path("schemas").fields().forEachRemaining(schema -> schema.getValue()
                .path("properties").fieldNames().forEachRemaining(name -> {
                    if (!name.matches("[a-z0-9_]+")) {
                        camel.add(schema.getKey() + "." + name);
                    }
                }));
        assertThat(camel).isEmpty();
        assertThat(document.at("/components/schemas/AllocateRequest/example/host_id").asText()).isEqualTo("gpu-01");
    }

    @Test
    void swaggerUiIsOnTheManagementPortOnly() {
        given().when().get(ManagementPort.url("/q/swagger-ui/")).then().statusCode(200);
        given().when().get("/q/openapi").then().statusCode(404);
        given().when().get("/q/swagger-ui/").then().statusCode(404);
    }

    /** "METHOD /path" of every resource method in the compiled io.fleetlink classes. */
    static TreeSet<String> jaxRsEndpoints() throws Exception {
        Path classes = Path.of(ApiDocumentationFilter.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        TreeSet<String> endpoints = new TreeSet<>();
        try (Stream<Path> files = Files.walk(classes.resolve("io/fleetlink"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, OpenApiDocumentTest.class.getClassLoader());
                jakarta.ws.rs.Path root = type.getAnnotation(jakarta.ws.rs.Path.class);
                if (root == null || type.isInterface()) {
                    continue; // REST client interfaces carry @Path too, but are interfaces
                }
                for (Method method : type.getDeclaredMethods()) {
                    String verb = method.isAnnotationPresent(GET.class) ? "GET"
                            : method.isAnnotationPresent(POST.class) ? "POST"
                            : method.isAnnotationPresent(DELETE.class) ? "DELETE"
                            : method.isAnnotationPresent(PUT.class) ? "PUT" : null;
                    if (verb == null) {
                        continue;
                    }
                    jakarta.ws.rs.Path sub = method.getAnnotation(jakarta.ws.rs.Path.class);
                    endpoints.add(verb + " " + root.value() + (sub == null ? "" : sub.value()));
                }
            }
        }
        return endpoints;
    }
}
