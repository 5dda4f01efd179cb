package dev.baton.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.operator.api.Reload;
import dev.baton.operator.api.ReloadStatus;
import dev.baton.operator.api.ReloadTarget;
import dev.baton.operator.inject.ClusterFacts;
import dev.baton.operator.inject.InjectConfig;
import dev.baton.operator.inject.PodInjector;
import dev.baton.testkit.http.Http;
import dev.baton.testkit.port.FreePorts;
import dev.baton.testkit.process.Commands;
import dev.baton.testkit.process.StartedProcess;
import dev.baton.testkit.signal.Signals;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both images, built here as a user would (docker/build-images, from the cached debootstrap base) and
 * run with buildah's chroot isolation from their own image config: the Baton image serves the sample
 * worker with the agent through a reload; the operator image serves /healthz and /metrics and
 * reconciles a Reload, against fabric8's mock API server in this JVM, by reloading the Baton image's
 * baton through its control API.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class ImagesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TAG = "it-" + ProcessHandle.current().pid();
    private static final String NS = "shop";

    static Path batonArchive;
    static Path operatorArchive;
    static final List<String> containers = new ArrayList<>();

    KubernetesClient client;
    KubernetesMockServer server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void buildBothImages() throws Exception {
        Buildah.assumeAvailable();
        Path out = Dirs.dist().resolve("images-it");
        String built = Commands.run(Buildah.SLOW, Map.of(), List.of(Dirs.root().resolve("docker/build-images").toString(),
                "--tag", TAG, "--out", out.toString())).ok().output();
        batonArchive = out.resolve("baton-" + TAG + ".oci.tar");
        operatorArchive = out.resolve("baton-operator-" + TAG + ".oci.tar");
        assertThat(built).contains(batonArchive.toString(), operatorArchive.toString());
    }

    @AfterAll
    static void removeWhatWasBuilt() throws Exception {
        for (String c : containers) {
            Buildah.remove(c);
        }
        if (batonArchive != null) {
            // the built images, and the copies that running from the archives pulled (named after their tag)
            Commands.run(Buildah.SLOW, "buildah", "rmi", "localhost/baton:" + TAG, "localhost/baton-operator:" + TAG,
                    "localhost/" + TAG + ":latest");
        }
    }

    @Test
    void imageConfigsRunAsANumericNonRootUserWithAJavaEntrypoint() throws Exception {
        for (Path archive : List.of(batonArchive, operatorArchive)) {
            JsonNode config = imageConfig(archive).path("config");
            assertThat(config.path("User").asText()).as("%s: USER", archive).matches("[1-9][0-9]*:[0-9]+");
            List<String> entrypoint = strings(config.path("Entrypoint"));
            assertThat(entrypoint).as("%s: ENTRYPOINT", archive).startsWith("java").contains("-jar");
            assertThat(config.path("WorkingDir").asText()).isEqualTo("/tmp");
        }
        assertThat(strings(imageConfig(batonArchive).path("config").path("Entrypoint"))).endsWith("/opt/baton/baton.jar");
        assertThat(strings(imageConfig(operatorArchive).path("config").path("Entrypoint"))).endsWith("/opt/baton/baton-operator.jar");
    }

    /** The webhook's init container runs the image's own cp, as the image's user, without a shell. */
    @Test
    void theInjectedInitContainerCopiesBothJarsWithWhatTheBaseHas() throws Exception {
        JsonNode pod = JSON.readTree("""
                {"metadata": {"name": "web-0", "annotations": {"baton.dev/inject": "true"}},
                 "spec": {"containers": [{"name": "app", "image": "app", "command": ["java", "-jar", "app.jar"],
                                         "ports": [{"containerPort": 8080}]}]}}""");
        PodInjector.Result result = new PodInjector(InjectConfig.withImage("localhost/baton:" + TAG),
                ClusterFacts.assumed(31)).inject(pod);
        assertThat(result.warning()).isNull();
        JsonNode init = null;
        for (JsonNode op : result.patch()) {
            if (op.path("path").asText().startsWith("/spec/initContainers")) {
                init = op.path("value").isArray() ? op.path("value").get(0) : op.path("value");
            }
        }
        assertThat(init).as("the init container in %s", result.patch()).isNotNull();
        List<String> command = strings(init.path("command"));
        String mountPath = init.path("volumeMounts").get(0).path("mountPath").asText();

        // an emptyDir: mode 0777, whatever the uid
        Path emptyDir = Files.createDirectory(tmp.resolve("emptydir"));
        Files.setPosixFilePermissions(emptyDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        String c = container("oci-archive:" + batonArchive);
        Commands.run(Buildah.SLOW, Map.of(), Buildah.runCommand(c, List.of("-v", emptyDir + ":" + mountPath), command)).ok();
        Path root = Buildah.mount(c);
        for (String jar : List.of("baton.jar", "baton-agent.jar")) {
            assertThat(Files.mismatch(emptyDir.resolve(jar), root.resolve("opt/baton/" + jar))).as(jar).isEqualTo(-1L);
            assertThat(Files.getOwner(emptyDir.resolve(jar)).getName()).isNotEqualTo("root");
        }
    }

    @Test
    void batonImageServesTheSampleWorkerWithTheAgentThroughAReload() throws Exception {
        try (RunningBaton baton = startBaton()) {
            AtomicBoolean loading = new AtomicBoolean(true);
            AtomicInteger ok = new AtomicInteger();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread load = new Thread(() -> {
                while (loading.get()) {
                    try {
                        int status = Http.get(baton.port, "/").status();
                        if (status == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add("HTTP " + status);
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }, "load");
            load.start();
            try {
                Signals.require(baton.pid(), "HUP");
                await().atMost(Duration.ofMinutes(2)).until(() -> {
                    String body = Http.bodyOrNull(baton.port, "/");
                    return body != null && body.startsWith("gen=000002");
                });
            } finally {
                loading.set(false);
                load.join();
            }
            assertThat(failures).as("requests failed during the reload").isEmpty();
            assertThat(ok.get()).isPositive();
            assertThat(baton.process.output()).contains("baton-agent: adopted 127.0.0.1:" + baton.port)
                    .contains("new worker is now running, sending TERM to old workers");
        }
    }

    /**
     * The operator image, pointed (KUBECONFIG) at the mock API server, reconciles a Reload of a
     * Deployment whose one pod's baton is the Baton image's, reached on 127.0.0.1 (the control-address
     * annotation): a real reload through its control API, a Succeeded status.
     */
    @Test
    void operatorImageServesItsProbesAndReconcilesAReloadOfTheBatonImage() throws Exception {
        try (InputStream in = Reload.class.getResourceAsStream(Reload.CRD_RESOURCE)) {
            client.apiextensions().v1().customResourceDefinitions()
                    .resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
        }
        try (RunningBaton baton = startBaton()) {
            client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
                    .withNewMetadata().withName("web").endMetadata()
                    .withNewSpec().withNewSelector().addToMatchLabels("app", "web").endSelector()
                      .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                        .withNewSpec().addNewContainer().withName("app").withImage("app").endContainer().endSpec()
                      .endTemplate()
                    .endSpec().build()).create();
            client.pods().inNamespace(NS).resource(new PodBuilder()
                    .withNewMetadata().withName("web-0").addToLabels("app", "web")
                      .addToAnnotations("baton.dev/control-address", "127.0.0.1:" + baton.control).endMetadata()
                    .withNewSpec().addNewContainer().withName("app").withImage("app")
                      .addNewPort().withName("baton").withContainerPort(baton.control).endPort().endContainer().endSpec()
                    .withNewStatus().withPhase("Running").withPodIP("127.0.0.1")
                      .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                    .build()).create();

            Path kube = Files.createDirectory(tmp.resolve("kube"));
            Files.writeString(kube.resolve("config"), """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: mock
                      cluster: {server: "http://127.0.0.1:%d"}
                    users:
                    - name: operator
                      user: {token: "mock"}
                    contexts:
                    - name: mock
                      context: {cluster: mock, user: operator, namespace: %s}
                    current-context: mock
                    """.formatted(server.getPort(), NS));
            Files.setPosixFilePermissions(kube.resolve("config"), PosixFilePermissions.fromString("rw-r--r--"));
            int metrics = FreePorts.next();
            List<String> command = new ArrayList<>(strings(imageConfig(operatorArchive).path("config").path("Entrypoint")));
            // --token-secret=: the Baton image's baton here runs without a control token.
            command.addAll(List.of("--metrics-address=127.0.0.1:" + metrics, "--no-leader-election", "--identity=it",
                    "--token-secret="));
            String c = container("oci-archive:" + operatorArchive);
            try (StartedProcess operator = StartedProcess.command(Buildah.runCommand(c,
                    List.of("-v", kube + ":/kube:ro", "-e", "KUBECONFIG=/kube/config"), command)).start()) {
                await().atMost(Duration.ofMinutes(2)).until(() -> Http.bodyOrNull(metrics, "/healthz") != null
                        || !operator.isAlive());
                assertThat(Http.get(metrics, "/healthz").status()).as("operator's output:%n%s", operator.output()).isEqualTo(200);

                Reload reload = new Reload();
                reload.setMetadata(new ObjectMeta());
                reload.getMetadata().setName("deploy-1");
                reload.getMetadata().setNamespace(NS);
                reload.getSpec().setTarget(new ReloadTarget("Deployment", "web"));
                client.resources(Reload.class).inNamespace(NS).resource(reload).create();

                await().atMost(Duration.ofMinutes(2)).until(() -> {
                    Reload r = client.resources(Reload.class).inNamespace(NS).withName("deploy-1").get();
                    return r.getStatus() != null && r.getStatus().isDone();
                });
                ReloadStatus status = client.resources(Reload.class).inNamespace(NS).withName("deploy-1").get().getStatus();
                assertThat(status.getPhase()).as("operator's output:%n%s", operator.output()).isEqualTo(ReloadStatus.SUCCEEDED);
                assertThat(Http.bodyOrNull(baton.port, "/")).startsWith("gen=000002");
                assertThat(Http.get(metrics, "/metrics").body()).contains("baton_operator_reloads_total");

                // A normal run, its shutdown included: a TERM is not a lost Lease.
                signalJava(operator, "TERM");
                operator.awaitExit(Duration.ofMinutes(1));
                operator.awaitOutputEnd(Duration.ofSeconds(10));
                Quiet.assertNoWarnings("the operator image", operator.output());
                assertThat(operator.output()).contains("stopped: shutting down");
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Signals the JVM under {@code process} (an image's entrypoint, under buildah run's own processes). */
    private static void signalJava(StartedProcess process, String signal) {
        for (ProcessHandle h : process.handle().descendants().toList()) {
            if (h.info().command().map(c -> c.endsWith("/java")).orElse(false)) {
                Signals.require(h.pid(), signal);
            }
        }
    }

    /** baton started from the Baton image's entrypoint, serving the sample worker (mounted at /sample). */
    private RunningBaton startBaton() throws Exception {
        JsonNode config = imageConfig(batonArchive).path("config");
        String c = container("oci-archive:" + batonArchive);
        int port = FreePorts.next();
        int control = FreePorts.next();
        List<String> command = new ArrayList<>(strings(config.path("Entrypoint")));
        command.addAll(List.of("--port=127.0.0.1:" + port, "--control=127.0.0.1:" + control, "--",
                "java", "-javaagent:/opt/baton/baton-agent.jar", "-jar", "/sample/" + Dirs.sampleJar().getFileName(),
                "jdk", "--port", Integer.toString(port), "--host", "127.0.0.1"));
        StartedProcess p = StartedProcess.command(Buildah.runCommand(c,
                List.of("-v", Dirs.sampleJar().getParent() + ":/sample:ro"), command)).start();
        RunningBaton baton = new RunningBaton(p, port, control);
        await().atMost(Duration.ofMinutes(2)).until(() -> Http.bodyOrNull(port, "/") != null || !p.isAlive());
        assertThat(Http.bodyOrNull(port, "/")).as("baton's output:%n%s", p.output()).startsWith("gen=000001");
        return baton;
    }

    record RunningBaton(StartedProcess process, int port, int control) implements AutoCloseable {
        long pid() throws Exception {
            return JSON.readTree(Http.get(control, "/status").body()).path("pid").asLong();
        }

        @Override
        public void close() throws Exception {
            if (process.isAlive()) {
                Signals.send(pid(), "TERM");
                assertThat(process.awaitExit(Duration.ofMinutes(1))).as("baton's exit; output:%n%s", process.output()).isZero();
                process.awaitOutputEnd(Duration.ofSeconds(10));
            }
            process.close();
            Quiet.assertNoWarnings("the Baton image", process.output());
        }
    }

    private String container(String image) throws Exception {
        String c = Buildah.from(image);
        containers.add(c);
        return c;
    }

    /** The image's OCI config, read from the archive itself (what a registry would get). */
    static JsonNode imageConfig(Path archive) throws Exception {
        JsonNode index = JSON.readTree(extract(archive, "index.json"));
        JsonNode manifest = JSON.readTree(extract(archive, blob(index.path("manifests").get(0).path("digest").asText())));
        return JSON.readTree(extract(archive, blob(manifest.path("config").path("digest").asText())));
    }

    private static String blob(String digest) {
        return "blobs/" + digest.replace(':', '/');
    }

    private static String extract(Path archive, String member) throws Exception {
        return Commands.run(Duration.ofMinutes(1), "tar", "-xOf", archive.toString(), member).ok().output();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
