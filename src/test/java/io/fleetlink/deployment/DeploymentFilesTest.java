package io.fleetlink.deployment;

import static io.fleetlink.support.ControllerApiClient.api;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlink.support.CallbackReceiver;
import io.fleetlink.support.ControllerFixtures;
import io.fleetlink.support.ControllerTestResources;
import io.fleetlink.support.ManagementPort;
import io.fleetlink.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The files in {@code deployment/} read by the real Kubernetes model (fabric8) and checked against
 * the application's own configuration: ports, probe paths, secret names and keys, token files,
 * selectors; and every metric the Grafana dashboard and the alert rules use exists in
 * {@code /q/metrics} of a running controller and agent.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@QuarkusTestResource(ControllerTestResources.class)
class DeploymentFilesTest {

    static final Path DEPLOYMENT = Path.of("deployment");
    static final Path KUBERNETES = DEPLOYMENT.resolve("kubernetes");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Pattern METRIC = Pattern.compile("\\b(fleetlink_[a-z0-9_]+)");

    static List<HasMetadata> objects = new ArrayList<>();
    static JsonNode application;

    @BeforeAll
    static void read() throws IOException {
        try (Stream<Path> files = Files.list(KUBERNETES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                if (file.getFileName().toString().equals("kustomization.yaml")) {
                    continue;
                }
                for (String document : Files.readString(file).split("(?m)^---\\s*$")) {
                    if (document.lines().anyMatch(line -> line.startsWith("kind:"))) {
                        HasMetadata object = Serialization.unmarshal(document);
                        assertThat(object).as("an object in %s", file).isNotNull();
                        objects.add(object);
                    }
                }
            }
        }
        application = YAML.readTree(Path.of("src/main/resources/application.yaml").toFile());
    }

    @Test
    void everyManifestIsAKnownKindWithNoUnknownField() {
        assertThat(objects).extracting(HasMetadata::getKind).contains("ConfigMap", "Deployment", "Service",
                "PodDisruptionBudget", "NetworkPolicy", "PodMonitor", "PrometheusRule", "StatefulSet");
        for (HasMetadata object : objects) {
            if (!(object instanceof GenericKubernetesResource)) {
                assertThat(unknownFields(object, "", new IdentityHashMap<>()))
                        .as("fields the Kubernetes model does not know in %s %s", object.getKind(),
                                object.getMetadata().getName())
                        .isEmpty();
            }
        }
    }

    @Test
    void theKustomizationListsEveryManifestButTheExample() throws IOException {
        JsonNode kustomization = YAML.readTree(KUBERNETES.resolve("kustomization.yaml").toFile());
        Set<String> listed = new TreeSet<>();
        kustomization.path("resources").forEach(r -> listed.add(r.asText()));
        try (Stream<Path> files = Files.list(KUBERNETES)) {
            Set<String> manifests = files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml") && !n.contains("example"))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(listed).isEqualTo(manifests);
        }
    }

