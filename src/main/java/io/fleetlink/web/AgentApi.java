package io.fleetlink.web;

/**
 * Marks a JAX-RS resource as part of the agent role's API: reachable only when the agent role is on,
 * and only with the agent's bearer token.
 */
public interface AgentApi {
}
