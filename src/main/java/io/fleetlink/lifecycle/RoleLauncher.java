package io.fleetlink.lifecycle;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import io.fleetlink.config.FleetlinkConfig;
import io.fleetlink.config.Role;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Starts, at start-up, the {@link RoleLifecycle} of every role {@code fleetlink.role} includes (the
 * agent before the controller, so in role {@code all} the local agent's token is settled first), and
 * stops them at shutdown in reverse order.
 */
@ApplicationScoped
public class RoleLauncher {

    private final FleetlinkConfig fleetlink;
    private final Instance<RoleLifecycle> lifecycles;
    private final List<RoleLifecycle> started = new CopyOnWriteArrayList<>();

    public RoleLauncher(FleetlinkConfig fleetlink, Instance<RoleLifecycle> lifecycles) {
        this.fleetlink = fleetlink;
        this.lifecycles = lifecycles;
    }

    void onStart(@Observes StartupEvent event) {
        lifecycles.stream()
                .filter(lifecycle -> runs(fleetlink.role(), lifecycle.role()))
                .sorted((a, b) -> a.role().compareTo(b.role()))
                .forEach(lifecycle -> {
                    lifecycle.start();
                    started.add(0, lifecycle);
                });
    }

    void onStop(@Observes ShutdownEvent event) {
        started.forEach(RoleLifecycle::stop);
        started.clear();
    }

    /** Whether a process in role {@code process} runs the part {@code part}. */
    static boolean runs(Role process, Role part) {
        return switch (part) {
            case AGENT -> process.runsAgent();
            case CONTROLLER -> process.runsController();
            case ALL -> false;
        };
    }
}
