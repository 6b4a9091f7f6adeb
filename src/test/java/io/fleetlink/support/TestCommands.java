package io.fleetlink.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a program for a test (argv, no shell, a timeout) and hands back what it printed. */
public final class TestCommands {

    /** What a program did. */
    public record Result(int exitCode, String stdout, String stderr) {

        public Result requireOk() {
            if (exitCode != 0) {
                throw new IllegalStateException("exit " + exitCode + ": " + stderr.strip() + " " + stdout.strip());
            }
            return this;
        }
    }

    private TestCommands() {
    }

    public static Result run(String... argv) {
        return run(60, List.of(argv));
    }

    public static Result ok(String... argv) {
        return run(argv).requireOk();
    }

    public static Result run(int timeoutSeconds, List<String> argv) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("fltest-out", ".txt");
            err = Files.createTempFile("fltest-err", ".txt");
            Process process = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException(argv + " did not finish within " + timeoutSeconds + " s");
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + argv, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a leftover temp file is harmless
            }
        }
    }
}
