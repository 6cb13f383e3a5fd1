package dev.tokenledger.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tokenledger.aggregator.AggregatorApp;
import dev.tokenledger.alerting.AlertingApp;
import dev.tokenledger.ingest.IngestApp;
import dev.tokenledger.kafkalocal.KafkaBrokerExtension;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.HealthCheck;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.Topic;
import dev.tokenledger.schemas.TopicCatalog;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.internals.AppInfoParser;
import org.apache.kafka.server.config.AbstractKafkaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-compose.yml, the Dockerfile and the Kubernetes sketch, checked without a Docker engine or
 * a cluster: every name, port, key, setting and file they mention must be what the apps and the
 * build really have; then the apps run here with exactly the Compose environment (broker address,
 * ports and state dirs aside) on a real broker, topics created by the set-up step, keys from the
 * env files.
 */
class DeploymentFilesTest {

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Map<String, App> APPS = Map.of(
      "ingest", new App("ingest-app", 8081, IngestApp::start),
      "aggregator", new App("aggregator-app", 8082, AggregatorApp::start),
      "alerting", new App("alerting-app", 8083, AlertingApp::start));

  @TempDir Path dir;

  private record App(String module, int port, Function<Settings, RunningApp> start) {
    String defaults() {
      return "/" + module + ".properties";
    }
  }

  @Test
  void shouldRunTheKafkaReleaseTheAppsAreBuiltWithOnAValidKraftConfiguration() throws IOException {
    JsonNode kafka = compose().path("services").path("kafka");
    Map<String, String> env = fields(kafka.path("environment"));

    assertThat(kafka.path("image").asText()).isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
    assertThat(Uuid.fromString(env.get("CLUSTER_ID"))).as("CLUSTER_ID is a Kafka cluster id").isNotNull();
    Set<String> brokerConfigs = AbstractKafkaConfig.CONFIG_DEF.names();
    env.keySet().stream().filter(name -> name.startsWith("KAFKA_")).forEach(name ->
        assertThat(brokerConfigs).as("the broker setting %s", name)
            .contains(name.substring("KAFKA_".length()).toLowerCase().replace('_', '.')));
    String advertised = env.get("KAFKA_ADVERTISED_LISTENERS");
    for (String service : APPS.keySet()) {
      String bootstrap = environment(service).get("TOKENLEDGER_KAFKA_BOOTSTRAP_SERVERS");
      assertThat(advertised).as("%s's bootstrap server is a listener the broker advertises", service)
          .contains("://" + bootstrap);
    }
  }

  @Test
  void shouldBuildEachAppFromItsJarAsANonRootImageWithAHealthCheckOnItsPort() throws IOException {
    Dockerfile dockerfile = Dockerfile.read(ROOT);
    JsonNode services = compose().path("services");
    String version = dockerfile.arg("VERSION");

    for (var entry : APPS.entrySet()) {
      JsonNode service = services.path(entry.getKey());
      App app = entry.getValue();
      String stage = service.path("build").path("target").asText();
      assertThat(stage).isEqualTo(app.module());
      assertThat(service.path("image").asText()).isEqualTo("tokenledger/" + app.module() + ":" + version);

      String jar = app.module() + "/target/" + app.module() + "-" + version + "-all.jar";
      assertThat(dockerfile.copiedFromJars(stage)).containsEntry(jar, "/app/app.jar");
      assertThat(ROOT.resolve(jar)).as("the jar the image copies, as Maven builds it").exists();
      assertThat(dockerfile.instructions(stage)).contains("EXPOSE " + app.port());
      assertThat(dockerfile.env(stage)).containsEntry("TOKENLEDGER_HTTP_PORT", Integer.toString(app.port()));
      assertThat(dockerfile.user(stage)).as("the user of %s", stage).hasValueSatisfying(user ->
          assertThat(Integer.parseInt(user)).isPositive());
      assertThat(dockerfile.effective(stage, "HEALTHCHECK")).contains(HealthCheck.class.getName());
      assertThat(texts(service.path("ports"))).contains(app.port() + ":" + app.port());
    }
    for (String streamsApp : List.of("aggregator", "alerting")) {
      String stateDir = dockerfile.env(APPS.get(streamsApp).module()).get("TOKENLEDGER_STATE_DIR");
      assertThat(texts(services.path(streamsApp).path("volumes"))).as("%s keeps its state in a volume", streamsApp)
          .anyMatch(volume -> volume.endsWith(":" + stateDir));
      assertThat(environment(streamsApp)).as("the address other instances forward queries to")
          .containsEntry("TOKENLEDGER_ADVERTISED_HOST", streamsApp);
    }
    JsonNode traffic = services.path("demo-traffic");
    assertThat(traffic.path("build").path("target").asText()).isIn(dockerfile.stages());
    assertThat(texts(traffic.path("command"))).contains("http://ingest:8081", "http://alerting:8083");
    JsonNode cli = services.path("cli");
    assertThat(cli.path("build").path("target").asText()).isIn(dockerfile.stages());
    assertThat(fields(cli.path("environment"))).containsEntry("TOKENLEDGER_AGGREGATOR_URL", "http://aggregator:8082")
        .containsEntry("TOKENLEDGER_ALERTING_URL", "http://alerting:8083");
  }

