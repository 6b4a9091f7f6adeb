package io.fleetlink.agent.os;

/**
 * One process as {@code /proc} shows it. {@code startTime} (clock ticks since boot) tells a process
 * from a later one that reused its pid: signal only what still has the same start time.
 */
public record ProcessInfo(int pid, int ppid, int uid, char state, long startTime, String comm) {

    /** A zombie has exited and only waits for its parent; it is gone for our purposes. */
    public boolean exited() {
        return state == 'Z' || state == 'X';
    }
}
