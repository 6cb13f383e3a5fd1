package dev.tokenledger.alerting;

import dev.tokenledger.runtime.GlobalStoreWriter;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.Topic;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.QuotaExceeded;
import dev.tokenledger.schemas.avro.UsageAlert;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The alerting topology, as a pure function of its settings:
 *
 * <pre>
 * quota.definitions, pricing.catalog, alert.actions → global stores (every instance holds all)
 * usage.aggregates ─ LIMIT and FORECAST quotas, fired once ─┐
 * tokens.consumed  ─ REQUEST quotas (per-request ceilings) ─┴┬─ UsageAlert    → usage.alerts
 *                                                            └─ QuotaExceeded → quota.exceeded
 * </pre>
 */
public final class AlertingTopology {

  /** Every quota definition, on every instance. */
  static final String QUOTA_STORE = "quotas";
  /** Every model's prices, for per-request cost ceilings. */
  static final String PRICE_STORE = "prices";
  /** The latest acknowledgement or dismissal of each alert. */
  static final String ACTION_STORE = "alert-actions";

  private AlertingTopology() {}

  /**
   * @param quotas filled from the quota store as it loads (shared with the HTTP handlers)
   * @param freshness how current each partition's totals are (shared with the HTTP handlers)
   */
  static Topology build(AlertingConfig config, TopicCatalog topics, QuotaIndex quotas, Freshness freshness,
      MeterRegistry registry) {
    StreamsBuilder builder = new StreamsBuilder();
    globalStore(builder, QUOTA_STORE, topics.quotaDefinitions(), quotas);
    globalStore(builder, PRICE_STORE, topics.pricingCatalog(), null);
    globalStore(builder, ACTION_STORE, topics.alertActions(), null);
    localStore(builder, QuotaEvaluator.FIRED_STORE, AvroSerdes.usageAlert());
    localStore(builder, QuotaEvaluator.FIRED_INDEX_STORE, Serdes.String());
    localStore(builder, WindowUseStore.NAME, WindowUse.serde());
    localStore(builder, RequestEvaluator.FIRED_REQUEST_STORE, AvroSerdes.usageAlert());
    localStore(builder, RequestEvaluator.FIRED_REQUEST_INDEX_STORE, Serdes.String());

    KStream<String, SpecificRecord> fromBuckets = builder
        .stream(topics.usageAggregates().name(), Consumed.with(Serdes.String(), AvroSerdes.usageAggregate())
            .withName("usage-aggregates"))
        .process(() -> new QuotaEvaluator(config.zone(), quotas, config.alertRetention(), freshness, registry),
            Named.as("evaluate-quotas"), QuotaEvaluator.FIRED_STORE, QuotaEvaluator.FIRED_INDEX_STORE,
            WindowUseStore.NAME);
    KStream<String, SpecificRecord> fromRequests = builder
        .stream(topics.tokensConsumed().name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
            .withName("tokens-consumed"))
        .process(() -> new RequestEvaluator(AvroSerdes.tokensConsumed(), quotas, config.alertRetention(),
            config.maxFutureSkew(), config.zone(), config.models(), registry), Named.as("evaluate-requests"),
            RequestEvaluator.FIRED_REQUEST_STORE, RequestEvaluator.FIRED_REQUEST_INDEX_STORE);

    var outputs = fromBuckets.merge(fromRequests, Named.as("fired"))
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

  private static <V> void globalStore(StreamsBuilder builder, String name, Topic<String, V> topic,
      GlobalStoreWriter.Mirror<V> mirror) {
    builder.addGlobalStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), topic.valueSerde())
            .withLoggingDisabled(),
        topic.name(),
        Consumed.with(Serdes.String(), topic.valueSerde()).withName(name + "-source"),
        () -> new GlobalStoreWriter<V>(name, mirror));
  }

  private static <V> void localStore(StreamsBuilder builder, String name, Serde<V> valueSerde) {
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), valueSerde));
  }
}
