package io.fleetlink.structure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the layout ARCHITECTURE.md describes: the roles never import each other, the shared packages
 * import no role, and no two packages depend on each other in a cycle. Reads the main sources' imports
 * and fully qualified names, so a new dependency fails the build where it is written.
 */
class PackageStructureTest {

    private static final String ROOT = "io.fleetlink";
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    /** An imported or fully qualified Fleetlink type: the package is everything before the first capital. */
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.fleetlink(?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]");
    private static final List<String> SHARED = List.of("protocol", "web", "security", "config", "lifecycle");

    /** Package → the Fleetlink packages its sources refer to, and where. */
    private static final Map<String, Map<String, Set<String>>> DEPENDENCIES = new TreeMap<>();

    @BeforeAll
    static void readSources() throws IOException, URISyntaxException {
        Path testClasses = Path.of(PackageStructureTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path sources = testClasses.getParent().getParent().resolve("src/main/java");
        assertThat(sources).as("main sources next to %s", testClasses).isDirectory();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Matcher declared = PACKAGE.matcher(source);
                assertThat(declared.find()).as("package declaration in %s", file).isTrue();
                String pkg = declared.group(1);
                Map<String, Set<String>> targets = DEPENDENCIES.computeIfAbsent(pkg, p -> new TreeMap<>());
                Matcher reference = REFERENCE.matcher(source.substring(declared.end()));
                while (reference.find()) {
                    String target = reference.group(1);
                    if (!target.equals(pkg)) {
                        targets.computeIfAbsent(target, t -> new TreeSet<>()).add(sources.relativize(file).toString());
                    }
                }
            }
        }
        assertThat(DEPENDENCIES).as("packages read").containsKeys(ROOT + ".agent", ROOT + ".controller", ROOT + ".web");
    }

    @Test
    void controllerNeverImportsTheAgent() {
        assertThat(crossings(ROOT + ".controller", ROOT + ".agent")).isEmpty();
    }

    @Test
    void agentNeverImportsTheController() {
        assertThat(crossings(ROOT + ".agent", ROOT + ".controller")).isEmpty();
    }

    @Test
    void sharedPackagesImportNoRole() {
        for (String shared : SHARED) {
            assertThat(crossings(ROOT + "." + shared, ROOT + ".agent")).as("%s importing the agent", shared).isEmpty();
            assertThat(crossings(ROOT + "." + shared, ROOT + ".controller")).as("%s importing the controller", shared)
                    .isEmpty();
        }
    }

    @Test
    void theCliSpeaksOnlyHttp() {
        assertThat(crossings(ROOT + ".cli", ROOT + ".agent")).isEmpty();
        assertThat(crossings(ROOT + ".cli", ROOT + ".controller")).isEmpty();
    }

    @Test
    void noPackageCycles() {
        assertThat(cycles()).isEmpty();
    }

    /** Every "package → package (file)" where a package under {@code from} refers to one under {@code to}. */
    private static List<String> crossings(String from, String to) {
        List<String> found = new ArrayList<>();
        DEPENDENCIES.forEach((pkg, targets) -> {
            if (within(pkg, from)) {
                targets.forEach((target, files) -> {
                    if (within(target, to)) {
                        found.add(pkg + " -> " + target + " " + files);
                    }
                });
            }
        });
        return found;
    }

    private static boolean within(String pkg, String prefix) {
        return pkg.equals(prefix) || pkg.startsWith(prefix + ".");
    }

    /** Strongly connected components of more than one package (Tarjan), each described with its edges. */
    private static List<String> cycles() {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<String> found = new ArrayList<>();
        int[] counter = {0};
        for (String pkg : DEPENDENCIES.keySet()) {
            if (!index.containsKey(pkg)) {
                connect(pkg, index, low, stack, onStack, counter, found);
            }
        }
        return found;
    }

    private static void connect(String pkg, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
            Set<String> onStack, int[] counter, List<String> found) {
        index.put(pkg, counter[0]);
        low.put(pkg, counter[0]);
        counter[0]++;
        stack.push(pkg);
        onStack.add(pkg);
        for (String next : DEPENDENCIES.getOrDefault(pkg, Map.of()).keySet()) {
            if (!DEPENDENCIES.containsKey(next)) {
                continue; // generated code
            }
            if (!index.containsKey(next)) {
                connect(next, index, low, stack, onStack, counter, found);
                low.put(pkg, Math.min(low.get(pkg), low.get(next)));
            } else if (onStack.contains(next)) {
                low.put(pkg, Math.min(low.get(pkg), index.get(next)));
            }
        }
        if (low.get(pkg).equals(index.get(pkg))) {
            Set<String> component = new TreeSet<>();
            String member;
            do {
                member = stack.pop();
                onStack.remove(member);
                component.add(member);
            } while (!member.equals(pkg));
            if (component.size() > 1) {
                StringBuilder edges = new StringBuilder("cycle " + component + ":");
                for (String from : component) {
                    DEPENDENCIES.get(from).forEach((to, files) -> {
                        if (component.contains(to)) {
                            edges.append("\n  ").append(from).append(" -> ").append(to).append(' ').append(files);
                        }
                    });
                }
                found.add(edges.toString());
            }
        }
    }
}
