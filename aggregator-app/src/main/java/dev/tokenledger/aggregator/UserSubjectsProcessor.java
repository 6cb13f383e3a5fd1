package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.RejectedRecord;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The fold in the task of the user's partition, where every event of a user arrives: adds each
 * accepted event to the user's and the user × model's buckets ({@link BucketWriter}, behind the
 * record cache: one store write and one changelog record per touched subject and commit), and to
 * this task's minute sums of the shared subjects (all, provider, model, feature, tenant), which
 * go through the repartition to their subject's task once per commit instead of once per event.
 *
 * <p>Both leave at the cache's flush before each commit ({@link CacheFlush}): the buckets that
 * changed are published, and the shared sums are sent, in the transaction that commits the
 * events' input offsets. Every event dirties its user's entry, so whenever shared sums are held
 * a flush is due before the next commit. A commit without a flush cannot happen, and what this
 * processor holds in memory (the shared sums) is dropped in {@code init} and {@code close}, as
 * Kafka Streams drops the cache's uncommitted writes when it closes a task dirty.
 */
final class UserSubjectsProcessor implements Processor<String, Intake.Accepted, String, Fold> {

  static final String BUCKETS = "user-buckets";
  static final String HISTORY = "user-bucket-history";

  private final AggregatorConfig config;
  private final MeterRegistry registry;
  private final Rejections rejections;
  private ProcessorContext<String, Fold> context;
  private BucketWriter buckets;
  /** Made anew in init: Kafka Streams calls it again on this instance after a suspension or a revival. */
  private SharedSums shared;

  UserSubjectsProcessor(AggregatorConfig config, MeterRegistry registry) {
    this.config = config;
    this.registry = registry;
    this.rejections = new Rejections(config.applicationId(), registry);
  }

  @Override
  public void init(ProcessorContext<String, Fold> context) {
    this.context = context;
    this.shared = new SharedSums();
    this.buckets = new BucketWriter(config, context.getStateStore(BUCKETS), context.getStateStore(HISTORY), registry);
    Publication publication = new Publication(context, buckets, config.zone());
    CacheFlush.<String, SubjectBuckets>listen(context, BUCKETS, (key, now, before) -> {
      sendSharedSums();
      publication.entryFlushed(key, now, before);
    });
    CacheFlush.<BucketKey, UsageAggregate>listen(context, HISTORY,
        (key, now, before) -> publication.historyFlushed(key, now));
    BucketPurge purge = new BucketPurge(config, context.getStateStore(BUCKETS), context.getStateStore(HISTORY),
        List.of(Dimension.USER, Dimension.USER_MODEL), registry);
    context.schedule(BucketPurge.INTERVAL, PunctuationType.WALL_CLOCK_TIME, purge::run);
  }

  @Override
  public void close() {
    shared = null;
  }

  @Override
  public void process(Record<String, Intake.Accepted> record) {
    TokensConsumed event = record.value().event();
    Totals totals = Totals.of(event, record.value().cost(), record.value().contextWindow());
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    CalendarWindow[] windows = buckets.windows(event.getOccurredAt());
    String model = event.getProvider() + "/" + event.getModel();
    Subject user = new Subject(Dimension.USER, event.getUserId());
    Subject userModel = new Subject(Dimension.USER_MODEL, event.getUserId() + "/" + model);
    SubjectBuckets userEntry = buckets.entry(user);
    SubjectBuckets userModelEntry = buckets.entry(userModel);
    String overflow = buckets.overflow(user, userEntry, windows, now, totals);
    overflow = overflow != null ? overflow : buckets.overflow(userModel, userModelEntry, windows, now, totals);
    if (overflow != null) {
      // Nothing changed yet: refused whole, never counted in part.
      RejectedRecord refused = rejections.reject(context, record.key().getBytes(StandardCharsets.UTF_8),
          record.value().rawValue(), record.headers(), record.timestamp(), Rejections.Reason.OVERFLOW, overflow);
      context.forward(new Record<>(null, new Fold.Refused(refused), context.currentSystemTimeMs(), refused.headers()));
      return;
    }
    buckets.add(user, userEntry, windows, now, totals, 1);
    buckets.add(userModel, userModelEntry, windows, now, totals, 1);
    long minute = windows[SubjectBuckets.index(Period.MINUTE)].start().toEpochMilli();
    shared.add(event, model, minute, totals, this::send);
  }

  /** Sends every shared subject's minute sums on, keyed by subject (they are then forgotten). */
  private void sendSharedSums() {
    if (!shared.isEmpty()) {
      shared.drain(this::send);
    }
  }

  private void send(Subject subject, Map<Long, Totals> minutes) {
    long at = context.currentSystemTimeMs();
    minutes.forEach((minute, sum) -> context.forward(new Record<>(subject.toString(),
        new Fold.SharedSum(sum.toAggregate(subject, buckets.window(Period.MINUTE, minute), config.zone())), at)));
  }
}
