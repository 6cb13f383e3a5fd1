package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.RejectedRecord;
import dev.tokenledger.schemas.avro.UsageAggregate;

/** What the folds send on: published buckets, shared subjects' sums, refused events. */
sealed interface Fold {

  /** A bucket's latest totals for {@code usage.aggregates}, keyed by its {@code AggregateKey}; null: purged. */
  record Bucket(UsageAggregate totals) implements Fold {}

  /** One task's sum of a shared subject's window (its minute, or a coarser one past the minutes' retention), keyed by the subject, for the repartition. */
  record SharedSum(UsageAggregate minute) implements Fold {}

  /** An event a running total of its user's could not take without overflowing, as it goes to {@code tokens.rejected}. */
  record Refused(RejectedRecord record) implements Fold {}
}
