package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.avro.TokenSource;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.time.ZoneId;
import java.util.Optional;

/**
 * The arithmetic of bucket totals, exactly: every sum is checked for overflow and sub-nano costs
 * carry. Totals form a monoid ({@link #plus}), so an event's totals, a sum of events and a bucket
 * are all the same thing, and sums can be taken in any grouping.
 */
final class UsageTotals {

  private UsageTotals() {}

  static UsageAggregate empty(Subject subject, CalendarWindow window, ZoneId zone) {
    return UsageAggregate.newBuilder()
        .setDimension(subject.dimension())
        .setKey(subject.key())
        .setPeriod(window.period())
        .setZone(zone.getId())
        .setWindowStart(window.start())
        .setWindowEnd(window.end())
        .setLastEventAt(window.start())
        .build();
  }

  /**
   * One event's totals in {@code window}'s bucket of {@code subject}.
   *
   * @param cost the event's cost, empty when it is unpriced
   * @param contextWindow the event's context window, or the catalogue's, or null
   */
  static UsageAggregate of(Subject subject, CalendarWindow window, ZoneId zone, TokensConsumed event,
      Optional<Pricing.Cost> cost, Long contextWindow) {
    UsageAggregate totals = empty(subject, window, zone);
    totals.setRequests(1);
    if (!event.getSuccess()) {
      totals.setFailedRequests(1);
      totals.setFailedRequestTokens(Math.addExact(event.getInputTokens(), event.getOutputTokens()));
    }
    totals.setInputTokens(event.getInputTokens());
    totals.setOutputTokens(event.getOutputTokens());
    totals.setCachedInputTokens(event.getCachedInputTokens());
    totals.setCacheWriteTokens(event.getCacheWriteTokens());
    totals.setReasoningTokens(event.getReasoningTokens());
    totals.setSystemTokens(event.getSystemTokens());
    if (cost.isEmpty()) {
      totals.setUnpricedRequests(1);
    } else {
      totals.setCostNanos(cost.get().nanos());
      totals.setCostRemainderFemtos(cost.get().remainderFemtos());
    }
    if (event.getTokenSource() == TokenSource.ESTIMATED) {
      totals.setEstimatedRequests(1);
    }
    if (event.getLatencyMs() != null) {
      totals.setLatencyMsSum(event.getLatencyMs());
      totals.setLatencyMsMax(event.getLatencyMs());
    }
    if (contextWindow != null && contextWindow > 0) {
      long used = Math.addExact(event.getInputTokens(), event.getOutputTokens());
      totals.setMaxContextUtilizationPpm(Math.multiplyExact(used, 1_000_000L) / contextWindow);
    }
    if (event.getOccurredAt().isAfter(totals.getLastEventAt())) {
      totals.setLastEventAt(event.getOccurredAt());
    }
    return totals;
  }

  /** {@code bucket} with {@code more} added (sums, maxima, the latest event); both are left unchanged. */
  static UsageAggregate plus(UsageAggregate bucket, UsageAggregate more) {
    UsageAggregate next = UsageAggregate.newBuilder(bucket).build();
    next.setRequests(Math.addExact(bucket.getRequests(), more.getRequests()));
    next.setFailedRequests(Math.addExact(bucket.getFailedRequests(), more.getFailedRequests()));
    next.setFailedRequestTokens(Math.addExact(bucket.getFailedRequestTokens(), more.getFailedRequestTokens()));
    next.setInputTokens(Math.addExact(bucket.getInputTokens(), more.getInputTokens()));
    next.setOutputTokens(Math.addExact(bucket.getOutputTokens(), more.getOutputTokens()));
    next.setCachedInputTokens(Math.addExact(bucket.getCachedInputTokens(), more.getCachedInputTokens()));
    next.setCacheWriteTokens(Math.addExact(bucket.getCacheWriteTokens(), more.getCacheWriteTokens()));
    next.setReasoningTokens(Math.addExact(bucket.getReasoningTokens(), more.getReasoningTokens()));
    next.setSystemTokens(Math.addExact(bucket.getSystemTokens(), more.getSystemTokens()));
    long remainder = bucket.getCostRemainderFemtos() + more.getCostRemainderFemtos();
    next.setCostNanos(Math.addExact(Math.addExact(bucket.getCostNanos(), more.getCostNanos()),
        remainder / Pricing.FEMTOS_PER_NANO));
    next.setCostRemainderFemtos(remainder % Pricing.FEMTOS_PER_NANO);
    next.setUnpricedRequests(Math.addExact(bucket.getUnpricedRequests(), more.getUnpricedRequests()));
    next.setEstimatedRequests(Math.addExact(bucket.getEstimatedRequests(), more.getEstimatedRequests()));
    next.setLatencyMsSum(Math.addExact(bucket.getLatencyMsSum(), more.getLatencyMsSum()));
    next.setLatencyMsMax(Math.max(bucket.getLatencyMsMax(), more.getLatencyMsMax()));
    next.setMaxContextUtilizationPpm(Math.max(bucket.getMaxContextUtilizationPpm(), more.getMaxContextUtilizationPpm()));
    if (more.getLastEventAt().isAfter(bucket.getLastEventAt())) {
      next.setLastEventAt(more.getLastEventAt());
    }
    return next;
  }
}
