package io.fleetlink.agent.ops;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.AgentException;
import io.fleetlink.agent.os.Mounts;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.protocol.CleanupMachineResponse;
import io.fleetlink.protocol.CleanupStepType;
import io.fleetlink.protocol.MountDatasetRequest;
import io.fleetlink.protocol.MountDatasetResponse;
import io.fleetlink.protocol.Names;
import io.fleetlink.protocol.UnmountDatasetRequest;
import io.fleetlink.protocol.UnmountDatasetResponse;
import io.quarkus.logging.Log;

/**
 * MountDataset, UnmountDataset and the cleanup's {@code datasets} step: mounts only below
 * {@code fleetlink.agent.datasets.mount-root}, only from allowed sources (checked on the resolved
 * path), always nosuid and nodev, read-only unless asked otherwise. Blocking.
 */
@ApplicationScoped
public class DatasetMounter {

    static final String BIND = "bind";
    private static final List<String> ALWAYS = List.of("nosuid", "nodev");
    /** Options a request may not set: read-only is {@code read_only}; the rest would weaken or redirect the mount. */
    private static final Set<String> FORBIDDEN_OPTIONS = Set.of("ro", "rw", "suid", "dev", "remount", "bind", "rbind",
            "move", "user", "users", "owner", "group", "defaults", "loop", "nofail", "auto");
    private static final List<String> FORBIDDEN_OPTION_PREFIXES = List.of("x-", "make-", "loop=", "offset=", "sizelimit=",
            "helper=", "context=", "fscontext=", "defcontext=", "rootcontext=");
    /** Stacked mounts unmounted at one point before giving up. */
    private static final int MAX_STACKED = 8;

    private final AgentConfig config;
    private final Mounts mounts;

    public DatasetMounter(AgentConfig config, Mounts mounts) {
        this.config = config;
        this.mounts = mounts;
    }

    public MountDatasetResponse mount(MountDatasetRequest request) {
        String id = datasetId(request.datasetId());
        String fsType = request.fsType() == null ? BIND : request.fsType();
        checkFsType(fsType);
        boolean readOnly = request.readOnly() == null || request.readOnly();
        List<String> extra = options(request.options());
        Source source = BIND.equals(fsType) ? localSource(request.source()) : remoteSource(request.source());

        Path target = mountRoot(true).resolve(id);
        Optional<Mounts.Mount> current = mounts.at(target);
        if (current.isPresent()) {
            requireSame(current.get(), source, target, readOnly);
            return new MountDatasetResponse(id, target.toString(), true);
        }
        boolean created = createMountPoint(target);
        List<String> options = new ArrayList<>();
        options.add(readOnly ? "ro" : "rw");
        options.addAll(ALWAYS);
        options.addAll(extra);
        try {
            if (source.local() != null) {
                mounts.bind(source.local(), target, options, config.datasets().timeout());
            } else {
                mounts.mount(fsType, source.text(), target, options, config.datasets().timeout());
            }
        } catch (Mounts.MountException e) {
            if (created) {
                removeEmpty(target);
            }
            throw AgentException.internal("mounting dataset " + id + " failed: " + e.getMessage(), e);
        }
        Log.infof("mounted dataset %s from %s at %s (%s)", id, source.text(), target, readOnly ? "read-only" : "read-write");
        return new MountDatasetResponse(id, target.toString(), false);
    }

    public UnmountDatasetResponse unmount(UnmountDatasetRequest request) {
        String id = datasetId(request.datasetId());
        Path root = mountRoot(false);
        if (root == null) {
            return new UnmountDatasetResponse(id, true);
        }
        Path target = root.resolve(id);
        boolean wasMounted = false;
        for (int i = 0; i < MAX_STACKED && mounts.at(target).isPresent(); i++) {
            wasMounted = true;
            try {
                mounts.unmount(target, config.datasets().timeout());
            } catch (Mounts.MountException e) {
                if (e.busy()) {
                    throw AgentException.conflict("dataset_id: " + id + " is in use (" + e.getMessage()
                            + "); stop what uses " + target + " and retry");
                }
                throw AgentException.internal("unmounting dataset " + id + " failed: " + e.getMessage(), e);
            }
        }
        if (mounts.at(target).isPresent()) {
            throw AgentException.internal("dataset " + id + " is still mounted after " + MAX_STACKED + " unmounts", null);
        }
        removeEmpty(target);
        return new UnmountDatasetResponse(id, !wasMounted);
    }

