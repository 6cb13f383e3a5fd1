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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import org.apache.kafka.common.utils.AppInfoParser;
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
  private static final HttpClient HTTP = HttpClient.newHttpClient();
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
    Dockerfile dockerfile = Dockerfile.read(ROOT.resolve("Dockerfile"));
    JsonNode services = compose().path("services");
    String version = dockerfile.arg("VERSION");

    for (var entry : APPS.entrySet()) {
      JsonNode service = services.path(entry.getKey());
      App app = entry.getValue();
      String stage = service.path("build").path("target").asText();
      assertThat(stage).isEqualTo(app.module());
      assertThat(service.path("image").asText()).isEqualTo("tokenledger/" + app.module() + ":" + version);

      String jar = app.module() + "/target/" + app.module() + "-" + version + "-all.jar";
      assertThat(dockerfile.instructions(stage)).contains("COPY --from=build /src/" + jar.replace(version, "${VERSION}") + " /app/app.jar");
      assertThat(ROOT.resolve(jar)).as("the jar the image copies, as Maven builds it").exists();
      assertThat(dockerfile.instructions(stage)).contains("EXPOSE " + app.port());
      assertThat(dockerfile.effective(stage, "USER")).as("the user of %s", stage).isNotEmpty()
          .doesNotStartWith("0").doesNotStartWith("root");
      assertThat(dockerfile.effective(stage, "HEALTHCHECK")).contains(HealthCheck.class.getName() + "\", \"" + app.port() + "\"");
      assertThat(environment(entry.getKey())).containsEntry("TOKENLEDGER_HTTP_PORT", Integer.toString(app.port()));
      assertThat(texts(service.path("ports"))).contains(app.port() + ":" + app.port());
    }
    for (String streamsApp : List.of("aggregator", "alerting")) {
      String stateDir = dockerfile.effective(APPS.get(streamsApp).module(), "ENV").replace("TOKENLEDGER_STATE_DIR=", "");
      assertThat(texts(services.path(streamsApp).path("volumes"))).as("%s keeps its state in a volume", streamsApp)
          .anyMatch(volume -> volume.endsWith(":" + stateDir));
      assertThat(environment(streamsApp)).as("the address other instances forward queries to")
          .containsEntry("TOKENLEDGER_ADVERTISED_HOST", streamsApp);
    }
    JsonNode traffic = services.path("demo-traffic");
    assertThat(traffic.path("build").path("target").asText()).isIn(dockerfile.stages());
    assertThat(texts(traffic.path("command"))).contains("http://ingest:8081", "http://alerting:8083");
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
    String version = Dockerfile.read(ROOT.resolve("Dockerfile")).arg("VERSION");
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
      App app = APPS.values().stream().filter(a -> image.equals("tokenledger/" + a.module() + ":" + version))
          .findFirst().orElseThrow(() -> new AssertionError("no app image: " + image));
      Map<String, String> env = new LinkedHashMap<>(shared);
      container.path("env").forEach(variable -> env.put(variable.path("name").asText(), variable.path("value").asText()));
      env.remove("POD_NAME");
      Set<String> known = Settings.of(app.defaults(), Map.of()).asMap().keySet().stream()
          .map(Settings::environmentName).collect(Collectors.toSet());
      env.keySet().forEach(name -> assertThat(name.startsWith("TOKENLEDGER_KAFKA_") || known.contains(name))
          .as("%s sets %s, a setting %s does not have", doc.path("metadata").path("name").asText(), name, app.module())
          .isTrue());
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

    Dockerfile dockerfile = Dockerfile.read(ROOT.resolve("Dockerfile"));
    JsonNode topicsService = compose().path("services").path("topics");
    List<String> setUp = new ArrayList<>(dockerfile.exec(topicsService.path("build").path("target").asText(), "ENTRYPOINT"));
    setUp.addAll(texts(topicsService.path("command")));
    Map<String, String> setUpEnv = new HashMap<>(environment("topics"));
    setUpEnv.putAll(local);
    assertThat(run(setUp, setUpEnv)).as("exit code of the topics service's command").isZero();
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
        await().atMost(Duration.ofSeconds(60)).until(() -> send(app, "GET", "/ready", null, null).statusCode() == 200);
      }

      for (var app : apps.entrySet()) {
        List<String> healthCheck = dockerfile.exec(APPS.get(app.getKey()).module(), "HEALTHCHECK");
        assertThat(run(healthCheck, Map.of("TOKENLEDGER_HTTP_PORT", Integer.toString(app.getValue().httpPort()))))
            .as("exit code of %s's health check while it is ready", app.getKey()).isZero();
      }

      var posted = send(apps.get("ingest"), "POST", "/v1/events", demoKeys.get("TOKENLEDGER_PUBLISH_KEY"),
          "{\"userId\":\"compose-user\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"inputTokens\":1200,\"outputTokens\":300}");
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(send(apps.get("aggregator"), "GET",
          "/v1/usage?dimension=user&key=compose-user&period=day", demoKeys.get("TOKENLEDGER_READ_KEY"), null).body())
          .contains("\"totalTokens\":1500"));
      var quota = send(apps.get("alerting"), "PUT", "/v1/quotas/compose-daily", demoKeys.get("TOKENLEDGER_ADMIN_KEY"),
          "{\"subject\":\"user:compose-user\",\"metric\":\"tokens\",\"period\":\"day\",\"limit\":100000}");
      assertThat(quota.statusCode()).as(quota.body()).isEqualTo(200);
      assertThat(send(apps.get("ingest"), "POST", "/v1/events", demoKeys.get("TOKENLEDGER_READ_KEY"), "{}").statusCode())
          .as("a read key may not publish").isEqualTo(403);
    } finally {
      running.forEach(RunningApp::close);
    }
    List<String> healthCheck = dockerfile.exec("ingest-app", "HEALTHCHECK");
    assertThat(run(healthCheck, Map.of("TOKENLEDGER_HTTP_PORT", Integer.toString(apps.get("ingest").httpPort()))))
        .as("exit code of the health check once the app stopped").isEqualTo(1);
  }

  /**
   * Runs an image's command here: its java is this JVM's, its jars the ones Maven built; the
   * environment only {@code env} of the TokenLedger settings.
   */
  private static int run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
    List<String> local = new ArrayList<>();
    for (String argument : command) {
      local.add(argument.equals("java") ? ProcessHandle.current().info().command().orElseThrow() : argument);
    }
    ProcessBuilder process = new ProcessBuilder(local).redirectErrorStream(true)
        .redirectOutput(Files.createTempFile("image-command", ".log").toFile());
    process.environment().keySet().removeIf(name -> name.startsWith("TOKENLEDGER_"));
    process.environment().putAll(env);
    Process started = process.start();
    if (!started.waitFor(120, TimeUnit.SECONDS)) {
      started.destroyForcibly();
      throw new AssertionError(local + " did not end within 120 s");
    }
    return started.exitValue();
  }

  private static HttpResponse<String> send(RunningApp app, String method, String path, String key, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path))
        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
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

  /** A Dockerfile's stages and their instructions (continuation lines joined, comments dropped). */
  private record Dockerfile(Map<String, List<String>> stageInstructions, Map<String, String> bases, Map<String, String> args) {

    private static final Pattern FROM = Pattern.compile("FROM (\\S+) AS (\\S+)");
    private static final Pattern COPY_JAR = Pattern.compile("COPY --from=build /src/(\\S+\\.jar) (\\S+)");

    static Dockerfile read(Path file) throws IOException {
      String joined = Files.readAllLines(file).stream().filter(line -> !line.startsWith("#"))
          .collect(Collectors.joining("\n")).replaceAll("\\\\\n\\s*", "");
      Map<String, List<String>> stages = new LinkedHashMap<>();
      Map<String, String> bases = new HashMap<>();
      Map<String, String> args = new HashMap<>();
      List<String> current = null;
      for (String line : joined.split("\n")) {
        String instruction = line.trim();
        Matcher from = FROM.matcher(instruction);
        if (from.matches()) {
          current = new ArrayList<>();
          stages.put(from.group(2), current);
          bases.put(from.group(2), from.group(1));
        } else if (current != null && !instruction.isEmpty()) {
          current.add(instruction);
          if (instruction.startsWith("ARG ") && instruction.contains("=")) {
            String[] arg = instruction.substring(4).split("=", 2);
            args.put(arg[0], arg[1]);
          }
        }
      }
      return new Dockerfile(stages, bases, args);
    }

    Set<String> stages() {
      return stageInstructions.keySet();
    }

    List<String> instructions(String stage) {
      return stageInstructions.getOrDefault(stage, List.of());
    }

    String arg(String name) {
      return args.get(name);
    }

    /**
     * The exec-form command of a stage's ENTRYPOINT or HEALTHCHECK, with the image's jars
     * replaced by the ones Maven built.
     */
    List<String> exec(String stage, String instruction) throws IOException {
      String text = effective(stage, instruction);
      List<String> command = new ArrayList<>();
      for (JsonNode argument : new ObjectMapper().readTree(text.substring(text.indexOf('[')))) {
        command.add(argument.asText());
      }
      String version = arg("VERSION");
      for (String copy : instructions(stage)) {
        Matcher jar = COPY_JAR.matcher(copy);
        if (jar.matches()) {
          Path built = ROOT.resolve(jar.group(1).replace("${VERSION}", version));
          command.replaceAll(argument -> argument.equals(jar.group(2)) ? built.toString() : argument);
        }
      }
      return command;
    }

    /** The last {@code instruction} of the stage or, failing that, of the stage it is built on. */
    String effective(String stage, String instruction) {
      for (String current = stage; current != null; current = bases.get(current)) {
        List<String> matching = instructions(current).stream()
            .filter(line -> line.startsWith(instruction + " ")).toList();
        if (!matching.isEmpty()) {
          return matching.get(matching.size() - 1).substring(instruction.length() + 1);
        }
      }
      return "";
    }
  }
}
