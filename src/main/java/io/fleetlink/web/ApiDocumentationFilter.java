package io.fleetlink.web;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

/**
 * Completes the generated OpenAPI document (served at {@code /q/openapi} on the management port,
 * Swagger UI at {@code /q/swagger-ui}) with what annotations on every resource would repeat: the
 * description, the bearer security scheme, the error envelope and the error codes each kind of path
 * answers, a tag per role, and examples of the requests an operator sends most. Registered with
 * {@code mp.openapi.filter}.
 */
public class ApiDocumentationFilter implements OASFilter {

    /** The name of the bearer security scheme in the document. */
    public static final String BEARER = "bearer";
    static final String ERROR = "ErrorEnvelope";
    static final String DESCRIPTION = "The controller API (hosts, allocations, tasks, operations) and the agent API "
            + "(ping, system info, GPU health, process stop, SSH reset, cleanup, datasets, exec). Every reply is the "
            + "envelope {success, code, message, data} with snake_case fields; code equals the HTTP status. Every path "
            + "needs `Authorization: Bearer <token>`: the controller's token (fleetlink.controller.auth.token) for "
            + "/api/v1/hosts, allocations, tasks and operations; the agent's (fleetlink.agent.auth.token) for the "
            + "agent's paths. Mutations accept an X-Request-Id that makes a retry run once.";
    private static final List<String> CONTROLLER_PREFIXES = List.of("/api/v1/hosts", "/api/v1/allocations",
            "/api/v1/tasks", "/api/v1/operations");
    /** Controller paths that call an agent while the caller waits. */
    private static final List<String> PASS_THROUGH = List.of("/health", "/system-info", "/gpu-health", "/exec",
            "/datasets", "/stop");

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.setInfo(OASFactory.createInfo().title("Fleetlink API").version("v1").description(DESCRIPTION));
        openAPI.getComponents().addSecurityScheme(BEARER, OASFactory.createSecurityScheme()
                .type(SecurityScheme.Type.HTTP)
                .scheme("bearer")
                .description("The controller's or the agent's token, as configured; compared in constant time, never logged"));
        openAPI.setSecurity(List.of(OASFactory.createSecurityRequirement().addScheme(BEARER)));
        openAPI.getComponents().addSchema(ERROR, OASFactory.createSchema()
                .type(List.of(Schema.SchemaType.OBJECT))
                .description("Every refusal: success false, code = the HTTP status, a message that names the field "
                        + "and the rule, or the state and what to do")
                .addProperty("success", OASFactory.createSchema().type(List.of(Schema.SchemaType.BOOLEAN)))
                .addProperty("code", OASFactory.createSchema().type(List.of(Schema.SchemaType.INTEGER)))
                .addProperty("message", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)))
                .required(List.of("success", "code", "message"))
                .example(Map.of("success", false, "code", 409, "message",
                        "host 'gpu-01' is drained (DIMM replacement); it takes no new allocation until "
                                + "POST /api/v1/hosts/gpu-01/undrain")));
        examples(openAPI);
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().forEach((path, item) -> item.getOperations()
                .forEach((method, operation) -> document(path, method, operation)));
    }

    private static void document(String path, PathItem.HttpMethod method, Operation operation) {
        boolean controller = CONTROLLER_PREFIXES.stream().anyMatch(path::startsWith);
        operation.setTags(List.of(controller ? "controller" : "agent"));
        boolean named = path.contains("{");
        boolean mutation = method != PathItem.HttpMethod.GET;
        error(operation, "400", "bad input: the message names the field and the rule; nothing was changed");
        error(operation, "401", "no or wrong bearer token (WWW-Authenticate: Bearer)");
        if (controller) {
            if (named) {
                error(operation, "404", "the host, allocation, task or operation is not registered");
            }
            if (mutation) {
                error(operation, "409", "the request clashes with the current state (the message says which and what to do)");
            }
            if (PASS_THROUGH.stream().anyMatch(path::endsWith) || path.contains("/datasets")) {
                error(operation, "502", "the agent refused, failed or could not be reached (the message names the host "
                        + "and the operation)");
                error(operation, "504", "the agent did not answer within its deadline");
            }
        } else {
            error(operation, "403", "the operation is disabled on this agent (fleetlink.agent.operations.*, "
                    + "fleetlink.agent.exec.*) or the target is outside what it may touch");
            if (mutation) {
                error(operation, "409", "another operation holds the same target, or it changed while being opened");
            }
            error(operation, "500", "the operation failed on the machine; data says which step");
            error(operation, "504", "the operation ran past its deadline");
        }
    }

    private static void error(Operation operation, String status, String description) {
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        if (operation.getResponses().hasAPIResponse(status)) {
            return;
        }
        APIResponse response = OASFactory.createAPIResponse()
                .description(description)
                .content(json(OASFactory.createSchema().ref(ERROR)));
        operation.getResponses().addAPIResponse(status, response);
    }

    private static Content json(Schema schema) {
        MediaType media = OASFactory.createMediaType().schema(schema);
        return OASFactory.createContent().addMediaType("application/json", media);
    }

    private static void examples(OpenAPI openAPI) {
        Map<String, Schema> schemas = openAPI.getComponents().getSchemas();
        if (schemas == null) {
            return;
        }
        example(schemas, "RegisterHostRequest", Map.of("host_id", "gpu-01", "address", "10.0.4.21", "http_port", 8081,
                "grpc_port", 50051, "labels", Map.of("gpu", "h100", "pool", "training")));
        example(schemas, "AllocateRequest", Map.of("host_id", "gpu-01", "user", "alice", "ssh_public_keys",
                List.of("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop")));
        example(schemas, "DrainHostRequest", Map.of("reason", "DIMM replacement, ticket OPS-42"));
        example(schemas, "CleanupHostRequest", Map.of("user", "alice", "types", List.of("process", "data", "ssh")));
        example(schemas, "ExecuteCommandRequest", Map.of("command", List.of("nvidia-smi", "-L"), "timeout_seconds", 10));
        example(schemas, "RegisterTaskRequest", Map.of("task_id", "task-42", "host_id", "gpu-01"));
    }

    private static void example(Map<String, Schema> schemas, String name, Object example) {
        Schema schema = schemas.get(name);
        if (schema != null && schema.getExample() == null) {
            schema.setExample(example);
        }
    }
}
