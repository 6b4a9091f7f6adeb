package io.fleetlink.agent.os;

import java.util.List;

/**
 * The seam over DCGM's active diagnostic, {@code dcgmi diag -r <level>}: {@link LinuxGpuDiag} runs the
 * program with a hard deadline; tests stand a fake program in for it. Blocking.
 */
public interface GpuDiag {

    /**
     * A diagnostic's verdict. {@code failures} are the failed tests, each with the GPU indexes it named
     * (empty when the line named none, i.e. the whole machine); {@code error} is non-null when the run
     * itself failed (no answer within the deadline, not startable, output not understood).
     */
    record Result(boolean passed, List<Failure> failures, String error, boolean timedOut) {

        public static Result failed(String error, boolean timedOut) {
            return new Result(false, List.of(), error, timedOut);
        }
    }

    /** One failed test ("Memory", "Page Retirement/Row Remap") with what dcgmi said about it. */
    record Failure(String test, List<Integer> gpus, String detail) {
    }

    /** Whether {@code dcgmi} is installed. */
    boolean installed();

    /** Runs {@code dcgmi diag -r level} on every GPU. */
    Result run(int level);
}