  /** {@code docker build --build-arg JARS=local}: the images over the jars built on this machine. */
  @Test
  void shouldBuildTheImagesOverTheJarsBuiltHereToo() throws IOException {
    Dockerfile dockerfile = Dockerfile.read(ROOT);
    List<String> dockerignore = Files.readAllLines(ROOT.resolve(".dockerignore"));
    Set<String> provided = dockerfile.providedLocally();

    for (String stage : dockerfile.stages()) {
      for (String path : dockerfile.copiedFromJars(stage).keySet()) {
        assertThat(provided).as("the local stage provides %s, which %s copies", path, stage).contains(path);
        assertThat(dockerignore).as(".dockerignore lets %s into the build context", path)
            .anyMatch(line -> line.startsWith("!") && FileSystems.getDefault()
                .getPathMatcher("glob:" + line.substring(1)).matches(Path.of(path)));
      }
    }
  }

  @Test
  void shouldGiveEveryAppOnlySettingsItKnowsAndTheDemoKeysTheRightRoles() throws IOException {
    for (var entry : APPS.entrySet()) {
      Map<String, String> env = environment(entry.getKey());
      Set<String> known = Settings.of(entry.getValue().defaults(), Map.of()).asMap().keySet().stream()
          .map(Settings::environmentName).collect(Collectors.toSet());
      env.keySet().forEach(name -> assertThat(name.startsWith("TOKENLEDGER_KAFKA_") || known.contains(name))
          .as("%s sets %s, a setting %s does not have", entry.getKey(), name, entry.getValue().module()).isTrue());
      assertThat(env).containsEntry("TOKENLEDGER_TOPICS_CREATE_ON_START", "false");
      assertThat(fields(compose().path("services").path(entry.getKey()).path("depends_on").path("topics")))
          .containsEntry("condition", "service_completed_successfully");
    }
    JsonNode topics = compose().path("services").path("topics");
    assertThat(texts(topics.path("command"))).containsExactly(RunningApp.CREATE_TOPICS);

    Map<String, String> demoKeys = envFile("deploy/compose/demo-keys.env");
    ApiKeys accepted = ApiKeys.inline(environment("ingest").get("TOKENLEDGER_AUTH_KEYS"));
    assertThat(accepted.authenticate(demoKeys.get("TOKENLEDGER_PUBLISH_KEY"))).map(ApiKeys.Principal::role).contains(Role.PUBLISH);
    assertThat(accepted.authenticate(demoKeys.get("TOKENLEDGER_READ_KEY"))).map(ApiKeys.Principal::role).contains(Role.READ);
    assertThat(accepted.authenticate(demoKeys.get("TOKENLEDGER_ADMIN_KEY"))).map(ApiKeys.Principal::role).contains(Role.ADMIN);
    assertThat(envFile("deploy/compose/keys.env").values()).as("the apps get hashes, never the keys")
        .noneMatch(value -> demoKeys.values().stream().anyMatch(value::contains));
  }

