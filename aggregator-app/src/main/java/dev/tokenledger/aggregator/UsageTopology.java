package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.GlobalStoreWriter;
import dev.tokenledger.schemas.AggregateKey;
import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.Stores;

/**
 * The aggregator's topology, as a pure function of its settings:
 *
 * <pre>
 * pricing.catalog → global store "prices" (every instance holds every price)
 * tokens.consumed ─ check (size, decode, rules, future guard, placement) ─┬─ rejected  → tokens.rejected
 *                                                                         ├─ misplaced → repartition by userId ─ check ─┐
 *                                                                         └─ checked ───────────────────────────────────┴─┐
 *   intake (dedupe by eventId, price, late) ─┬─ rejected (cost over the ceiling) → tokens.rejected
 *                                            ├─ late → tokens.late
 *                                            └─ accepted ─┐
 *   user-subjects: fold into the user's and user × model's buckets (in memory, store "user-buckets"),
 *                  add to this task's sums of the five shared subjects' minutes
 *                  (an event that would overflow its user's totals → tokens.rejected);
 *                  before each commit ─┬─ each changed bucket once → usage.aggregates
 *                                      └─ each shared minute sum once → repartition by subject ─┐
 *   shared-subjects: fold each sum into the subject's buckets (in memory, store "shared-buckets");
 *                    before each commit each changed bucket once → usage.aggregates (keyed by bucket)
 * </pre>
 *
 * The rerouted events and those already on their user's partition meet in one task per
 * partition, so a retry published with another key (or another client's partitioner) still meets
 * its first copy in that task's dedupe store.
 */
public final class UsageTopology {

  /** Every model's prices, on every instance (a global store of {@code pricing.catalog}). */
  static final String PRICE_STORE = "prices";

  /** The repartition topics' names within the application id. */
  static final String BY_SUBJECT = "usage-by-subject";
  static final String BY_USER = "events-by-user";

  private UsageTopology() {}

