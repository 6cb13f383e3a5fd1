package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.GlobalStoreWriter;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The aggregator's topology, as a pure function of its settings:
 *
 * <pre>
 * pricing.catalog → global store "prices" (every instance holds every price)
 * tokens.consumed ─ intake (decode, check, time guard, dedupe) ─┬─ rejected → tokens.rejected
 *                                                              ├─ late     → tokens.late
 *                                                              └─ accepted → price, add to the pending
 *       minute totals of its seven subjects; every combine interval each subject-minute's sum goes on
 *   → repartition by subject → add to buckets (minute, hour, day, month) → usage.aggregates
 * </pre>
 */
public final class UsageTopology {

  /** Every model's prices, on every instance (a global store of {@code pricing.catalog}). */
  static final String PRICE_STORE = "prices";

  /** The repartition topic's name within the application id. */
  static final String BY_SUBJECT = "usage-by-subject";

  private UsageTopology() {}

  public static Topology build(AggregatorConfig config, TopicCatalog topics, MeterRegistry registry) {
    StreamsBuilder builder = new StreamsBuilder();
    var eventSerde = AvroSerdes.tokensConsumed();
    builder.addGlobalStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PRICE_STORE), Serdes.String(),
            AvroSerdes.modelPrice()).withLoggingDisabled(),
        topics.pricingCatalog().name(),
        Consumed.with(Serdes.String(), AvroSerdes.modelPrice()).withName("pricing-catalog"),
        () -> new GlobalStoreWriter<>(PRICE_STORE));
    builder.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(IntakeProcessor.DEDUPE_STORE), Serdes.String(), Serdes.Long()));
    // The events since the last combine interval, for a restore to sum again (see DeltaProcessor):
    // few and short-lived, so kept in memory, with a changelog.
    builder.addStateStore(Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(DeltaProcessor.PENDING_STORE), Serdes.Integer(), Serdes.ByteArray()));
    builder.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(BucketProcessor.BUCKET_STORE), BucketKey.SERDE, AvroSerdes.usageAggregate()));

    Map<String, KStream<String, Intake>> outcomes = builder
        .stream(topics.tokensConsumed().name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
            .withName("tokens-consumed"))
        .process(() -> new IntakeProcessor(eventSerde, config, registry), Named.as("intake"),
            IntakeProcessor.DEDUPE_STORE)
        .split(Named.as("intake-"))
        .branch((key, outcome) -> outcome instanceof Intake.Rejected, Branched.as("rejected"))
        .branch((key, outcome) -> outcome instanceof Intake.Late, Branched.as("late"))
        .defaultBranch(Branched.as("accepted"));

    outcomes.get("intake-rejected")
        .map((key, outcome) -> {
          var rejected = (Intake.Rejected) outcome;
          return KeyValue.pair(rejected.rawKey(), rejected.rawValue());
        }, Named.as("unwrap-rejected"))
        .to(topics.tokensRejected().name(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));

    outcomes.get("intake-late")
        .mapValues(outcome -> ((Intake.Late) outcome).event(), Named.as("unwrap-late"))
        .to(topics.tokensLate().name(), Produced.with(Serdes.String(), eventSerde));

    outcomes.get("intake-accepted")
        .process(() -> new DeltaProcessor(eventSerde, config, registry), Named.as("deltas"), DeltaProcessor.PENDING_STORE)
        .repartition(Repartitioned.<String, UsageAggregate>as(BY_SUBJECT)
            .withKeySerde(Serdes.String()).withValueSerde(AvroSerdes.usageAggregate()))
        .process(() -> new BucketProcessor(config, registry), Named.as("buckets"),
            BucketProcessor.BUCKET_STORE)
        .to(topics.usageAggregates().name(), Produced.with(Serdes.String(), AvroSerdes.usageAggregate()));

    return builder.build();
  }

}
