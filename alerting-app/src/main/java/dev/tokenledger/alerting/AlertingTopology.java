package dev.tokenledger.alerting;

import dev.tokenledger.runtime.GlobalStoreWriter;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.QuotaExceeded;
import dev.tokenledger.schemas.avro.UsageAlert;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The alerting topology, as a pure function of its settings:
 *
 * <pre>
 * quota.definitions → global store "quotas" (every instance holds every quota)
 * usage.aggregates ─ evaluate against binding quotas, fire once ─┬─ UsageAlert    → usage.alerts
 *                                                                └─ QuotaExceeded → quota.exceeded
 * </pre>
 */
public final class AlertingTopology {

  /** Every quota definition, on every instance. */
  static final String QUOTA_STORE = "quotas";

  private AlertingTopology() {}

  public static Topology build(AlertingConfig config, TopicCatalog topics, MeterRegistry registry) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addGlobalStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(QUOTA_STORE),
            Serdes.String(), AvroSerdes.quotaDefinition()).withLoggingDisabled(),
        topics.quotaDefinitions().name(),
        Consumed.with(Serdes.String(), AvroSerdes.quotaDefinition()).withName("quota-definitions"),
        () -> new GlobalStoreWriter<>(QUOTA_STORE));
    builder.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(QuotaEvaluator.FIRED_STORE), Serdes.String(), AvroSerdes.usageAlert()));
    builder.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(QuotaEvaluator.DAY_TOTALS_STORE), Serdes.String(), AvroSerdes.usageAggregate()));

    var outputs = builder
        .stream(topics.usageAggregates().name(), Consumed.with(Serdes.String(), AvroSerdes.usageAggregate())
            .withName("usage-aggregates"))
        .process(() -> new QuotaEvaluator(config.zone(), registry), Named.as("evaluate-quotas"),
            QuotaEvaluator.FIRED_STORE, QuotaEvaluator.DAY_TOTALS_STORE)
        .split(Named.as("fired-"))
        .branch((subject, event) -> event instanceof UsageAlert, Branched.as("alert"))
        .defaultBranch(Branched.as("exceeded"));

    outputs.get("fired-alert")
        .mapValues(event -> (UsageAlert) event, Named.as("as-alert"))
        .to(topics.usageAlerts().name(), Produced.with(Serdes.String(), AvroSerdes.usageAlert()));
    outputs.get("fired-exceeded")
        .mapValues(event -> (QuotaExceeded) event, Named.as("as-exceeded"))
        .to(topics.quotaExceeded().name(), Produced.with(Serdes.String(), AvroSerdes.quotaExceeded()));
    return builder.build();
  }
}
