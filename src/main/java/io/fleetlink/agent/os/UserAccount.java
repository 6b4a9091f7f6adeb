package io.fleetlink.agent.os;

import java.nio.file.Path;

/** A local account as the name service reports it. */
public record UserAccount(String name, int uid, int gid, Path home, String shell) {
}
