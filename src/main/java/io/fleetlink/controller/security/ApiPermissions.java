package io.fleetlink.controller.security;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import io.fleetlink.config.ApiRole;

/**
 * Which roles may call which controller endpoint: one table keyed on method and path pattern
 * ({@code {x}} matches one path segment). {@code admin} may call everything. A route missing from the
 * table is {@code admin}-only, whatever its method: deny by default, so an endpoint added without a
 * row here is safe until someone decides who else may call it.
 */
public final class ApiPermissions {

    /** Roles that may read everything. */
    private static final Set<ApiRole> READERS = EnumSet.of(ApiRole.PLATFORM, ApiRole.OPERATOR, ApiRole.VIEWER);

    /** One row: who besides admin may call {@code method pattern}. */
    public record Rule(String method, String pattern, Set<ApiRole> roles) {

        boolean matches(String requestMethod, List<String> segments) {
            if (!method.equalsIgnoreCase(requestMethod)) {
                return false;
            }
            List<String> expected = segments(pattern);
            if (expected.size() != segments.size()) {
                return false;
            }
            for (int i = 0; i < expected.size(); i++) {
                String part = expected.get(i);
                if (!(part.startsWith("{") && part.endsWith("}")) && !part.equals(segments.get(i))) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final List<Rule> RULES = List.of(
            // Hosts: the fleet's inventory. Registering and removing are admin's.
            row("POST", "/api/v1/hosts"),
            row("GET", "/api/v1/hosts", READERS),
            row("GET", "/api/v1/hosts/{host_id}", READERS),
            row("DELETE", "/api/v1/hosts/{host_id}"),
            row("GET", "/api/v1/hosts/{host_id}/health", READERS),
            row("GET", "/api/v1/hosts/{host_id}/system-info", READERS),
            row("GET", "/api/v1/hosts/{host_id}/gpu-health", READERS),
            row("POST", "/api/v1/hosts/{host_id}/exec", EnumSet.of(ApiRole.OPERATOR)),
            // Fleet exec: the same power as exec on each host it names.
            row("POST", "/api/v1/exec", EnumSet.of(ApiRole.OPERATOR)),
            row("POST", "/api/v1/hosts/{host_id}/cleanup", EnumSet.of(ApiRole.OPERATOR)),
            row("POST", "/api/v1/hosts/{host_id}/drain", EnumSet.of(ApiRole.OPERATOR)),
            row("POST", "/api/v1/hosts/{host_id}/undrain", EnumSet.of(ApiRole.OPERATOR)),
            row("DELETE", "/api/v1/hosts/{host_id}/drain", EnumSet.of(ApiRole.OPERATOR)),
            row("POST", "/api/v1/hosts/{host_id}/datasets"),
            row("DELETE", "/api/v1/hosts/{host_id}/datasets/{dataset_id}"),
            // Allocations and tasks: the platform backend's work.
            row("POST", "/api/v1/allocations", EnumSet.of(ApiRole.PLATFORM)),
            row("GET", "/api/v1/allocations", READERS),
            row("GET", "/api/v1/allocations/{allocation_id}", READERS),
            row("GET", "/api/v1/allocations/{allocation_id}/report", READERS),
            row("POST", "/api/v1/allocations/{allocation_id}/release", EnumSet.of(ApiRole.PLATFORM)),
            row("POST", "/api/v1/tasks", EnumSet.of(ApiRole.PLATFORM)),
            row("GET", "/api/v1/tasks", READERS),
            row("GET", "/api/v1/tasks/{task_id}", READERS),
            row("POST", "/api/v1/tasks/{task_id}/stop", EnumSet.of(ApiRole.PLATFORM)),
            // Operations: read by all; cancelling one is not in any role's list, so admin's.
            row("GET", "/api/v1/operations", READERS),
            row("GET", "/api/v1/operations/{operation_id}", READERS),
            row("POST", "/api/v1/operations/{operation_id}/cancel"),
            // Secrets: admin only, never readable by a viewer.
            row("GET", "/api/v1/agent-tokens/{host_id}"),
            // Join tokens: admin only; each lets machines join the fleet (POST /api/v1/join, which no
            // role credential opens: a join token is its only credential, see controller/join).
            row("POST", "/api/v1/join-tokens"),
            row("GET", "/api/v1/join-tokens"),
            row("DELETE", "/api/v1/join-tokens/{token_id}"));

    private ApiPermissions() {
    }

    /** Every row, for the README's table and the tests. */
    public static List<Rule> rules() {
        return RULES;
    }

    /** The row for a request, if the table has one. */
    public static Optional<Rule> rule(String method, String path) {
        List<String> segments = segments(path);
        return RULES.stream().filter(rule -> rule.matches(method, segments)).findFirst();
    }

    /** The roles that may call {@code method path}: admin plus the row's roles; admin alone for an unknown route. */
    public static Set<ApiRole> allowed(String method, String path) {
        Set<ApiRole> roles = EnumSet.of(ApiRole.ADMIN);
        rule(method, path).ifPresent(rule -> roles.addAll(rule.roles()));
        return Collections.unmodifiableSet(roles);
    }

    /** The row's pattern for a request, or the path itself for an unknown route (for messages). */
    public static String pattern(String method, String path) {
        return rule(method, path).map(Rule::pattern).orElse(path);
    }

    /** "operator or admin": the roles as a message names them. */
    public static String describe(Set<ApiRole> roles) {
        List<String> names = roles.stream().filter(role -> role != ApiRole.ADMIN).map(ApiRole::configName)
                .collect(Collectors.toCollection(ArrayList::new));
        names.add(ApiRole.ADMIN.configName());
        return String.join(" or ", names);
    }

    private static Rule row(String method, String pattern) {
        return new Rule(method, pattern, Collections.unmodifiableSet(EnumSet.noneOf(ApiRole.class)));
    }

    private static Rule row(String method, String pattern, Set<ApiRole> roles) {
        return new Rule(method.toUpperCase(Locale.ROOT), pattern, Collections.unmodifiableSet(EnumSet.copyOf(roles)));
    }

    private static List<String> segments(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return List.of(trimmed.split("/", -1));
    }
}
