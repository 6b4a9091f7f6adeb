package io.fleetlink.agent.ops;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.AgentException;
import io.fleetlink.agent.os.DockerEngine;
import io.fleetlink.agent.os.Mounts;
import io.fleetlink.agent.os.SecureTree;
import io.fleetlink.agent.os.UserAccount;
import io.fleetlink.agent.os.Users;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.protocol.CleanupMachineRequest;
import io.fleetlink.protocol.CleanupMachineResponse;
import io.fleetlink.protocol.CleanupMachineResponse.Step;
import io.fleetlink.protocol.CleanupStepType;
import io.quarkus.logging.Log;

/**
 * CleanupMachine: runs the requested steps (process, docker, gpu, data, ssh, datasets) in that order
 * for one tenant user, each to completion even when an earlier one failed, and reports every step.
 * No types means every step, gpu only on a machine with GPUs.
 * Blocking.
 */
@ApplicationScoped
public class MachineCleaner {

    private static final String USER_PLACEHOLDER = "{user}";

    private final AgentConfig config;
    private final Users users;
    private final ProcessStopper processes;
    private final SshKeyInstaller sshKeys;
    private final DatasetMounter datasets;
    private final Mounts mounts;
    private final DockerEngine docker;
    private final GpuScrubber gpus;

    public MachineCleaner(AgentConfig config, Users users, ProcessStopper processes, SshKeyInstaller sshKeys,
            DatasetMounter datasets, Mounts mounts, DockerEngine docker, GpuScrubber gpus) {
        this.config = config;
        this.users = users;
        this.processes = processes;
        this.sshKeys = sshKeys;
        this.datasets = datasets;
        this.mounts = mounts;
        this.docker = docker;
        this.gpus = gpus;
    }

    /**
     * Asked before each step whether the cleanup may go on; a reason to stop (the host moved to a newer
     * fencing epoch) fails that step and every later one with the reason, and nothing more is done.
     */
    @FunctionalInterface
    public interface StepGate {
        /** Empty to go on; otherwise why the remaining steps must not run. */
        Optional<String> stopReason();

        StepGate OPEN = Optional::empty;
    }

    public CleanupMachineResponse clean(CleanupMachineRequest request) {
        return clean(request, StepGate.OPEN);
    }

    /** The cleanup, asking {@code gate} before each step. Each step reports how long it took. */
    public CleanupMachineResponse clean(CleanupMachineRequest request, StepGate gate) {
        Set<CleanupStepType> types = types(request.types());
        boolean dryRun = Boolean.TRUE.equals(request.dryRun());
        UserAccount user = users.requireTenant(request.user());
        List<Step> steps = new ArrayList<>();
        String stopped = null;
        // An EnumSet iterates in declaration order, which is the order the steps run in.
        for (CleanupStepType type : types) {
            if (stopped == null) {
                stopped = gate.stopReason().orElse(null);
            }
            if (stopped != null) {
                steps.add(new Step(type.wireName(), false, stopped, List.of()));
                continue;
            }
            long started = System.nanoTime();
            Step step = run(type, user, dryRun);
            steps.add(step.withDurationMs((System.nanoTime() - started) / 1_000_000));
        }
        return CleanupMachineResponse.of(steps);
    }

    /** The requested types, checked; none means all, the gpu step only where there are GPUs. */
    private Set<CleanupStepType> types(List<String> requested) {
        if (requested == null || requested.isEmpty()) {
            Set<CleanupStepType> all = EnumSet.allOf(CleanupStepType.class);
            if (!gpus.hasGpus()) {
                all.remove(CleanupStepType.GPU);
            }
            return all;
        }
        Set<CleanupStepType> types = EnumSet.noneOf(CleanupStepType.class);
        for (int i = 0; i < requested.size(); i++) {
            int index = i;
            types.add(CleanupStepType.fromWireName(requested.get(i))
                    .orElseThrow(() -> AgentException.badRequest("types[" + index + "]",
                            "must be one of " + String.join(", ", CleanupStepType.wireNames()))));
        }
        return types;
    }

    private Step run(CleanupStepType type, UserAccount user, boolean dryRun) {
        try {
            return switch (type) {
                case PROCESS -> processStep(user, dryRun);
                case GPU -> gpus.cleanupStep(user, dryRun);
                case DATA -> dataStep(user, dryRun);
                case SSH -> sshKeys.revokeAll(user, dryRun);
                case DOCKER -> dockerStep(user, dryRun);
                case DATASETS -> datasets.unmountAll(dryRun);
            };
        } catch (AgentException e) {
            return new Step(type.wireName(), false, e.getMessage(), List.of());
        } catch (RuntimeException e) {
            // One broken step must not stop the others; the failure is reported in its step.
            Log.warnf(e, "cleanup step %s for %s failed", type.wireName(), user.name());
            return new Step(type.wireName(), false, e.getClass().getSimpleName() + ": " + e.getMessage(), List.of());
        }
    }

    private Step processStep(UserAccount user, boolean dryRun) {
        return processes.cleanupStep(user, config.cleanup().processGrace(), dryRun);
    }

