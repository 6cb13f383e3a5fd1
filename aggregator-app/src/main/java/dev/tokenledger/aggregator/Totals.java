package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.avro.TokenSource;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

/**
 * The totals of one bucket, exactly, as plain longs: what the fold adds an event to a few
 * nanoseconds at a time (an Avro record per subject and event was most of the aggregator's
 * allocation). Every sum is checked: a total that would overflow is refused, never wrapped, and
 * an addition is all or nothing. Sub-nano costs carry, so a million priced events add up to
 * exactly what their tokens cost. A bucket, an event's share and a sum of events are the same
 * thing (a monoid under {@link #add}).
 */
final class Totals {

  static final int REQUESTS = 0;
  static final int FAILED_REQUESTS = 1;
  static final int FAILED_REQUEST_TOKENS = 2;
  static final int INPUT_TOKENS = 3;
  static final int OUTPUT_TOKENS = 4;
  static final int CACHED_INPUT_TOKENS = 5;
  static final int CACHE_WRITE_TOKENS = 6;
  static final int REASONING_TOKENS = 7;
  static final int SYSTEM_TOKENS = 8;
  static final int COST_NANOS = 9;
  /** The sub-nano part of the cost, in femto-USD: 0 to 999 999. */
  static final int COST_REMAINDER_FEMTOS = 10;
  static final int UNPRICED_REQUESTS = 11;
  static final int ESTIMATED_REQUESTS = 12;
  static final int LATENCY_MS_SUM = 13;
  static final int LATENCY_MS_MAX = 14;
  static final int MAX_CONTEXT_UTILIZATION_PPM = 15;
  /** Epoch milliseconds of the latest event, or {@link Long#MIN_VALUE} for none. */
  static final int LAST_EVENT_AT = 16;
  static final int CACHE_WRITE_1H_TOKENS = 17;
  static final int INPUT_AUDIO_TOKENS = 18;
  static final int INPUT_IMAGE_TOKENS = 19;
  static final int OUTPUT_AUDIO_TOKENS = 20;
  static final int OUTPUT_IMAGE_TOKENS = 21;
  static final int BATCH_REQUESTS = 22;
  static final int FLEX_REQUESTS = 23;
  static final int PRIORITY_REQUESTS = 24;
  static final int FIELDS = 25;
  /** How many fields buckets had before modalities and tiers (format 1 of the store's serde). */
  static final int FIELDS_BEFORE_MODALITIES = 17;

  private static final String[] NAMES = {"requests", "failedRequests", "failedRequestTokens", "inputTokens",
      "outputTokens", "cachedInputTokens", "cacheWriteTokens", "reasoningTokens", "systemTokens", "costNanos",
      "costRemainderFemtos", "unpricedRequests", "estimatedRequests", "latencyMsSum", "latencyMsMax",
      "maxContextUtilizationPpm", "lastEventAt", "cacheWrite1hTokens", "inputAudioTokens", "inputImageTokens",
      "outputAudioTokens", "outputImageTokens", "batchRequests", "flexRequests", "priorityRequests"};
  /** Summed fields; the remainder carries into the cost, and the last three are maxima. */
  private static final int[] SUMS = {REQUESTS, FAILED_REQUESTS, FAILED_REQUEST_TOKENS, INPUT_TOKENS, OUTPUT_TOKENS,
      CACHED_INPUT_TOKENS, CACHE_WRITE_TOKENS, REASONING_TOKENS, SYSTEM_TOKENS, UNPRICED_REQUESTS,
      ESTIMATED_REQUESTS, LATENCY_MS_SUM, CACHE_WRITE_1H_TOKENS, INPUT_AUDIO_TOKENS, INPUT_IMAGE_TOKENS,
      OUTPUT_AUDIO_TOKENS, OUTPUT_IMAGE_TOKENS, BATCH_REQUESTS, FLEX_REQUESTS, PRIORITY_REQUESTS};

  final long[] values;

  Totals() {
    values = new long[FIELDS];
    values[LAST_EVENT_AT] = Long.MIN_VALUE;
  }

  private Totals(long[] values) {
    this.values = values;
  }