    @Test
    void theControllerDeploymentAgreesWithTheApplicationConfig() throws IOException {
        Deployment deployment = one(Deployment.class, "fleetlink-controller");
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        var pod = deployment.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().get(0);
        Map<String, Integer> ports = container.getPorts().stream()
                .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
        assertThat(ports).containsEntry("http", application.at("/quarkus/http/port").asInt())
                .containsEntry("management", application.at("/quarkus/management/port").asInt());

        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(container.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("management");
        assertThat(container.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("management");
        assertThat(container.getStartupProbe().getHttpGet().getPort().getStrVal()).isEqualTo("management");

        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(pod.getTopologySpreadConstraints()).isNotEmpty()
                .allSatisfy(c -> assertThat(c.getLabelSelector().getMatchLabels())
                        .isEqualTo(deployment.getSpec().getSelector().getMatchLabels()));

        // Secrets: every name and key referenced is one create-secrets.sh creates.
        Map<String, Set<String>> created = createdSecrets();
        container.getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                .forEach(e -> assertThat(created.get(e.getValueFrom().getSecretKeyRef().getName()))
                        .as("secret of %s", e.getName()).contains(e.getValueFrom().getSecretKeyRef().getKey()));
        // Token files named in the ConfigMap's application.yaml lie in a mounted Secret, under a key it has.
        ConfigMap config = one(ConfigMap.class, "fleetlink-controller");
        JsonNode controllerConfig = YAML.readTree(config.getData().get("application.yaml"));
        assertThat(controllerConfig.at("/fleetlink/role").asText()).isEqualTo("controller");
        List<String> tokenFiles = new java.util.ArrayList<>(List.of(
                controllerConfig.at("/fleetlink/controller/agent-token-secret-file").asText(),
                controllerConfig.at("/fleetlink/controller/agent-exec-token-secret-file").asText(),
                controllerConfig.at("/fleetlink/controller/auth/token-file").asText()));
        controllerConfig.at("/fleetlink/controller/auth/clients")
                .forEach(client -> tokenFiles.add(client.path("token-file").asText()));
        assertThat(tokenFiles).as("token files").doesNotContain("").hasSizeGreaterThan(2);
        for (String tokenFile : tokenFiles) {
            Path file = Path.of(tokenFile);
            VolumeMount mount = container.getVolumeMounts().stream()
                    .filter(m -> file.getParent().equals(Path.of(m.getMountPath())))
                    .findFirst().orElseThrow(() -> new AssertionError("no volume mounted at " + file.getParent()));
            Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
            assertThat(volume.getSecret()).as("volume of %s", tokenFile).isNotNull();
            assertThat(created.get(volume.getSecret().getSecretName())).as("keys of %s", volume.getSecret().getSecretName())
                    .contains(file.getFileName().toString());
        }
        // The config file is where QUARKUS_CONFIG_LOCATIONS says, from the ConfigMap.
        String location = container.getEnv().stream().filter(e -> e.getName().equals("QUARKUS_CONFIG_LOCATIONS"))
                .findFirst().orElseThrow().getValue();
        VolumeMount configMount = container.getVolumeMounts().stream()
                .filter(m -> Path.of(location).getParent().equals(Path.of(m.getMountPath()))).findFirst().orElseThrow();
        assertThat(pod.getVolumes().stream().filter(v -> v.getName().equals(configMount.getName())).findFirst()
                .orElseThrow().getConfigMap().getName()).isEqualTo("fleetlink-controller");
    }

    @Test
    void serviceBudgetPolicyAndMonitorSelectTheControllerPods() throws IOException {
        Deployment deployment = one(Deployment.class, "fleetlink-controller");
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        Set<String> portNames = container.getPorts().stream().map(ContainerPort::getName).collect(Collectors.toSet());

        Service service = one(Service.class, "fleetlink-controller");
        assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts()).extracting(p -> p.getTargetPort().getStrVal()).containsExactly("http");

        PodDisruptionBudget budget = one(PodDisruptionBudget.class, "fleetlink-controller");
        assertThat(podLabels).containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
        assertThat(budget.getSpec().getMinAvailable().getIntVal()).isLessThan(deployment.getSpec().getReplicas());

        NetworkPolicy policy = one(NetworkPolicy.class, "fleetlink-controller");
        assertThat(podLabels).containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
        Set<Integer> in = policy.getSpec().getIngress().stream().flatMap(r -> r.getPorts().stream())
                .map(p -> p.getPort().getIntVal()).collect(Collectors.toSet());
        assertThat(in).containsExactlyInAnyOrder(application.at("/quarkus/http/port").asInt(),
                application.at("/quarkus/management/port").asInt());
        Set<Integer> out = policy.getSpec().getEgress().stream().flatMap(r -> r.getPorts().stream())
                .map(p -> p.getPort().getIntVal()).collect(Collectors.toSet());
        assertThat(out).contains(application.at("/agent/http-port").asInt(), application.at("/agent/grpc-port").asInt(), 5432);

        GenericKubernetesResource monitor = (GenericKubernetesResource) objects.stream()
                .filter(o -> o.getKind().equals("PodMonitor")).findFirst().orElseThrow();
        Map<String, Object> endpoint = monitor.<List<Map<String, Object>>>get("spec", "podMetricsEndpoints").get(0);
        assertThat(portNames).contains((String) endpoint.get("port"));
        assertThat(endpoint.get("path")).isEqualTo("/q/metrics");
        assertThat(podLabels).containsAllEntriesOf(monitor.<Map<String, String>>get("spec", "selector", "matchLabels"));

        StatefulSet postgres = one(StatefulSet.class, "fleetlink-postgres");
        assertThat(createdSecrets()).containsKey(postgres.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()
                .stream().filter(e -> e.getName().equals("POSTGRES_PASSWORD")).findFirst().orElseThrow()
                .getValueFrom().getSecretKeyRef().getName());
    }

    @Test
    void theAgentFilesAgreeWithEachOtherAndTheApplicationConfig() throws IOException {
        Path agent = DEPLOYMENT.resolve("agent");
        JsonNode agentYaml = YAML.readTree(agent.resolve("agent.yaml").toFile());
        String install = Files.readString(agent.resolve("install.sh"));
        assertThat(agentYaml.at("/fleetlink/role").asText()).isEqualTo("agent");
        assertThat(install).contains(agentYaml.at("/fleetlink/agent/auth/token-file").asText());
        assertThat(agentYaml.at("/quarkus/management/port").asInt()).isEqualTo(application.at("/quarkus/management/port").asInt());
        assertThat(agentYaml.at("/quarkus/http/port").asInt()).isEqualTo(application.at("/agent/http-port").asInt());
        assertThat(agentYaml.at("/quarkus/grpc/server/port").asInt()).isEqualTo(application.at("/agent/grpc-port").asInt());
        for (String unit : List.of("fleetlink-agent.service", "fleetlink-agent-jvm.service")) {
            String text = Files.readString(agent.resolve(unit));
            assertThat(text).as(unit).contains("QUARKUS_CONFIG_LOCATIONS=/etc/fleetlink/agent.yaml", "-Dfleetlink.role=agent",
                    "NoNewPrivileges=yes", "CapabilityBoundingSet=", "KillMode=process");
            assertThat(install).contains(unit);
        }
        assertThat(install).contains("/etc/fleetlink/agent.yaml", "0600");
    }

    @Test
    void everyMetricTheDashboardAndAlertsUseIsExported() throws IOException {
        Set<String> used = new TreeSet<>();
        JsonNode dashboard = new ObjectMapper().readTree(DEPLOYMENT.resolve("grafana/fleetlink-dashboard.json").toFile());
        assertThat(dashboard.path("panels").size()).isGreaterThan(5);
        dashboard.findValues("expr").forEach(expr -> used.addAll(metrics(expr.asText())));
        assertThat(used).as("metrics in the dashboard").hasSizeGreaterThan(8);
        GenericKubernetesResource rules = (GenericKubernetesResource) objects.stream()
                .filter(o -> o.getKind().equals("PrometheusRule")).findFirst().orElseThrow();
        Set<String> alerted = new TreeSet<>();
        for (Map<String, Object> group : rules.<List<Map<String, Object>>>get("spec", "groups")) {
            for (Object rule : (List<?>) group.get("rules")) {
                alerted.addAll(metrics(String.valueOf(((Map<?, ?>) rule).get("expr"))));
            }
        }
        assertThat(alerted).as("metrics in the alerts").hasSizeGreaterThan(4);
        used.addAll(alerted);

        produceEveryMetric();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(exported()).containsAll(used));
    }