  /**
   * Compose's own reading of the file: Debian's docker-compose validates it against the Compose
   * schema and resolves the env files without a Docker engine. Skipped where it is not installed
   * ({@code .ci/run} installs it).
   */
  @Test
  void shouldBeValidForDockerComposeWhichReadsTheSameEnvironments() throws Exception {
    assumeTrue(onPath("docker-compose"), "docker-compose is not installed");
    Path rendered = Files.createTempFile("compose-config", ".yml");
    Process config = new ProcessBuilder("docker-compose", "--profile", "monitoring", "config")
        .directory(ROOT.toFile()).redirectOutput(rendered.toFile()).redirectErrorStream(false)
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    assertThat(config.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(config.exitValue()).as("docker-compose config's exit code").isZero();

    JsonNode services = YAML.readTree(rendered.toFile()).path("services");
    List<String> declared = new ArrayList<>();
    compose().path("services").fieldNames().forEachRemaining(declared::add);
    assertThat(services.fieldNames()).toIterable().containsExactlyInAnyOrderElementsOf(declared);
    for (String service : List.of("topics", "ingest", "aggregator", "alerting", "demo-traffic")) {
      assertThat(fields(services.path(service).path("environment")))
          .as("the environment Compose gives %s", service).isEqualTo(environment(service));
    }
  }

  private static boolean onPath(String program) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }

  @Test
  void shouldScrapeEveryAppAndProvisionTheDashboardFromFilesInTheRepository() throws IOException {
    JsonNode services = compose().path("services");
    for (JsonNode service : List.of(services.path("prometheus"), services.path("grafana"))) {
      for (String volume : texts(service.path("volumes"))) {
        assertThat(ROOT.resolve(volume.split(":")[0])).as("mounted %s", volume).exists();
      }
    }
    String scrapeConfig = Files.readString(ROOT.resolve("deploy/prometheus/prometheus.yml"));
    for (var entry : APPS.entrySet()) {
      assertThat(scrapeConfig).contains(entry.getKey() + ":" + entry.getValue().port());
    }
  }

  @Test
  void shouldGiveEveryKubernetesPodSettingsItsAppKnowsAndItsOwnStateAndAddress() throws IOException {
    List<JsonNode> documents = YAML.readerFor(JsonNode.class)
        .<JsonNode>readValues(ROOT.resolve("deploy/kubernetes/tokenledger.yaml").toFile()).readAll();
    Map<String, String> shared = new LinkedHashMap<>();
    documents.stream().filter(doc -> Set.of("ConfigMap", "Secret").contains(doc.path("kind").asText()))
        .forEach(doc -> {
          shared.putAll(fields(doc.path("data")));
          shared.putAll(fields(doc.path("stringData")));
        });
    Dockerfile dockerfile = Dockerfile.read(ROOT);
    String version = dockerfile.arg("VERSION");
    int workloads = 0;
    for (JsonNode doc : documents) {
      String kind = doc.path("kind").asText();
      if (!Set.of("Job", "Deployment", "StatefulSet").contains(kind)) {
        continue;
      }
      JsonNode pod = doc.path("spec").path("template");
      workloads++;
      JsonNode container = pod.path("spec").path("containers").get(0);
      String image = container.path("image").asText();
      App app = APPS.values().stream().filter(a -> image.endsWith("/tokenledger/" + a.module() + ":" + version))
          .findFirst().orElseThrow(() -> new AssertionError("no app image: " + image));
      Map<String, String> env = new LinkedHashMap<>(shared);
      container.path("env").forEach(variable -> env.put(variable.path("name").asText(), variable.path("value").asText()));
      env.remove("POD_NAME");
      Set<String> known = Settings.of(app.defaults(), Map.of()).asMap().keySet().stream()
          .map(Settings::environmentName).collect(Collectors.toSet());
      env.keySet().forEach(name -> assertThat(name.startsWith("TOKENLEDGER_KAFKA_") || known.contains(name))
          .as("%s sets %s, a setting %s does not have", doc.path("metadata").path("name").asText(), name, app.module())
          .isTrue());
      assertThat(pod.path("spec").path("securityContext").path("runAsUser").asText())
          .isEqualTo(dockerfile.user(app.module()).orElseThrow());
      if (kind.equals("Job")) {
        assertThat(texts(container.path("args"))).containsExactly(RunningApp.CREATE_TOPICS);
        continue;
      }
      String port = Integer.toString(app.port());
      assertThat(env).containsEntry("TOKENLEDGER_HTTP_PORT", port);
      assertThat(container.path("ports").get(0).path("containerPort").asText()).isEqualTo(port);
      assertThat(pod.path("metadata").path("annotations").path("prometheus.io/port").asText()).isEqualTo(port);
      assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/ready");
      if (kind.equals("StatefulSet")) {
        assertThat(container.path("volumeMounts").findValuesAsText("mountPath"))
            .as("the state dir is on the pod's own volume").contains(env.get("TOKENLEDGER_STATE_DIR"));
        assertThat(pod.path("spec").path("securityContext").path("fsGroup").asText())
            .as("the state volume is writable for the image's user").isEqualTo(dockerfile.user(app.module()).orElseThrow());
        assertThat(env.get("TOKENLEDGER_ADVERTISED_HOST")).as("a stable address of this pod")
            .startsWith("$(POD_NAME)." + doc.path("spec").path("serviceName").asText() + ".");
      }
    }
    assertThat(workloads).as("the topics job and the three apps").isEqualTo(4);
  }