  /**
   * One event's totals. Every product fits: {@code EventRules} bounds each count to 10^12.
   *
   * @param cost the event's cost, empty when it is unpriced
   * @param contextWindow the event's context window, or the catalogue's, or null
   */
  static Totals of(TokensConsumed event, Optional<Pricing.Cost> cost, Long contextWindow) {
    Totals t = new Totals();
    long[] v = t.values;
    v[REQUESTS] = 1;
    if (!event.getSuccess()) {
      v[FAILED_REQUESTS] = 1;
      v[FAILED_REQUEST_TOKENS] = event.getInputTokens() + event.getOutputTokens();
    }
    v[INPUT_TOKENS] = event.getInputTokens();
    v[OUTPUT_TOKENS] = event.getOutputTokens();
    v[CACHED_INPUT_TOKENS] = event.getCachedInputTokens();
    v[CACHE_WRITE_TOKENS] = event.getCacheWriteTokens();
    v[REASONING_TOKENS] = event.getReasoningTokens();
    v[SYSTEM_TOKENS] = event.getSystemTokens();
    v[CACHE_WRITE_1H_TOKENS] = event.getCacheWrite1hTokens();
    v[INPUT_AUDIO_TOKENS] = event.getInputAudioTokens();
    v[INPUT_IMAGE_TOKENS] = event.getInputImageTokens();
    v[OUTPUT_AUDIO_TOKENS] = event.getOutputAudioTokens();
    v[OUTPUT_IMAGE_TOKENS] = event.getOutputImageTokens();
    int tier = tierField(event.getServiceTier());
    if (tier >= 0) {
      v[tier] = 1;
    }
    if (cost.isEmpty()) {
      v[UNPRICED_REQUESTS] = 1;
    } else {
      v[COST_NANOS] = cost.get().nanos();
      v[COST_REMAINDER_FEMTOS] = cost.get().remainderFemtos();
    }
    if (event.getTokenSource() == TokenSource.ESTIMATED) {
      v[ESTIMATED_REQUESTS] = 1;
    }
    if (event.getLatencyMs() != null) {
      v[LATENCY_MS_SUM] = event.getLatencyMs();
      v[LATENCY_MS_MAX] = event.getLatencyMs();
    }
    if (contextWindow != null && contextWindow > 0) {
      v[MAX_CONTEXT_UTILIZATION_PPM] = (event.getInputTokens() + event.getOutputTokens()) * 1_000_000L / contextWindow;
    }
    v[LAST_EVENT_AT] = event.getOccurredAt().toEpochMilli();
    return t;
  }

  /** The field counting requests on {@code tier}, or -1 for the standard tier and tiers kept with it. */
  private static int tierField(String tier) {
    if (tier == null) {
      return -1;
    }
    return switch (tier) {
      case "batch" -> BATCH_REQUESTS;
      case "flex" -> FLEX_REQUESTS;
      case "priority" -> PRIORITY_REQUESTS;
      default -> -1;
    };
  }

  /** The totals of a published or stored bucket. */
  static Totals of(UsageAggregate a) {
    Totals t = new Totals();
    long[] v = t.values;
    v[REQUESTS] = a.getRequests();
    v[FAILED_REQUESTS] = a.getFailedRequests();
    v[FAILED_REQUEST_TOKENS] = a.getFailedRequestTokens();
    v[INPUT_TOKENS] = a.getInputTokens();
    v[OUTPUT_TOKENS] = a.getOutputTokens();
    v[CACHED_INPUT_TOKENS] = a.getCachedInputTokens();
    v[CACHE_WRITE_TOKENS] = a.getCacheWriteTokens();
    v[REASONING_TOKENS] = a.getReasoningTokens();
    v[SYSTEM_TOKENS] = a.getSystemTokens();
    v[COST_NANOS] = a.getCostNanos();
    v[COST_REMAINDER_FEMTOS] = a.getCostRemainderFemtos();
    v[UNPRICED_REQUESTS] = a.getUnpricedRequests();
    v[ESTIMATED_REQUESTS] = a.getEstimatedRequests();
    v[LATENCY_MS_SUM] = a.getLatencyMsSum();
    v[LATENCY_MS_MAX] = a.getLatencyMsMax();
    v[MAX_CONTEXT_UTILIZATION_PPM] = a.getMaxContextUtilizationPpm();
    v[CACHE_WRITE_1H_TOKENS] = a.getCacheWrite1hTokens();
    v[INPUT_AUDIO_TOKENS] = a.getInputAudioTokens();
    v[INPUT_IMAGE_TOKENS] = a.getInputImageTokens();
    v[OUTPUT_AUDIO_TOKENS] = a.getOutputAudioTokens();
    v[OUTPUT_IMAGE_TOKENS] = a.getOutputImageTokens();
    v[BATCH_REQUESTS] = a.getBatchRequests();
    v[FLEX_REQUESTS] = a.getFlexRequests();
    v[PRIORITY_REQUESTS] = a.getPriorityRequests();
    // A bucket's lastEventAt is its window start when it holds nothing: no event, for the sum.
    v[LAST_EVENT_AT] = a.getRequests() == 0 ? Long.MIN_VALUE : a.getLastEventAt().toEpochMilli();
    return t;
  }

  /** Totals made of {@code values} ({@value #FIELDS} of them, in field order), not copied. */
  static Totals of(long[] values) {
    if (values.length != FIELDS) {
      throw new IllegalArgumentException("totals are " + FIELDS + " numbers (got " + values.length + ")");
    }
    return new Totals(values);
  }

  long get(int field) {
    return values[field];
  }

