package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.avro.TokenSource;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

/** Adds one event to a bucket's totals, exactly: every sum is checked for overflow. */
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
   * The bucket with the event added; {@code bucket} itself is left unchanged.
   *
   * @param cost the event's cost, empty when it is unpriced
   * @param contextWindow the event's context window, or the catalogue's, or null
   */
  static UsageAggregate add(UsageAggregate bucket, TokensConsumed event, Optional<Pricing.Cost> cost, Long contextWindow) {
    UsageAggregate next = UsageAggregate.newBuilder(bucket).build();
    next.setRequests(Math.addExact(bucket.getRequests(), 1));
    if (!event.getSuccess()) {
      next.setFailedRequests(Math.addExact(bucket.getFailedRequests(), 1));
      next.setFailedRequestTokens(Math.addExact(bucket.getFailedRequestTokens(),
          Math.addExact(event.getInputTokens(), event.getOutputTokens())));
    }
    next.setInputTokens(Math.addExact(bucket.getInputTokens(), event.getInputTokens()));
    next.setOutputTokens(Math.addExact(bucket.getOutputTokens(), event.getOutputTokens()));
    next.setCachedInputTokens(Math.addExact(bucket.getCachedInputTokens(), event.getCachedInputTokens()));
    next.setCacheWriteTokens(Math.addExact(bucket.getCacheWriteTokens(), event.getCacheWriteTokens()));
    next.setReasoningTokens(Math.addExact(bucket.getReasoningTokens(), event.getReasoningTokens()));
    next.setSystemTokens(Math.addExact(bucket.getSystemTokens(), event.getSystemTokens()));
    if (cost.isEmpty()) {
      next.setUnpricedRequests(Math.addExact(bucket.getUnpricedRequests(), 1));
    } else {
      long remainder = bucket.getCostRemainderFemtos() + cost.get().remainderFemtos();
      next.setCostNanos(Math.addExact(bucket.getCostNanos(),
          Math.addExact(cost.get().nanos(), remainder / Pricing.FEMTOS_PER_NANO)));
      next.setCostRemainderFemtos(remainder % Pricing.FEMTOS_PER_NANO);
    }
    if (event.getTokenSource() == TokenSource.ESTIMATED) {
      next.setEstimatedRequests(Math.addExact(bucket.getEstimatedRequests(), 1));
    }
    if (event.getLatencyMs() != null) {
      next.setLatencyMsSum(Math.addExact(bucket.getLatencyMsSum(), event.getLatencyMs()));
      next.setLatencyMsMax(Math.max(bucket.getLatencyMsMax(), event.getLatencyMs()));
    }
    if (contextWindow != null && contextWindow > 0) {
      long used = Math.addExact(event.getInputTokens(), event.getOutputTokens());
      long ppm = Math.multiplyExact(used, 1_000_000L) / contextWindow;
      next.setMaxContextUtilizationPpm(Math.max(bucket.getMaxContextUtilizationPpm(), ppm));
    }
    Instant occurredAt = event.getOccurredAt();
    if (occurredAt.isAfter(bucket.getLastEventAt())) {
      next.setLastEventAt(occurredAt);
    }
    return next;
  }
}