    private Step dataStep(UserAccount user, boolean dryRun) {
        List<String> templates = config.cleanup().dataRoots().orElse(List.of());
        if (templates.isEmpty()) {
            return new Step(CleanupStepType.DATA.wireName(), true, "no data roots configured (fleetlink.agent.cleanup.data-roots)", List.of());
        }
        Set<Path> mountPoints = mounts.list().stream()
                .map(Mounts.Mount::mountPoint)
                .collect(Collectors.toSet());
        List<String> listed = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        long removed = 0;
        long bytes = 0;
        for (String template : templates) {
            try {
                Optional<SecureTree.Outcome> outcome = cleanRoot(template, user, mountPoints, dryRun);
                if (outcome.isEmpty()) {
                    notes.add(expand(template, user) + " does not exist");
                    continue;
                }
                SecureTree.Outcome result = outcome.get();
                removed += result.removed();
                bytes += result.bytes();
                listed.addAll(result.listed().subList(0, Math.min(result.listed().size(), SecureTree.MAX_LISTED - listed.size())));
                result.keptMounts().forEach(point -> notes.add("kept mount point " + point + " (not crossed)"));
                failures.addAll(result.errors());
            } catch (IOException e) {
                failures.add(e.getMessage());
            }
        }
        String summary = (dryRun ? "would remove " : "removed ") + removed + " entries (" + bytes + " bytes) under "
                + templates.size() + " roots"
                + (listed.size() < removed ? " (first " + listed.size() + " listed)" : "")
                + (notes.isEmpty() ? "" : "; " + String.join("; ", notes));
        if (!failures.isEmpty()) {
            return new Step(CleanupStepType.DATA.wireName(), false, summary + "; failed: " + String.join("; ", failures), listed,
                    removed, bytes, 0, 0);
        }
        return new Step(CleanupStepType.DATA.wireName(), true, summary, listed, removed, bytes, 0, 0);
    }

    private Optional<SecureTree.Outcome> cleanRoot(String template, UserAccount user, Set<Path> mountPoints, boolean dryRun)
            throws IOException {
        String expanded = expand(template, user);
        Path root = Path.of(expanded);
        if (!root.isAbsolute() || !root.normalize().equals(root) || root.getNameCount() == 0) {
            throw new SecureTree.RefusedRoot(expanded + " is not a normalized absolute path below / "
                    + "(fleetlink.agent.cleanup.data-roots); not cleaned");
        }
        // Components before the first {user} are the operator's; from there on a tenant may control them.
        List<String> names = new ArrayList<>();
        root.forEach(name -> names.add(name.toString()));
        int firstUserControlled = names.size();
        Path templatePath = Path.of(template);
        for (int i = 0; i < templatePath.getNameCount(); i++) {
            if (templatePath.getName(i).toString().contains(USER_PLACEHOLDER)) {
                firstUserControlled = i;
                break;
            }
        }
        Path trusted = root.getRoot().resolve(String.join("/", names.subList(0, firstUserControlled)));
        Optional<SecureTree.Root> opened = SecureTree.open(trusted, names.subList(firstUserControlled, names.size()));
        if (opened.isEmpty()) {
            return Optional.empty();
        }
        try (SecureTree.Root open = opened.get()) {
            return Optional.of(SecureTree.empty(open, mountPoints, dryRun));
        }
    }

    private static String expand(String template, UserAccount user) {
        return template.replace(USER_PLACEHOLDER, user.name());
    }

    private Step dockerStep(UserAccount user, boolean dryRun) {
        if (!docker.installed()) {
            // No socket at all means no Docker on this machine: nothing can be left behind. A socket
            // that exists but does not answer is different (the engine may be down with containers
            // kept alive) and fails the step.
            return new Step(CleanupStepType.DOCKER.wireName(), true, "no Docker Engine on this machine (fleetlink.agent.cleanup.docker-socket="
                    + config.cleanup().dockerSocket() + " does not exist); nothing to remove", List.of());
        }
        return removeContainers(docker, config.cleanup().dockerScope(), config.cleanup().dockerExemptLabel(), user, dryRun);
    }

    /** The docker step on an installed engine; static so that a test can run it against a fake engine. */
    static Step removeContainers(DockerEngine engine, AgentConfig.DockerScope scope, String exempt, UserAccount user,
            boolean dryRun) {
        List<DockerEngine.Container> doomed;
        try {
            doomed = switch (scope) {
                case USER -> engine.list("fleetlink.user=" + user.name());
                case ALL -> engine.list(null).stream()
                        .filter(container -> !"true".equals(container.labels().get(exempt)))
                        .toList();
            };
        } catch (DockerEngine.EngineException e) {
            return new Step(CleanupStepType.DOCKER.wireName(), false, e.getMessage(), List.of());
        }
        String what = scope == AgentConfig.DockerScope.USER ? "containers labelled fleetlink.user=" + user.name()
                : "non-exempt containers";
        if (dryRun) {
            List<String> ids = doomed.stream()
                    .map(DockerEngine.Container::shortId)
                    .toList();
            return new Step(CleanupStepType.DOCKER.wireName(), true, "would remove " + doomed.size() + " " + what, ids);
        }
        List<String> removed = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (DockerEngine.Container container : doomed) {
            try {
                engine.remove(container.id());
                removed.add(container.shortId());
            } catch (DockerEngine.EngineException e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            return new Step(CleanupStepType.DOCKER.wireName(), false, "removed " + removed.size() + " of " + doomed.size() + " " + what + "; failed: "
                    + String.join("; ", failures), removed);
        }
        return new Step(CleanupStepType.DOCKER.wireName(), true, "removed " + removed.size() + " " + what, removed);
    }
}