  /** The first total that adding {@code more} would overflow, or null when every one fits. */
  String overflowOnAdd(Totals more) {
    long[] v = values;
    long[] m = more.values;
    for (int field : SUMS) {
      if (overflows(v[field], m[field])) {
        return NAMES[field] + " would overflow (" + v[field] + " + " + m[field] + ")";
      }
    }
    // Both remainders are below a nano: their sum carries at most one.
    long carry = (v[COST_REMAINDER_FEMTOS] + m[COST_REMAINDER_FEMTOS]) / Pricing.FEMTOS_PER_NANO;
    if (overflows(v[COST_NANOS], m[COST_NANOS]) || overflows(v[COST_NANOS] + m[COST_NANOS], carry)) {
      return NAMES[COST_NANOS] + " would overflow (" + v[COST_NANOS] + " + " + m[COST_NANOS] + ")";
    }
    return null;
  }

  /**
   * Adds {@code more} (sums, maxima, the latest event); all or nothing.
   *
   * @throws ArithmeticException naming the total that would overflow, before anything changed
   */
  void add(Totals more) {
    String overflow = overflowOnAdd(more);
    if (overflow != null) {
      throw new ArithmeticException(overflow);
    }
    long[] v = values;
    long[] m = more.values;
    for (int field : SUMS) {
      v[field] += m[field];
    }
    long remainder = v[COST_REMAINDER_FEMTOS] + m[COST_REMAINDER_FEMTOS];
    v[COST_NANOS] += m[COST_NANOS] + remainder / Pricing.FEMTOS_PER_NANO;
    v[COST_REMAINDER_FEMTOS] = remainder % Pricing.FEMTOS_PER_NANO;
    v[LATENCY_MS_MAX] = Math.max(v[LATENCY_MS_MAX], m[LATENCY_MS_MAX]);
    v[MAX_CONTEXT_UTILIZATION_PPM] = Math.max(v[MAX_CONTEXT_UTILIZATION_PPM], m[MAX_CONTEXT_UTILIZATION_PPM]);
    v[LAST_EVENT_AT] = Math.max(v[LAST_EVENT_AT], m[LAST_EVENT_AT]);
  }

  private static boolean overflows(long a, long b) {
    long sum = a + b;
    // Math.addExact's test: both operands have the sign opposite to the result.
    return ((a ^ sum) & (b ^ sum)) < 0;
  }

  /** As a bucket of {@code subject} in {@code window}, the shape published on usage.aggregates. */
  UsageAggregate toAggregate(Subject subject, CalendarWindow window, ZoneId zone) {
    long[] v = values;
    UsageAggregate a = new UsageAggregate();
    a.setDimension(subject.dimension());
    a.setKey(subject.key());
    a.setPeriod(window.period());
    a.setZone(zone.getId());
    a.setWindowStart(window.start());
    a.setWindowEnd(window.end());
    a.setRequests(v[REQUESTS]);
    a.setFailedRequests(v[FAILED_REQUESTS]);
    a.setFailedRequestTokens(v[FAILED_REQUEST_TOKENS]);
    a.setInputTokens(v[INPUT_TOKENS]);
    a.setOutputTokens(v[OUTPUT_TOKENS]);
    a.setCachedInputTokens(v[CACHED_INPUT_TOKENS]);
    a.setCacheWriteTokens(v[CACHE_WRITE_TOKENS]);
    a.setReasoningTokens(v[REASONING_TOKENS]);
    a.setSystemTokens(v[SYSTEM_TOKENS]);
    a.setCostNanos(v[COST_NANOS]);
    a.setCostRemainderFemtos(v[COST_REMAINDER_FEMTOS]);
    a.setUnpricedRequests(v[UNPRICED_REQUESTS]);
    a.setEstimatedRequests(v[ESTIMATED_REQUESTS]);
    a.setLatencyMsSum(v[LATENCY_MS_SUM]);
    a.setLatencyMsMax(v[LATENCY_MS_MAX]);
    a.setMaxContextUtilizationPpm(v[MAX_CONTEXT_UTILIZATION_PPM]);
    a.setCacheWrite1hTokens(v[CACHE_WRITE_1H_TOKENS]);
    a.setInputAudioTokens(v[INPUT_AUDIO_TOKENS]);
    a.setInputImageTokens(v[INPUT_IMAGE_TOKENS]);
    a.setOutputAudioTokens(v[OUTPUT_AUDIO_TOKENS]);
    a.setOutputImageTokens(v[OUTPUT_IMAGE_TOKENS]);
    a.setBatchRequests(v[BATCH_REQUESTS]);
    a.setFlexRequests(v[FLEX_REQUESTS]);
    a.setPriorityRequests(v[PRIORITY_REQUESTS]);
    a.setLastEventAt(v[LAST_EVENT_AT] == Long.MIN_VALUE ? window.start() : Instant.ofEpochMilli(v[LAST_EVENT_AT]));
    return a;
  }
}