  /**
   * The Compose system without Docker: the set-up step's {@code --create-topics}, then the three
   * apps with the Compose environment, the demo keys at work end to end.
   */
  @Test
  void shouldServeTheDemoKeysWithTheComposeSettingsOnARealBroker() throws Exception {
    String prefix = "compose-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Map<String, String> local = new HashMap<>();
    local.put("TOKENLEDGER_KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers());
    local.put("TOKENLEDGER_HTTP_PORT", "0");
    local.put("TOKENLEDGER_AGGREGATOR_APPLICATION_ID", prefix + "aggregator");
    local.put("TOKENLEDGER_ALERTING_APPLICATION_ID", prefix + "alerting");
    for (Topic<?, ?> topic : TopicCatalog.create(Map.of()).all()) {
      local.put(Settings.environmentName("tokenledger.topic." + topic.name()), prefix + topic.name());
    }

    Dockerfile dockerfile = Dockerfile.read(ROOT);
    JsonNode topicsService = compose().path("services").path("topics");
    String topicsImage = topicsService.path("build").path("target").asText();
    List<String> setUp = new ArrayList<>(dockerfile.exec(topicsImage, "ENTRYPOINT"));
    setUp.addAll(texts(topicsService.path("command")));
    Map<String, String> setUpEnv = new HashMap<>(environment("topics"));
    setUpEnv.putAll(local);
    Ran setUpRun = run(dockerfile, topicsImage, setUp, setUpEnv);
    assertThat(setUpRun.exitCode()).as("exit code of the topics service's command:%n%s", setUpRun.output()).isZero();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
      Map<String, TopicDescription> created = admin.describeTopics(
          TopicCatalog.create(Map.of()).all().stream().map(t -> prefix + t.name()).toList()).allTopicNames().get();
      assertThat(created).hasSize(TopicCatalog.create(Map.of()).all().size());
      assertThat(created.get(prefix + "tokens.consumed").partitions())
          .hasSize(Integer.parseInt(environment("topics").get("TOKENLEDGER_TOPICS_PARTITIONS")));
    }

    Map<String, String> demoKeys = envFile("deploy/compose/demo-keys.env");
    List<RunningApp> running = new ArrayList<>();
    Map<String, RunningApp> apps = new LinkedHashMap<>();
    try {
      for (String service : List.of("aggregator", "alerting", "ingest")) {
        Map<String, String> env = new HashMap<>(environment(service));
        env.putAll(local);
        env.put("TOKENLEDGER_STATE_DIR", dir.resolve(service).toString());
        App app = APPS.get(service);
        RunningApp started = app.start().apply(Settings.load(app.defaults(), new String[0], env));
        running.add(started);
        apps.put(service, started);
      }
      for (RunningApp app : apps.values()) {
        await().atMost(Duration.ofSeconds(60)).until(() -> AppStack.send(app, "GET", "/ready", null, null).statusCode() == 200);
      }

      for (var app : apps.entrySet()) {
        String image = APPS.get(app.getKey()).module();
        Ran healthy = run(dockerfile, image, dockerfile.exec(image, "HEALTHCHECK"),
            Map.of("TOKENLEDGER_HTTP_PORT", Integer.toString(app.getValue().httpPort())));
        assertThat(healthy.exitCode()).as("%s's health check while it is ready:%n%s", app.getKey(), healthy.output()).isZero();
      }

      var posted = AppStack.send(apps.get("ingest"), "POST", "/v1/events", demoKeys.get("TOKENLEDGER_PUBLISH_KEY"),
          "{\"userId\":\"compose-user\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"inputTokens\":1200,\"outputTokens\":300}");
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(AppStack.send(apps.get("aggregator"), "GET",
          "/v1/usage?dimension=user&key=compose-user&period=day", demoKeys.get("TOKENLEDGER_READ_KEY"), null).body())
          .contains("\"totalTokens\":1500"));
      Map<String, String> cliEnv = new HashMap<>(environment("cli"));
      cliEnv.put("TOKENLEDGER_AGGREGATOR_URL", "http://127.0.0.1:" + apps.get("aggregator").httpPort());
      cliEnv.put("TOKENLEDGER_ALERTING_URL", "http://127.0.0.1:" + apps.get("alerting").httpPort());
      List<String> usage = new ArrayList<>(dockerfile.exec("cli", "ENTRYPOINT"));
      usage.addAll(List.of("usage", "compose-user"));
      Ran shown = run(dockerfile, "cli", usage, cliEnv);
      assertThat(shown.exitCode()).as(shown.output()).isZero();
      assertThat(shown.output()).as("docker compose run --rm cli usage compose-user").contains("1,500");
      var quota = AppStack.send(apps.get("alerting"), "PUT", "/v1/quotas/compose-daily", demoKeys.get("TOKENLEDGER_ADMIN_KEY"),
          "{\"subject\":\"user:compose-user\",\"metric\":\"tokens\",\"period\":\"day\",\"limit\":100000}");
      assertThat(quota.statusCode()).as(quota.body()).isEqualTo(200);
      assertThat(AppStack.send(apps.get("ingest"), "POST", "/v1/events", demoKeys.get("TOKENLEDGER_READ_KEY"), "{}").statusCode())
          .as("a read key may not publish").isEqualTo(403);
    } finally {
      running.forEach(RunningApp::close);
    }
    Ran stopped = run(dockerfile, "ingest-app", dockerfile.exec("ingest-app", "HEALTHCHECK"),
        Map.of("TOKENLEDGER_HTTP_PORT", Integer.toString(apps.get("ingest").httpPort())));
    assertThat(stopped.exitCode()).as("the health check once the app stopped").isEqualTo(1);
  }

  /** What an image's command printed, and its exit code. */
  private record Ran(int exitCode, String output) {}

  /**
   * Runs a stage's command here, as its container would: the image's environment (its state dir
   * aside) and {@code env}, none of this JVM's TokenLedger settings.
   */
  private static Ran run(Dockerfile dockerfile, String stage, List<String> command, Map<String, String> env)
      throws IOException, InterruptedException {
    Path output = Files.createTempFile("image-command", ".log");
    ProcessBuilder process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    process.environment().keySet().removeIf(name -> name.startsWith("TOKENLEDGER_"));
    process.environment().putAll(dockerfile.env(stage));
    process.environment().remove("TOKENLEDGER_STATE_DIR");
    process.environment().putAll(env);
    Process started = process.start();
    if (!started.waitFor(120, TimeUnit.SECONDS)) {
      started.destroyForcibly();
      throw new AssertionError(command + " did not end within 120 s");
    }
    return new Ran(started.exitValue(), Files.readString(output));
  }

  private static JsonNode compose() throws IOException {
    return YAML.readTree(ROOT.resolve("docker-compose.yml").toFile());
  }

  /** A service's environment as Compose builds it: its env files in order, then its own entries. */
  private static Map<String, String> environment(String service) throws IOException {
    JsonNode node = compose().path("services").path(service);
    Map<String, String> env = new LinkedHashMap<>();
    for (String file : texts(node.path("env_file"))) {
      env.putAll(envFile(file));
    }
    env.putAll(fields(node.path("environment")));
    return env;
  }

  private static Map<String, String> envFile(String file) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : Files.readAllLines(ROOT.resolve(file))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int equals = line.indexOf('=');
        env.put(line.substring(0, equals), line.substring(equals + 1));
      }
    }
    return env;
  }

  private static Map<String, String> fields(JsonNode node) {
    Map<String, String> fields = new LinkedHashMap<>();
    node.fields().forEachRemaining(field -> fields.put(field.getKey(), field.getValue().asText()));
    return fields;
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(item -> texts.add(item.asText()));
    return texts;
  }
}