    /** Activity that makes every lazily registered series appear: agent calls, a retry, a failed pipeline, callbacks. */
    private static void produceEveryMetric() {
        CallbackReceiver.start();
        String local = ControllerFixtures.registerHost(TestPorts.httpPort());
        api().when().get("/api/v1/hosts/" + local + "/health").then().statusCode(200);
        String down = ControllerFixtures.registerHost(TestPorts.freePort());
        ControllerFixtures.allocate(down, "fltenant"); // retried, then FAILED: retries, operations, durations, callbacks
    }

    private static Set<String> exported() {
        String text = given().when().get(ManagementPort.url("/q/metrics")).then().statusCode(200).extract().asString();
        return text.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("[{ ]", 2)[0])
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> metrics(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = METRIC.matcher(expr);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    private static <T extends HasMetadata> T one(Class<T> type, String name) {
        return objects.stream().filter(type::isInstance).map(type::cast)
                .filter(o -> o.getMetadata().getName().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    /** Secret name → keys, from the kubectl commands in create-secrets.sh. */
    private static Map<String, Set<String>> createdSecrets() throws IOException {
        String script = Files.readString(KUBERNETES.resolve("create-secrets.sh"));
        Map<String, Set<String>> secrets = new java.util.HashMap<>();
        Matcher command = Pattern.compile("create secret generic ([a-z0-9-]+)((?:\\s*\\\\?\\s*--from-literal=[a-z0-9-]+=\\S+)+)")
                .matcher(script);
        while (command.find()) {
            Set<String> keys = new TreeSet<>();
            Matcher key = Pattern.compile("--from-literal=([a-z0-9-]+)=").matcher(command.group(2));
            while (key.find()) {
                keys.add(key.group(1));
            }
            secrets.put(command.group(1), keys);
        }
        assertThat(secrets).as("secrets created by create-secrets.sh").isNotEmpty();
        return secrets;
    }

    /** Paths of every non-empty additionalProperties in a fabric8 model object: fields the model did not know. */
    private static List<String> unknownFields(Object node, String path, IdentityHashMap<Object, Boolean> seen) {
        List<String> found = new ArrayList<>();
        if (node == null || seen.put(node, true) != null) {
            return found;
        }
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                found.addAll(unknownFields(item, path + "[" + i++ + "]", seen));
            }
            return found;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> found.addAll(unknownFields(v, path + "." + k, seen)));
            return found;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return found;
        }
        try {
            for (PropertyDescriptor property : Introspector.getBeanInfo(node.getClass(), Object.class).getPropertyDescriptors()) {
                if (property.getReadMethod() == null) {
                    continue;
                }
                Object value = property.getReadMethod().invoke(node);
                if (property.getName().equals("additionalProperties")) {
                    if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        found.add(path + " " + extra.keySet());
                    }
                } else {
                    found.addAll(unknownFields(value, path + "." + property.getName(), seen));
                }
            }
        } catch (ReflectiveOperationException | java.beans.IntrospectionException e) {
            throw new AssertionError("cannot read " + node.getClass(), e);
        }
        return found;
    }
}
