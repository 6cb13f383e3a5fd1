package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.ProcessorSchedules;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The fold of the shared subjects (all, provider, model, feature, tenant) in their subject's task,
 * after the repartition: adds each task's sum of a window (a minute, or an hour or coarser for
 * events past the minutes' retention) to the subject's buckets of that period and the coarser
 * ones ({@link BucketWriter}), written and published before each commit ({@link CommitTrigger}).
 *
 * <p>All four periods take the sum or none does: a running total that would overflow throws
 * before anything is written, and the exception handler routes the sum to {@code tokens.rejected}
 * (category {@code overflow}). What it holds in memory is made anew in {@code init}.
 */
final class SharedSubjectsProcessor implements Processor<String, UsageAggregate, String, Fold> {

  static final String BUCKETS = "shared-buckets";
  static final String HISTORY = "shared-bucket-history";
  static final String TRIGGER = "shared-fold-commit";
  static final List<Dimension> DIMENSIONS =
      List.of(Dimension.ALL, Dimension.PROVIDER, Dimension.MODEL, Dimension.FEATURE, Dimension.TENANT);

  private final AggregatorConfig config;
  private final MeterRegistry registry;
  private ProcessorContext<String, Fold> context;
  private BucketWriter buckets;
  private CommitTrigger trigger;
  private final ProcessorSchedules schedules = new ProcessorSchedules();

  SharedSubjectsProcessor(AggregatorConfig config, MeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public void init(ProcessorContext<String, Fold> context) {
    schedules.cancelAll();
    this.context = context;
    Publication publication = new Publication(context);
    this.buckets = new BucketWriter(config, context.getStateStore(BUCKETS), context.getStateStore(HISTORY),
        publication, registry);
    this.trigger = CommitTrigger.listen(context, schedules, TRIGGER, config.caughtUpCommitInterval(),
        () -> buckets.flush(Instant.ofEpochMilli(context.currentSystemTimeMs())));
    BucketPurge purge = new BucketPurge(config, buckets, context.getStateStore(BUCKETS), context.getStateStore(HISTORY),
        publication, DIMENSIONS, registry);
    schedules.schedule(context, BucketPurge.INTERVAL, PunctuationType.WALL_CLOCK_TIME, purge::run);
  }

  @Override
  public void close() {
    schedules.cancelAll();
  }

  @Override
  public void process(Record<String, UsageAggregate> record) {
    Subject subject = Subject.parse(record.key());
    UsageAggregate sum = record.value();
    Totals totals = Totals.of(sum);
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    CalendarWindow[] windows = buckets.windowsFrom(sum.getPeriod(), sum.getWindowStart());
    SubjectBuckets entry = buckets.entry(subject);
    String overflow = buckets.overflow(subject, entry, windows, now, totals);
    if (overflow != null) {
      trigger.arm(); // the entry is held: written at the commit, as the purge may change it
      throw new ArithmeticException(overflow + "; refusing the " + sum.getPeriod().name().toLowerCase(Locale.ROOT) + "'s totals from " + sum.getWindowStart());
    }
    buckets.add(subject, entry, windows, now, totals, sum.getRequests());
    trigger.arm();
    if (buckets.full()) {
      context.commit();
    }
  }
}
