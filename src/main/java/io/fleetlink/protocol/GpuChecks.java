package io.fleetlink.protocol;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GPU health gate's check names and the one shape of a failed check in a gpu step's message,
 * {@code GPU <index> <uuid>: <check>: <what>}, so the agent writes it and the controller reads it
 * (quarantine reason, metrics by check) from the same definition.
 */
public final class GpuChecks {

    public static final String PRESENT = "present";
    public static final String REMAPPED_ROWS = "remapped-rows";
    public static final String RETIRED_PAGES = "retired-pages";
    public static final String ECC = "ecc";
    public static final String THROTTLING = "throttling";
    public static final String PROCESSES = "processes";
    public static final String XID = "xid";
    public static final String DIAG = "diag";

    /** Every check, in the order a GPU's results list them. */
    public static final List<String> ALL = List.of(PRESENT, REMAPPED_ROWS, RETIRED_PAGES, ECC, THROTTLING, PROCESSES, XID, DIAG);

    private static final Pattern FAILURE = Pattern.compile("GPU \\S+ \\S+: (" + String.join("|", ALL) + "): ");

    private GpuChecks() {
    }

    /** "GPU 3 GPU-…: ecc: 2 uncorrectable ECC errors since the allocation began". */
    public static String failure(String gpuLabel, String check, String message) {
        return gpuLabel + ": " + check + ": " + message;
    }

    /** Each failed check named in a gpu step's message, in order; empty when none is. */
    public static List<String> failedChecks(String stepMessage) {
        if (stepMessage == null) {
            return List.of();
        }
        Matcher matcher = FAILURE.matcher(stepMessage);
        List<String> checks = new java.util.ArrayList<>();
        while (matcher.find()) {
            checks.add(matcher.group(1));
        }
        return List.copyOf(checks);
    }

    /**
     * The failed checks of a gpu step's message, its notes (ended processes, resets) left out: the step
     * writes its notes first and its failures last, so this is the message from the first failure on.
     */
    public static Optional<String> failures(String stepMessage) {
        if (stepMessage == null) {
            return Optional.empty();
        }
        Matcher matcher = FAILURE.matcher(stepMessage);
        return matcher.find() ? Optional.of(stepMessage.substring(matcher.start())) : Optional.empty();
    }
}