  /**
   * @param eventPartitions the partitions of {@code tokens.consumed}: where each user's events
   *     are counted ({@link dev.tokenledger.schemas.KeyPartitioner})
   */
  public static Topology build(AggregatorConfig config, TopicCatalog topics, int eventPartitions,
      MeterRegistry registry) {
    StreamsBuilder builder = new StreamsBuilder();
    var eventSerde = AvroSerdes.tokensConsumed();
    builder.addGlobalStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PRICE_STORE), Serdes.String(),
            AvroSerdes.modelPrice()).withLoggingDisabled(),
        topics.pricingCatalog().name(),
        Consumed.with(Serdes.String(), AvroSerdes.modelPrice()).withName("pricing-catalog"),
        () -> new GlobalStoreWriter<>(PRICE_STORE));
    builder.addStateStore(EventIds.storeBuilder(config.dedupeRetention()));
    // Every subject's buckets, written by its fold once a commit (BucketWriter), so not cached.
    for (String entries : List.of(UserSubjectsProcessor.BUCKETS, SharedSubjectsProcessor.BUCKETS)) {
      builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(entries), Serdes.String(),
          SubjectBuckets.SERDE));
    }
    for (String history : List.of(UserSubjectsProcessor.HISTORY, SharedSubjectsProcessor.HISTORY)) {
      builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(history), BucketKey.SERDE,
          AvroSerdes.usageAggregate()));
    }
    for (String trigger : List.of(IntakeProcessor.TRIGGER, UserSubjectsProcessor.TRIGGER, SharedSubjectsProcessor.TRIGGER)) {
      builder.addStateStore(CommitTrigger.storeBuilder(trigger));
    }

    Map<String, KStream<String, Intake>> firstPass = builder
        .stream(topics.tokensConsumed().name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
            .withName("tokens-consumed"))
        .process(() -> new RecordCheckProcessor(eventSerde, config, eventPartitions, registry), Named.as("check"))
        .split(Named.as("check-"))
        .branch((key, outcome) -> outcome instanceof Intake.Rejected, Branched.as("rejected"))
        .branch((key, outcome) -> outcome instanceof Intake.Misplaced, Branched.as("misplaced"))
        .defaultBranch(Branched.as("checked"));

    Map<String, KStream<String, Intake>> rerouted = firstPass.get("check-misplaced")
        .map((userId, outcome) -> KeyValue.pair(userId.getBytes(StandardCharsets.UTF_8),
            ((Intake.Misplaced) outcome).rawValue()), Named.as("unwrap-misplaced"))
        // Keyed by the userId's bytes: the partition Kafka's default partitioner gives the userId.
        .repartition(Repartitioned.<byte[], byte[]>as(BY_USER).withKeySerde(Serdes.ByteArray())
            .withValueSerde(Serdes.ByteArray()).withNumberOfPartitions(eventPartitions))
        .process(() -> new RecordCheckProcessor(eventSerde, config, 0, registry), Named.as("recheck"))
        .split(Named.as("recheck-"))
        .branch((key, outcome) -> outcome instanceof Intake.Rejected, Branched.as("rejected"))
        .defaultBranch(Branched.as("checked"));

    Map<String, KStream<String, Intake>> intake = firstPass.get("check-checked")
        .merge(rerouted.get("recheck-checked"), Named.as("on-user-partition"))
        .mapValues(outcome -> (Intake.Checked) outcome, Named.as("as-checked"))
        .process(() -> new IntakeProcessor(config, registry), Named.as("intake"), EventIds.STORE, IntakeProcessor.TRIGGER)
        .split(Named.as("intake-"))
        .branch((key, outcome) -> outcome instanceof Intake.Rejected, Branched.as("rejected"))
        .branch((key, outcome) -> outcome instanceof Intake.Late, Branched.as("late"))
        .defaultBranch(Branched.as("accepted"));

    firstPass.get("check-rejected")
        .merge(rerouted.get("recheck-rejected"), Named.as("checks-rejected"))
        .merge(intake.get("intake-rejected"), Named.as("all-rejected"))
        .map((key, outcome) -> {
          var rejected = ((Intake.Rejected) outcome).record();
          return KeyValue.pair(rejected.key(), rejected.value());
        }, Named.as("unwrap-rejected"))
        .to(topics.tokensRejected().name(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));

    intake.get("intake-late")
        .mapValues(outcome -> ((Intake.Late) outcome).event(), Named.as("unwrap-late"))
        .to(topics.tokensLate().name(), Produced.with(Serdes.String(), eventSerde));

    Map<String, KStream<String, Fold>> userFold = intake.get("intake-accepted")
        .mapValues(outcome -> (Intake.Accepted) outcome, Named.as("as-accepted"))
        .process(() -> new UserSubjectsProcessor(config, registry), Named.as("user-subjects"),
            UserSubjectsProcessor.BUCKETS, UserSubjectsProcessor.HISTORY, UserSubjectsProcessor.TRIGGER)
        .split(Named.as("user-fold-"))
        .branch((key, fold) -> fold instanceof Fold.Bucket, Branched.as("bucket"))
        .branch((key, fold) -> fold instanceof Fold.SharedSum, Branched.as("shared"))
        .defaultBranch(Branched.as("refused"));

    userFold.get("user-fold-refused")
        .map((key, fold) -> {
          var refused = ((Fold.Refused) fold).record();
          return KeyValue.pair(refused.key(), refused.value());
        }, Named.as("unwrap-refused"))
        .to(topics.tokensRejected().name(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));

    KStream<String, Fold> sharedBuckets = userFold.get("user-fold-shared")
        .mapValues(fold -> ((Fold.SharedSum) fold).minute(), Named.as("unwrap-shared"))
        .repartition(Repartitioned.<String, UsageAggregate>as(BY_SUBJECT)
            .withKeySerde(Serdes.String()).withValueSerde(AvroSerdes.usageAggregate()))
        .process(() -> new SharedSubjectsProcessor(config, registry), Named.as("shared-subjects"),
            SharedSubjectsProcessor.BUCKETS, SharedSubjectsProcessor.HISTORY, SharedSubjectsProcessor.TRIGGER);

    userFold.get("user-fold-bucket").merge(sharedBuckets, Named.as("buckets"))
        .mapValues(fold -> ((Fold.Bucket) fold).totals(), Named.as("unwrap-bucket"))
        .to(topics.usageAggregates().name(), Produced.with(Serdes.String(), AvroSerdes.usageAggregate())
            .withStreamPartitioner(BY_SUBJECT_OF_KEY));

    return builder.build();
  }

  /** Every bucket of a subject in the subject's partition: consumers keep per-subject state (see {@link AggregateKey}). */
  private static final StreamPartitioner<String, UsageAggregate> BY_SUBJECT_OF_KEY =
      (topic, key, value, partitions) -> Optional.of(Set.of(AggregateKey.partition(AggregateKey.subjectOf(key), partitions)));
}
