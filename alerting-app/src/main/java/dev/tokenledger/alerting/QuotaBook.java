package dev.tokenledger.alerting;

import dev.tokenledger.schemas.SaturatedSum;
import dev.tokenledger.schemas.avro.AlertType;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaMetric;
import dev.tokenledger.schemas.avro.QuotaRule;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.util.ArrayList;
import java.util.List;

/** Which quotas bind a subject, and what a quota counts: the rules shared by streams and HTTP. */
final class QuotaBook {

  private QuotaBook() {}

  /**
   * The quotas of {@code rule} for this subject: its own, plus the {@code dimension:*} default
   * of each metric and period it has no own quota for (a specific subject wins over the default).
   */
  static List<QuotaDefinition> binding(Iterable<QuotaDefinition> all, String subject, QuotaRule rule) {
    String wildcard = subject.substring(0, subject.indexOf(':') + 1) + "*";
    List<QuotaDefinition> specific = new ArrayList<>();
    List<QuotaDefinition> defaults = new ArrayList<>();
    for (QuotaDefinition quota : all) {
      if (quota.getRule() != rule) {
        continue;
      }
      if (quota.getSubject().equals(subject)) {
        specific.add(quota);
      } else if (quota.getSubject().equals(wildcard)) {
        defaults.add(quota);
      }
    }
    List<QuotaDefinition> binding = new ArrayList<>(specific);
    for (QuotaDefinition fallback : defaults) {
      boolean overridden = specific.stream().anyMatch(q ->
          q.getMetric() == fallback.getMetric() && q.getPeriod() == fallback.getPeriod());
      if (!overridden) {
        binding.add(fallback);
      }
    }
    return binding;
  }

  /** Tokens (input + output) or nano-USD, whichever the quota counts. */
  static long use(QuotaMetric metric, UsageAggregate bucket) {
    return metric == QuotaMetric.COST
        ? bucket.getCostNanos()
        : SaturatedSum.of(bucket.getInputTokens(), bucket.getOutputTokens()); // past a long is past every limit
  }

  static AlertType alertType(QuotaDefinition quota) {
    return switch (quota.getRule()) {
      case REQUEST -> AlertType.REQUEST_COST;
      case FORECAST -> AlertType.FORECAST;
      case LIMIT -> quota.getMetric() == QuotaMetric.COST ? AlertType.COST_BUDGET
          : quota.getPeriod() == Period.MINUTE ? AlertType.BURST
          : quota.getPeriod() == Period.HOUR ? AlertType.HOURLY_RATE
          : AlertType.TOKEN_QUOTA;
    };
  }
}