    /** The cleanup's {@code datasets} step: unmount everything below the mount root, deepest first. */
    public CleanupMachineResponse.Step unmountAll(boolean dryRun) {
        Path root = mountRoot(false);
        if (root == null) {
            return new CleanupMachineResponse.Step(CleanupStepType.DATASETS.wireName(), true, "mount root " + config.datasets().mountRoot() + " does not exist", List.of());
        }
        List<String> removed = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Mounts.Mount mount : mounts.under(root)) {
            Path point = mount.mountPoint();
            if (dryRun) {
                removed.add(point.toString());
                continue;
            }
            try {
                mounts.unmount(point, config.datasets().timeout());
                removed.add(point.toString());
                if (root.equals(point.getParent()) && mounts.at(point).isEmpty()) {
                    removeEmpty(point);
                }
            } catch (Mounts.MountException e) {
                failures.add(point + ": " + e.getMessage());
            }
        }
        String verb = dryRun ? "would unmount " : "unmounted ";
        if (!failures.isEmpty()) {
            return new CleanupMachineResponse.Step(CleanupStepType.DATASETS.wireName(), false, verb + removed.size() + "; failed: " + String.join("; ", failures), removed);
        }
        return new CleanupMachineResponse.Step(CleanupStepType.DATASETS.wireName(), true, verb + removed.size() + " mounts under " + root, removed);
    }

    /** A validated source: {@code local} is the resolved directory of a bind mount, null for a remote one. */
    private record Source(String text, Path local) {
    }

    private static String datasetId(String id) {
        // Bean validation already checked the pattern; these two also match it but name no dataset.
        if (".".equals(id) || "..".equals(id)) {
            throw AgentException.badRequest("dataset_id", Names.DATASET_ID_RULE);
        }
        return id;
    }

    private void checkFsType(String fsType) {
        Set<String> allowed = config.datasets().allowedFsTypes().orElse(Set.of());
        if (!BIND.equals(fsType) && !allowed.contains(fsType)) {
            Set<String> accepted = new TreeSet<>(allowed);
            accepted.add(BIND);
            throw AgentException.badRequest("fs_type", "must be one of " + String.join(", ", accepted)
                    + " (fleetlink.agent.datasets.allowed-fs-types); got " + fsType);
        }
    }

    private static List<String> options(String options) {
        List<String> accepted = new ArrayList<>();
        if (options == null) {
            return accepted;
        }
        for (String option : options.split(",")) {
            if (option.isEmpty()) {
                continue;
            }
            String lower = option.toLowerCase(Locale.ROOT);
            String name = lower.contains("=") ? lower.substring(0, lower.indexOf('=')) : lower;
            if (FORBIDDEN_OPTIONS.contains(name) || FORBIDDEN_OPTION_PREFIXES.stream().anyMatch(lower::startsWith)) {
                throw AgentException.badRequest("options", "'" + option + "' is not allowed: use read_only for ro/rw; "
                        + "nosuid and nodev are always set; binding, moving and user mounts are the agent's to decide");
            }
            accepted.add(option);
        }
        return accepted;
    }

    private Source localSource(String source) {
        List<String> prefixes = allowedSources();
        Path real;
        try {
            Path path = Path.of(source);
            if (!path.isAbsolute()) {
                throw AgentException.badRequest("source", "must be an absolute path for a bind mount");
            }
            // The prefix check is on the resolved path: a symlink inside an allowed prefix may not lead out of it.
            real = path.toRealPath();
        } catch (InvalidPathException e) {
            throw AgentException.badRequest("source", "is not a valid path");
        } catch (NoSuchFileException e) {
            throw AgentException.badRequest("source", source + " does not exist");
        } catch (IOException e) {
            throw AgentException.badRequest("source", "cannot resolve " + source + ": " + e.getMessage());
        }
        if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
            throw AgentException.badRequest("source", source + " is not a directory");
        }
        for (String prefix : prefixes) {
            if (prefix.startsWith("/") && real.startsWith(resolvedPrefix(prefix))) {
                return new Source(real.toString(), real);
            }
        }
        throw AgentException.forbidden("source: " + source + (real.toString().equals(source) ? "" : " (resolves to " + real + ")")
                + " is not under any of fleetlink.agent.datasets.allowed-sources");
    }

    private Source remoteSource(String source) {
        List<String> prefixes = allowedSources();
        if (source.startsWith("-") || source.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
            throw AgentException.badRequest("source", "must not start with - or contain spaces or control characters");
        }
        if (List.of(source.split("/")).contains("..")) {
            throw AgentException.badRequest("source", "must not contain .. segments");
        }
        for (String prefix : prefixes) {
            if (source.startsWith(prefix)) {
                return new Source(source, null);
            }
        }
        throw AgentException.forbidden("source: " + source + " does not start with any of fleetlink.agent.datasets.allowed-sources");
    }

    private List<String> allowedSources() {
        List<String> prefixes = config.datasets().allowedSources().orElse(List.of());
        if (prefixes.isEmpty()) {
            throw AgentException.forbidden("source: no fleetlink.agent.datasets.allowed-sources are configured, so every mount is refused");
        }
        return prefixes;
    }

    private static Path resolvedPrefix(String prefix) {
        Path path = Path.of(prefix).normalize();
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path;
        }
    }

    /** The mount root's real path; created when {@code create}, else null when it does not exist. */
    private Path mountRoot(boolean create) {
        Path root = config.datasets().mountRoot();
        try {
            if (create) {
                Files.createDirectories(root);
            }
            return root.toRealPath();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw AgentException.internal("cannot prepare the dataset mount root " + root + ": " + e.getMessage(), e);
        }
    }

    private void requireSame(Mounts.Mount current, Source source, Path target, boolean readOnly) {
        boolean same;
        if (source.local() != null) {
            // A bind mount's root is the source directory itself: same inode, same device.
            Optional<Object> mounted = fileKey(target);
            same = mounted.isPresent() && mounted.equals(fileKey(source.local()));
        } else {
            same = current.source().equals(source.text());
        }
        if (!same) {
            throw AgentException.conflict("dataset_id: " + target + " already has another source mounted (" + current.source()
                    + " " + current.root() + "); unmount it first");
        }
        if (current.readOnly() != readOnly) {
            throw AgentException.conflict("dataset_id: " + target + " is already mounted " + (current.readOnly() ? "read-only" : "read-write")
                    + "; unmount it first to change that");
        }
    }

    private static Optional<Object> fileKey(Path path) {
        try {
            return Optional.ofNullable(Files.readAttributes(path, BasicFileAttributes.class).fileKey());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Creates the mount point; false when an empty directory was already there (it is then not ours to remove). */
    private static boolean createMountPoint(Path target) {
        try {
            Files.createDirectory(target);
            return true;
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw AgentException.conflict("dataset_id: " + target + " exists and is not a directory; remove it and retry");
            }
            return false;
        } catch (IOException e) {
            throw AgentException.internal("cannot create mount point " + target + ": " + e.getMessage(), e);
        }
    }

    private static void removeEmpty(Path target) {
        try {
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(target);
            }
        } catch (DirectoryNotEmptyException e) {
            Log.warnf("mount point %s is not empty after unmounting; left in place", target);
        } catch (IOException e) {
            Log.warnf("cannot remove mount point %s: %s", target, e.getMessage());
        }
    }
}
