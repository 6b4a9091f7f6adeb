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
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.AgentException;
import io.fleetlink.agent.os.DirectoryWalkException;
import io.fleetlink.agent.os.Mounts;
import io.fleetlink.agent.os.OpenDirectory;
import io.fleetlink.agent.os.TrustedDirectories;
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
 * {@code fleetlink.agent.datasets.mount-root} (which only root may be able to change), only from allowed
 * sources, always nosuid and nodev, read-only unless asked otherwise, with options from an allowlist.
 * A local source is opened once, from its allowed prefix down, without following any link, and that
 * open directory is what gets mounted (never the path string again), so a tenant who swaps its folder
 * for a link during the call cannot get anything else mounted. Blocking.
 */
@ApplicationScoped
public class DatasetMounter {

    static final String BIND = "bind";
    private static final List<String> ALWAYS = List.of("nosuid", "nodev");
    /**
     * The only mount options a request may set (security bar: allowlists, not blocklists): options that
     * change how a file system is read, never what is mounted, where, by whom, with which privileges or
     * how it propagates to other mount namespaces. Flags: atime handling, {@code noexec},
     * {@code nosymfollow}, and {@code nosuid}/{@code nodev} (always set anyway); NFS client tuning
     * ({@code hard}, {@code soft}, {@code nolock}, {@code noac}, {@code tcp}); and the valued options in
     * {@link #ALLOWED_VALUED}. Read-only is the request's {@code read_only}, not an option. Everything
     * else is refused with a 400 naming the option: {@code ro}/{@code rw}, {@code suid}/{@code dev}/
     * {@code exec}, {@code bind}/{@code rbind}/{@code move}/{@code remount}, propagation
     * ({@code shared}, {@code private}, {@code slave}, {@code unbindable}, their {@code r} forms and
     * {@code make-*}), {@code user}/{@code owner}, {@code loop=}, SELinux contexts, {@code x-*} helpers,
     * and any option nobody has looked at yet.
     */
    static final Set<String> ALLOWED_FLAGS = Set.of("noatime", "nodiratime", "relatime", "strictatime", "lazytime",
            "noexec", "nosymfollow", "nosuid", "nodev", "hard", "soft", "nolock", "noac", "tcp");
    /** Valued options a request may set ({@code name=value}; the value is letters, digits and {@code . _ : -} only). */
    static final Set<String> ALLOWED_VALUED = Set.of("vers", "nfsvers", "proto", "port", "timeo", "retrans", "nconnect",
            "rsize", "wsize", "actimeo", "acregmin", "acregmax", "acdirmin", "acdirmax", "sec", "size", "nr_inodes");
    private static final Pattern OPTION_VALUE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
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
        if (!BIND.equals(fsType)) {
            return mount(id, fsType, remoteSource(request.source()), null, readOnly, extra);
        }
        // Held open until the mount is made and checked: the mount takes this very directory.
        try (OpenDirectory local = localSource(request.source())) {
            return mount(id, fsType, local.path().toString(), local, readOnly, extra);
        }
    }

    private MountDatasetResponse mount(String id, String fsType, String source, OpenDirectory local, boolean readOnly, List<String> extra) {
        Path target = mountRoot(true).resolve(id);
        Optional<Mounts.Mount> current = mounts.at(target);
        if (current.isPresent()) {
            requireSame(current.get(), source, local, target, readOnly);
            return new MountDatasetResponse(id, target.toString(), true);
        }
        boolean created = createMountPoint(target);
        List<String> options = new ArrayList<>();
        options.add(readOnly ? "ro" : "rw");
        options.addAll(ALWAYS);
        options.addAll(extra);
        try {
            if (local != null) {
                mounts.bind(local, target, options, config.datasets().timeout());
            } else {
                mounts.mount(fsType, source, target, options, config.datasets().timeout());
            }
        } catch (Mounts.MountException e) {
            if (created) {
                removeEmpty(target);
            }
            throw AgentException.internal("mounting dataset " + id + " failed: " + e.getMessage(), e);
        }
        Log.infof("mounted dataset %s from %s at %s (%s)", id, source, target, readOnly ? "read-only" : "read-write");
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

    /**
     * The cleanup's {@code datasets} step: unmount everything below the mount root, deepest first. A
     * mount point directly in the mount root is named by its path (only root can change that directory);
     * a deeper one (inside a dataset a tenant may write to) is unmounted through its parent directory,
     * opened from the mount root without following links, so no rename on the way redirects the unmount.
     */
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
                if (root.equals(point.getParent())) {
                    mounts.unmount(point, config.datasets().timeout());
                } else {
                    try (OpenDirectory parent = TrustedDirectories.open(root, root.relativize(point.getParent()))) {
                        mounts.unmountIn(parent, point.getFileName().toString(), config.datasets().timeout());
                    }
                }
                removed.add(point.toString());
                if (root.equals(point.getParent()) && mounts.at(point).isEmpty()) {
                    removeEmpty(point);
                }
            } catch (Mounts.MountException e) {
                failures.add(point + ": " + e.getMessage());
            } catch (DirectoryWalkException e) {
                failures.add(point + ": not unmounted, its parent cannot be opened safely: " + e.getMessage());
            }
        }
        String verb = dryRun ? "would unmount " : "unmounted ";
        if (!failures.isEmpty()) {
            return new CleanupMachineResponse.Step(CleanupStepType.DATASETS.wireName(), false, verb + removed.size() + "; failed: " + String.join("; ", failures), removed);
        }
        return new CleanupMachineResponse.Step(CleanupStepType.DATASETS.wireName(), true, verb + removed.size() + " mounts under " + root, removed);
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
        for (String option : options.split(",", -1)) {
            if (option.isEmpty()) {
                continue;
            }
            int equals = option.indexOf('=');
            boolean allowed = equals < 0
                    ? ALLOWED_FLAGS.contains(option)
                    : ALLOWED_VALUED.contains(option.substring(0, equals)) && OPTION_VALUE.matcher(option.substring(equals + 1)).matches();
            if (!allowed) {
                throw AgentException.badRequest("options", "'" + option + "' is not allowed; read-only is read_only, nosuid and nodev are"
                        + " always set, and only these may be added: " + String.join(",", new TreeSet<>(ALLOWED_FLAGS)) + " and "
                        + String.join(",", new TreeSet<>(ALLOWED_VALUED)) + " with =value (letters, digits, . _ : -)");
            }
            accepted.add(option);
        }
        return accepted;
    }

    /**
     * Opens the bind source: it must lie under a local allowed prefix (named as configured or by its real
     * path); the prefix must be root's alone all the way from {@code /}; below it, every component must be
     * a real directory (no link, FIFO, socket, device or file) and is opened relative to the one before.
     */
    private OpenDirectory localSource(String source) {
        List<String> prefixes = allowedSources();
        Path path;
        try {
            path = Path.of(source);
        } catch (InvalidPathException e) {
            throw AgentException.badRequest("source", "is not a valid path");
        }
        if (!path.isAbsolute()) {
            throw AgentException.badRequest("source", "must be an absolute path for a bind mount");
        }
        for (Path part : path) {
            if (".".equals(part.toString()) || "..".equals(part.toString())) {
                throw AgentException.badRequest("source", "must not contain . or .. components; name the directory itself");
            }
        }
        for (String prefix : prefixes) {
            if (!prefix.startsWith("/")) {
                continue;
            }
            Path configured = Path.of(prefix).normalize();
            Path spelled = path.startsWith(configured) ? configured : realOrNull(configured);
            if (spelled == null || !path.startsWith(spelled)) {
                continue;
            }
            Path root;
            try {
                root = TrustedDirectories.requireRootOwned(configured);
            } catch (DirectoryWalkException e) {
                throw AgentException.forbidden("source: the allowed source prefix " + prefix + " cannot be mounted from safely: "
                        + e.getMessage() + "; it and every directory above it must be owned by root and writable only by root"
                        + " (fleetlink.agent.datasets.allowed-sources)");
            }
            try {
                return TrustedDirectories.open(root, spelled.relativize(path));
            } catch (DirectoryWalkException e) {
                throw refusal(source, e);
            }
        }
        throw AgentException.forbidden("source: " + source + " is not under any of fleetlink.agent.datasets.allowed-sources");
    }

    private static AgentException refusal(String source, DirectoryWalkException e) {
        return switch (e.reason()) {
            case MISSING -> AgentException.badRequest("source", source + " does not exist (" + e.getMessage() + ")");
            case NOT_A_DIRECTORY -> AgentException.badRequest("source", source + " is not a directory (" + e.getMessage()
                    + "); only directories are mounted and nothing else is opened");
            case SYMBOLIC_LINK -> AgentException.forbidden("source: " + source + resolvesTo(source) + " goes through a symbolic link ("
                    + e.getMessage() + "); links are never followed, name the real directory under fleetlink.agent.datasets.allowed-sources");
            case CHANGED -> AgentException.conflict("source: " + source + " changed while it was being opened (" + e.getMessage()
                    + "); nothing was mounted, retry once it stays put");
            case UNTRUSTED, FAILED -> AgentException.forbidden("source: " + source + " cannot be opened safely: " + e.getMessage());
        };
    }

    /** Only for the message: where the link leads now (stat calls only, nothing is opened). */
    private static String resolvesTo(String source) {
        try {
            Path real = Path.of(source).toRealPath();
            return real.toString().equals(source) ? "" : " (resolves to " + real + ")";
        } catch (IOException | InvalidPathException e) {
            return "";
        }
    }

    private static Path realOrNull(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }

    private String remoteSource(String source) {
        List<String> prefixes = allowedSources();
        if (source.startsWith("-") || source.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
            throw AgentException.badRequest("source", "must not start with - or contain spaces or control characters");
        }
        if (List.of(source.split("/")).contains("..")) {
            throw AgentException.badRequest("source", "must not contain .. segments");
        }
        for (String prefix : prefixes) {
            if (source.startsWith(prefix)) {
                return source;
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

    /**
     * The mount root's real path, checked to be root's alone all the way from {@code /} (mount points
     * are created, unmounted and removed in it by path, which is safe only because no tenant can rename
     * or replace anything there); created when {@code create}, else null when it does not exist.
     */
    private Path mountRoot(boolean create) {
        Path root = config.datasets().mountRoot();
        try {
            if (create) {
                Files.createDirectories(root);
            }
            return TrustedDirectories.requireRootOwned(root);
        } catch (DirectoryWalkException e) {
            if (e.reason() == DirectoryWalkException.Reason.MISSING && !create) {
                return null;
            }
            throw AgentException.internal("the dataset mount root " + root + " is not safe to mount in: " + e.getMessage()
                    + "; it and every directory above it must be owned by root and writable only by root"
                    + " (fleetlink.agent.datasets.mount-root); nothing was mounted or unmounted", e);
        } catch (IOException e) {
            throw AgentException.internal("cannot prepare the dataset mount root " + root + ": " + e.getMessage(), e);
        }
    }

    private void requireSame(Mounts.Mount current, String source, OpenDirectory local, Path target, boolean readOnly) {
        boolean same;
        if (local != null) {
            // A bind mount's root is the source directory itself: same inode, same device.
            Optional<Object> mounted = fileKey(target);
            same = mounted.isPresent() && mounted.get().equals(local.fileKey());
        } else {
            same = current.source().equals(source);
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
