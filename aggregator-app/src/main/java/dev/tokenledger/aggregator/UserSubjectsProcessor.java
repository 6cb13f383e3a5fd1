package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.ProcessorSchedules;
import dev.tokenledger.runtime.RejectedRecord;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.TokensConsumed;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The fold in the task of the user's partition, where every event of a user arrives: adds each
 * accepted event to the user's and the user × model's buckets ({@link BucketWriter}: in memory
 * until the commit, then one store write, one changelog record and one publication per touched
 * subject and bucket), and to this task's minute sums of the shared subjects (all, provider,
 * model, feature, tenant), which go through the repartition to their subject's task once per
 * commit instead of once per event.
 *
 * <p>Both leave before each commit ({@link CommitTrigger}), in the transaction that commits the
 * events' input offsets. What this processor holds in memory is made anew in {@code init}: Kafka
 * Streams reuses the instance after a suspension or a revival, and a task closed dirty must start
 * again from its committed state.
 */
final class UserSubjectsProcessor implements Processor<String, Intake.Accepted, String, Fold> {

  static final String BUCKETS = "user-buckets";
  static final String HISTORY = "user-bucket-history";
  static final String TRIGGER = "user-fold-commit";

  private final AggregatorConfig config;
  private final MeterRegistry registry;
  private final Rejections rejections;
  private ProcessorContext<String, Fold> context;
  /** These three are made anew in init: Kafka Streams calls it again on this instance after a suspension or a revival. */
  private BucketWriter buckets;
  private SharedSums shared;
  private CommitTrigger trigger;
  private final ProcessorSchedules schedules = new ProcessorSchedules();

  UserSubjectsProcessor(AggregatorConfig config, MeterRegistry registry) {
    this.config = config;
    this.registry = registry;
    this.rejections = new Rejections(config.applicationId(), registry);
  }

  @Override
  public void init(ProcessorContext<String, Fold> context) {
    schedules.cancelAll();
    this.context = context;
    this.shared = new SharedSums();
    Publication publication = new Publication(context);
    this.buckets = new BucketWriter(config, context.getStateStore(BUCKETS), context.getStateStore(HISTORY),
        publication, registry);
    this.trigger = CommitTrigger.listen(context, schedules, TRIGGER, config.caughtUpCommitInterval(), () -> {
      shared.drain(this::send);
      buckets.flush(Instant.ofEpochMilli(context.currentSystemTimeMs()));
    });
    BucketPurge purge = new BucketPurge(config, buckets, context.getStateStore(BUCKETS), context.getStateStore(HISTORY),
        publication, List.of(Dimension.USER, Dimension.USER_MODEL), registry);
    schedules.schedule(context, BucketPurge.INTERVAL, PunctuationType.WALL_CLOCK_TIME, purge::run);
  }

  @Override
  public void close() {
    schedules.cancelAll();
  }

  @Override
  public void process(Record<String, Intake.Accepted> record) {
    TokensConsumed event = record.value().event();
    Totals totals = Totals.of(event, record.value().cost(), record.value().contextWindow());
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    CalendarWindow[] windows = buckets.windows(event.getOccurredAt());
    String model = Subject.modelKey(event);
    Subject user = new Subject(Dimension.USER, event.getUserId());
    Subject userModel = new Subject(Dimension.USER_MODEL, event.getUserId() + "/" + model);
    SubjectBuckets userEntry = buckets.entry(user);
    SubjectBuckets userModelEntry = buckets.entry(userModel);
    String overflow = buckets.overflow(user, userEntry, windows, now, totals);
    overflow = overflow != null ? overflow : buckets.overflow(userModel, userModelEntry, windows, now, totals);
    if (overflow != null) {
      // Nothing changed yet: refused whole, never counted in part. The entries are held now, and
      // held entries are written at the commit (a purge may change them meanwhile).
      trigger.arm();
      RejectedRecord refused = rejections.reject(context, record.key().getBytes(StandardCharsets.UTF_8),
          record.value().rawValue(), record.headers(), record.timestamp(), Rejections.Reason.OVERFLOW, overflow);
      context.forward(new Record<>(null, new Fold.Refused(refused), context.currentSystemTimeMs(), refused.headers()));
      return;
    }
    buckets.add(user, userEntry, windows, now, totals, 1);
    buckets.add(userModel, userModelEntry, windows, now, totals, 1);
    CalendarWindow finest = buckets.finestLive(windows, now);
    if (finest != null) {
      shared.add(event, model, finest, totals, this::send);
    }
    trigger.arm();
    if (buckets.full()) {
      context.commit();
    }
  }

  /**
   * Sends one shared subject's sum of a window on, keyed by the subject, timed as its latest
   * event: the shared task's stream time is then event time too, and it counts as caught up only
   * when the events are ({@link CommitTrigger}).
   */
  private void send(Subject subject, CalendarWindow window, Totals sum) {
    context.forward(new Record<>(subject.toString(),
        new Fold.SharedSum(sum.toAggregate(subject, window, config.zone())), sum.get(Totals.LAST_EVENT_AT)));
  }
}
