package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.SaturatedSum;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.util.Comparator;

/** One key's totals summed over a run of windows, for top-N and stats. Cost in whole nano-USD. */
record KeyTotals(String key, long requests, long failedRequests, long inputTokens, long outputTokens,
    long cachedInputTokens, long costNanos, long costRemainderFemtos, long unpricedRequests) {

  static final Comparator<KeyTotals> BY_COST = Comparator.comparingLong(KeyTotals::costNanos)
      .thenComparingLong(KeyTotals::totalTokens).reversed().thenComparing(KeyTotals::key);
  static final Comparator<KeyTotals> BY_TOKENS = Comparator.comparingLong(KeyTotals::totalTokens)
      .thenComparingLong(KeyTotals::costNanos).reversed().thenComparing(KeyTotals::key);

  static KeyTotals of(UsageAggregate bucket) {
    return new KeyTotals(bucket.getKey(), bucket.getRequests(), bucket.getFailedRequests(), bucket.getInputTokens(),
        bucket.getOutputTokens(), bucket.getCachedInputTokens(), bucket.getCostNanos(),
        bucket.getCostRemainderFemtos(), bucket.getUnpricedRequests());
  }

  long totalTokens() {
    return SaturatedSum.of(inputTokens, outputTokens);
  }

  KeyTotals plus(KeyTotals other) {
    long remainder = costRemainderFemtos + other.costRemainderFemtos;
    return new KeyTotals(key, SaturatedSum.of(requests, other.requests), SaturatedSum.of(failedRequests, other.failedRequests),
        SaturatedSum.of(inputTokens, other.inputTokens), SaturatedSum.of(outputTokens, other.outputTokens),
        SaturatedSum.of(cachedInputTokens, other.cachedInputTokens),
        SaturatedSum.of(SaturatedSum.of(costNanos, other.costNanos), remainder / Pricing.FEMTOS_PER_NANO),
        remainder % Pricing.FEMTOS_PER_NANO, SaturatedSum.of(unpricedRequests, other.unpricedRequests));
  }
}
