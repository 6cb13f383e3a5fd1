package dev.tokenledger.alerting;

import dev.tokenledger.runtime.AppContext;
import dev.tokenledger.runtime.GlobalTableAdmin;
import dev.tokenledger.runtime.HttpServer;
import dev.tokenledger.runtime.InstanceRouter;
import dev.tokenledger.runtime.Liveness;
import dev.tokenledger.runtime.Metrics;
import dev.tokenledger.runtime.RunningApp;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.runtime.Shutdown;
import dev.tokenledger.runtime.StreamsRuntime;
import dev.tokenledger.schemas.avro.AlertAction;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * alerting-app: runs {@link AlertingTopology} with exactly-once processing, and serves the quota
 * admin API and alert queries over HTTP.
 */
public final class AlertingApp {

  private static final Logger log = LoggerFactory.getLogger(AlertingApp.class);

  private AlertingApp() {}

  public static void main(String[] args) {
    RunningApp.main("alerting-app", args, AlertingApp::start);
  }

  public static RunningApp start(Settings settings) {
    AppContext context = AppContext.create("alerting-app", settings);
    AlertingConfig config = AlertingConfig.from(settings);
    Duration closeTimeout = settings.duration("tokenledger.shutdown.timeout");
    PrometheusMeterRegistry registry = Metrics.newRegistry("alerting-app");
    Shutdown shutdown = new Shutdown();
    Liveness liveness = new Liveness();
    try {
      context.createMissingTopics();
      AtomicReference<KafkaStreams> streamsRef = new AtomicReference<>();
      AtomicReference<HostInfo> self = new AtomicReference<>();
      AtomicReference<WebhookDispatcher> webhooks = new AtomicReference<>();
      QuotaIndex quotaIndex = new QuotaIndex();
      Freshness freshness = new Freshness();
      GlobalTableAdmin<QuotaDefinition> quotas = shutdown.add("quota-admin", new GlobalTableAdmin<>(
          context.topics().quotaDefinitions(), context.kafkaClientProperties("quota-admin"), streamsRef::get,
          AlertingTopology.QUOTA_STORE, config.quotaVisibilityTimeout(), registry));
      GlobalTableAdmin<AlertAction> actions = shutdown.add("alert-actions", new GlobalTableAdmin<>(
          context.topics().alertActions(), context.kafkaClientProperties("alert-actions"), streamsRef::get,
          AlertingTopology.ACTION_STORE, config.quotaVisibilityTimeout(), registry));

      HttpServer server = shutdown.add("http", HttpServer.start(new HttpServer.Options(
          context.bindAddress(), context.httpPort(), context.keys(), registry,
          () -> StreamsRuntime.notReadyReason(streamsRef.get()), liveness, 64 * 1024, Map.of(), "/alerting-app.openapi.json",
          () -> webhooks.get() == null ? Map.of() : Map.of("webhooks", webhooks.get().describe())), app ->
          new AlertingRoutes(quotas, quotaIndex, freshness, actions, new AlertQueries(streamsRef::get,
              context.partitionCount(context.topics().usageAggregates().name()),
              context.partitionCount(context.topics().tokensConsumed().name())), new QuotaStatus(config.zone()),
              new InstanceRouter(streamsRef::get, self::get), webhooks::get, Clock.systemUTC(), registry).register(app)));
      self.set(new HostInfo(context.advertisedHost(), server.port()));

      KafkaStreams streams = new KafkaStreams(
          AlertingTopology.build(config, context.topics(), quotaIndex, freshness, registry),
          StreamsRuntime.properties(context, config.applicationId(), config.standbyReplicas(),
              config.streamThreads(), self.get(), registry));
      streamsRef.set(streams);
      // Registered after the server, so closed before it: queries outlive processing.
      StreamsRuntime.start(streams, registry, shutdown, closeTimeout, liveness);
      if (!config.webhooks().urls().isEmpty()) {
        webhooks.set(shutdown.add("webhooks", new WebhookDispatcher(config.webhooks(), context.topics().usageAlerts(),
            context.topics().webhookFailures(), context.kafkaClientProperties("webhooks"),
            config.applicationId() + "-webhooks", registry)));
        log.info("delivering alerts to webhooks: {}", WebhookDispatcher.describe(config.webhooks()));
      }
      return new RunningApp("alerting-app", shutdown, server, liveness);
    } catch (RuntimeException e) {
      shutdown.close();
      throw e;
    }
  }

}
