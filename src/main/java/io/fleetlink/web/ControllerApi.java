package io.fleetlink.web;

/**
 * Marks a JAX-RS resource as part of the controller role's API: reachable only when the controller
 * role is on, and only with the controller's bearer token.
 */
public interface ControllerApi {
}
