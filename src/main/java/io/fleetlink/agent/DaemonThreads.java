package io.fleetlink.agent;

import java.util.concurrent.ThreadFactory;

/**
 * Threads for the agent's own executors: named, so a thread dump says whose they are, and daemons, so a
 * reader stuck on a pipe that never closes cannot keep the JVM from exiting.
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** A factory whose threads are all called {@code name}. */
    public static ThreadFactory named(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
