package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.avro.TokenSource;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.time.ZoneId;
import java.util.Optional;

/**
 * The arithmetic of bucket totals, exactly: every sum is checked for overflow (a total that would
 * overflow is refused, never wrapped) and sub-nano costs carry. Totals form a monoid ({@link #addInto}), so an event's totals, a sum of events and a bucket
 * are all the same thing, and sums can be taken in any grouping. Records are made with Avro's
 * plain constructor and changed in place: its builders deep-copy every default, which was a tenth
 * of the aggregator's time (measured by the bench).
 */
final class UsageTotals {

  private UsageTotals() {}

  /** A bucket with nothing in it: every count is 0. */
  static UsageAggregate empty(Subject subject, CalendarWindow window, ZoneId zone) {
    UsageAggregate empty = new UsageAggregate();
    empty.setDimension(subject.dimension());
    empty.setKey(subject.key());
    empty.setPeriod(window.period());
    empty.setZone(zone.getId());
    empty.setWindowStart(window.start());
    empty.setWindowEnd(window.end());
    empty.setLastEventAt(window.start());
    return empty;
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

  /** Whether {@link #addInto} would fit: no total of {@code sum} plus {@code more} overflows. */
  static boolean fits(UsageAggregate sum, UsageAggregate more) {
    try {
      add(sum, more, false);
      return true;
    } catch (ArithmeticException e) {
      return false;
    }
  }

  /**
   * Adds {@code more} to {@code sum} (sums, maxima, the latest event); {@code more} is left
   * unchanged. All or nothing: a total that would overflow throws, naming it, before {@code sum}
   * is changed.
   *
   * @throws ArithmeticException when a total would overflow
   */
  static void addInto(UsageAggregate sum, UsageAggregate more) {
    add(sum, more, true);
  }

  private static void add(UsageAggregate sum, UsageAggregate more, boolean apply) {
    long requests = plus("requests", sum.getRequests(), more.getRequests());
    long failedRequests = plus("failedRequests", sum.getFailedRequests(), more.getFailedRequests());
    long failedRequestTokens = plus("failedRequestTokens", sum.getFailedRequestTokens(), more.getFailedRequestTokens());
    long inputTokens = plus("inputTokens", sum.getInputTokens(), more.getInputTokens());
    long outputTokens = plus("outputTokens", sum.getOutputTokens(), more.getOutputTokens());
    long cachedInputTokens = plus("cachedInputTokens", sum.getCachedInputTokens(), more.getCachedInputTokens());
    long cacheWriteTokens = plus("cacheWriteTokens", sum.getCacheWriteTokens(), more.getCacheWriteTokens());
    long reasoningTokens = plus("reasoningTokens", sum.getReasoningTokens(), more.getReasoningTokens());
    long systemTokens = plus("systemTokens", sum.getSystemTokens(), more.getSystemTokens());
    // Both remainders are below a nano: their sum carries at most one.
    long remainder = sum.getCostRemainderFemtos() + more.getCostRemainderFemtos();
    long costNanos = plus("costNanos", plus("costNanos", sum.getCostNanos(), more.getCostNanos()),
        remainder / Pricing.FEMTOS_PER_NANO);
    long unpricedRequests = plus("unpricedRequests", sum.getUnpricedRequests(), more.getUnpricedRequests());
    long estimatedRequests = plus("estimatedRequests", sum.getEstimatedRequests(), more.getEstimatedRequests());
    long latencyMsSum = plus("latencyMsSum", sum.getLatencyMsSum(), more.getLatencyMsSum());
    if (!apply) {
      return;
    }
    sum.setRequests(requests);
    sum.setFailedRequests(failedRequests);
    sum.setFailedRequestTokens(failedRequestTokens);
    sum.setInputTokens(inputTokens);
    sum.setOutputTokens(outputTokens);
    sum.setCachedInputTokens(cachedInputTokens);
    sum.setCacheWriteTokens(cacheWriteTokens);
    sum.setReasoningTokens(reasoningTokens);
    sum.setSystemTokens(systemTokens);
    sum.setCostNanos(costNanos);
    sum.setCostRemainderFemtos(remainder % Pricing.FEMTOS_PER_NANO);
    sum.setUnpricedRequests(unpricedRequests);
    sum.setEstimatedRequests(estimatedRequests);
    sum.setLatencyMsSum(latencyMsSum);
    sum.setLatencyMsMax(Math.max(sum.getLatencyMsMax(), more.getLatencyMsMax()));
    sum.setMaxContextUtilizationPpm(Math.max(sum.getMaxContextUtilizationPpm(), more.getMaxContextUtilizationPpm()));
    if (more.getLastEventAt().isAfter(sum.getLastEventAt())) {
      sum.setLastEventAt(more.getLastEventAt());
    }
  }

  private static long plus(String total, long a, long b) {
    long sum = a + b;
    // Overflow iff both operands have the sign opposite to the result (Math.addExact's test).
    if (((a ^ sum) & (b ^ sum)) < 0) {
      throw new ArithmeticException(total + " would overflow (" + a + " + " + b + ")");
    }
    return sum;
  }
}
