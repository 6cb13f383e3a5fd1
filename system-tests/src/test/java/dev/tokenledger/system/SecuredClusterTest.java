package dev.tokenledger.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tokenledger.aggregator.AggregatorApp;
import dev.tokenledger.alerting.AlertingApp;
import dev.tokenledger.ingest.IngestApp;
import dev.tokenledger.kafkalocal.DedicatedKafkaBroker;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.AppContext;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.TopicCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apps on a cluster secured as production ones are: SASL login through {@code kafka.*}
 * settings only, and an ACL authorizer granting exactly what docs/production.md lists.
 */
class SecuredClusterTest {

  private static final String USER = "tokenledger";
  private static final String PASSWORD = "tl-secret";
  private static final String PUBLISH_KEY = "pub-key";
  private static final String READ_KEY = "read-key";
  private static final String ADMIN_KEY = "admin-key";
  private static DedicatedKafkaBroker kafka;

  @TempDir Path dir;

  @BeforeAll
  static void startSecuredBroker() {
    kafka = DedicatedKafkaBroker.startSecured(Map.of(USER, PASSWORD));
  }

  @AfterAll
  static void stopBroker() throws Exception {
    kafka.close();
  }

  @Test
  void shouldCountAndServeWithOnlyTheDocumentedAclsOverSasl() throws Exception {
    Map<String, String> asAdmin = environment(DedicatedKafkaBroker.SECURED_ADMIN, DedicatedKafkaBroker.SECURED_ADMIN_PASSWORD);
    AppContext.createTopics("topics", Settings.load("/ingest-app.properties", new String[0], asAdmin));
    Map<String, Object> adminLogin = new HashMap<>(
        DedicatedKafkaBroker.saslLogin(DedicatedKafkaBroker.SECURED_ADMIN, DedicatedKafkaBroker.SECURED_ADMIN_PASSWORD));
    adminLogin.put("bootstrap.servers", kafka.bootstrapServers());
    try (Admin admin = Admin.create(adminLogin)) {
      admin.createAcls(documentedAcls()).all().get();
    }

    Map<String, String> env = environment(USER, PASSWORD);
    List<RunningApp> running = new ArrayList<>();
    try {
      RunningApp aggregator = start(AggregatorApp::start, "/aggregator-app.properties", env, running);
      RunningApp alerting = start(AlertingApp::start, "/alerting-app.properties", env, running);
      RunningApp ingest = start(IngestApp::start, "/ingest-app.properties", env, running);
      for (RunningApp app : running) {
        await().atMost(Duration.ofSeconds(60)).until(() -> AppStack.send(app, "GET", "/ready", null, null).statusCode() == 200);
      }

      var posted = AppStack.send(ingest, "POST", "/v1/events", PUBLISH_KEY,
          "{\"userId\":\"sasl-user\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"inputTokens\":700,\"outputTokens\":50}");
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
          AppStack.send(aggregator, "GET", "/v1/usage?dimension=user&key=sasl-user&period=day", READ_KEY, null).body())
          .contains("\"totalTokens\":750"));
      var quota = AppStack.send(alerting, "PUT", "/v1/quotas/sasl-daily", ADMIN_KEY,
          "{\"subject\":\"user:sasl-user\",\"metric\":\"tokens\",\"period\":\"day\",\"limit\":500}");
      assertThat(quota.statusCode()).as(quota.body()).isEqualTo(200);
    } finally {
      running.forEach(RunningApp::close);
    }
  }

  @Test
  void shouldNotStartWithAWrongPasswordAndSaySo() {
    Map<String, String> env = environment(USER, "wrong");
    env.put("TOKENLEDGER_TOPICS_CREATE_ON_START", "true");

    assertThatThrownBy(() -> IngestApp.start(Settings.load("/ingest-app.properties", new String[0], env)))
        .hasMessageContaining("Authentication failed");
  }

  private Map<String, String> environment(String user, String password) {
    Map<String, String> env = new HashMap<>();
    env.put("TOKENLEDGER_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    DedicatedKafkaBroker.saslLogin(user, password).forEach((key, value) ->
        env.put(Settings.environmentName("kafka." + key), value));
    env.put("TOKENLEDGER_TOPICS_CREATE_ON_START", "false");
    env.put("TOKENLEDGER_HTTP_PORT", "0");
    env.put("TOKENLEDGER_AUTH_KEYS", String.join(",", ApiKeys.entry("svc", Role.PUBLISH, PUBLISH_KEY),
        ApiKeys.entry("finance", Role.READ, READ_KEY), ApiKeys.entry("ops", Role.ADMIN, ADMIN_KEY)));
    return env;
  }

  private RunningApp start(Function<Settings, RunningApp> starter, String defaults, Map<String, String> env,
      List<RunningApp> running) {
    Map<String, String> own = new HashMap<>(env);
    own.put("TOKENLEDGER_STATE_DIR", dir.resolve(defaults.replaceAll("\\W", "")).toString());
    RunningApp app = starter.apply(Settings.load(defaults, new String[0], own));
    running.add(app);
    return app;
  }

  /** The table "What the TokenLedger principal may do" of docs/production.md, for {@link #USER}. */
  private static List<AclBinding> documentedAcls() {
    List<AclBinding> acls = new ArrayList<>();
    for (var topic : TopicCatalog.create(Map.of()).all()) {
      for (AclOperation operation : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE,
          AclOperation.DESCRIBE_CONFIGS)) {
        acls.add(allow(ResourceType.TOPIC, topic.name(), PatternType.LITERAL, operation));
      }
    }
    for (String prefix : List.of("tokenledger-aggregator", "tokenledger-alerting")) {
      for (AclOperation operation : List.of(AclOperation.CREATE, AclOperation.READ, AclOperation.WRITE,
          AclOperation.DESCRIBE, AclOperation.DELETE)) {
        acls.add(allow(ResourceType.TOPIC, prefix + "-", PatternType.PREFIXED, operation));
      }
      acls.add(allow(ResourceType.GROUP, prefix, PatternType.PREFIXED, AclOperation.READ));
      acls.add(allow(ResourceType.GROUP, prefix, PatternType.PREFIXED, AclOperation.DESCRIBE));
      acls.add(allow(ResourceType.TRANSACTIONAL_ID, prefix + "-", PatternType.PREFIXED, AclOperation.WRITE));
      acls.add(allow(ResourceType.TRANSACTIONAL_ID, prefix + "-", PatternType.PREFIXED, AclOperation.DESCRIBE));
    }
    return acls;
  }

  private static AclBinding allow(ResourceType type, String name, PatternType pattern, AclOperation operation) {
    return new AclBinding(new ResourcePattern(type, name, pattern),
        new AccessControlEntry("User:" + USER, "*", operation, AclPermissionType.ALLOW));
  }
}
