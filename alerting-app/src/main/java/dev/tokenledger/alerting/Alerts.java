package dev.tokenledger.alerting;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Usd;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaExceeded;
import dev.tokenledger.schemas.avro.QuotaMetric;
import dev.tokenledger.schemas.avro.QuotaRule;
import dev.tokenledger.schemas.avro.Severity;
import dev.tokenledger.schemas.avro.UsageAlert;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

/** Builds the alert events: ids, severities and messages a person can act on. */
final class Alerts {

  private Alerts() {}

  /** Deterministic: the same quota, subject, window (or request) and threshold always give the same id. */
  static String alertId(String quotaId, String subject, String window, int basisPoints) {
    String identity = quotaId + "\n" + subject + "\n" + window + "\n" + basisPoints;
    return UUID.nameUUIDFromBytes(identity.getBytes(StandardCharsets.UTF_8)).toString();
  }

  static String alertId(String quotaId, String subject, Instant windowStart, int basisPoints) {
    return alertId(quotaId, subject, windowStart.toString(), basisPoints);
  }

  static UsageAlert alert(String alertId, QuotaDefinition quota, String subject, CalendarWindow window,
      int basisPoints, long observed, Instant firedAt) {
    // A forecast is a warning of what may come; a breach of a limit is graded by how far it went.
    Severity severity = quota.getRule() == QuotaRule.FORECAST ? Severity.WARNING : Thresholds.severity(basisPoints);
    return UsageAlert.newBuilder()
        .setAlertId(alertId)
        .setQuotaId(quota.getQuotaId())
        .setSubject(subject)
        .setType(QuotaBook.alertType(quota))
        .setSeverity(severity)
        .setMetric(quota.getMetric())
        .setPeriod(quota.getPeriod())
        .setThresholdBasisPoints(basisPoints)
        .setObserved(observed)
        .setLimit(quota.getLimit())
        .setWindowStart(window.start())
        .setWindowEnd(window.end())
        .setFiredAt(firedAt)
        .setMessage(message(quota, subject, basisPoints, observed))
        .build();
  }

  static QuotaExceeded exceeded(UsageAlert alert, QuotaDefinition quota) {
    return QuotaExceeded.newBuilder()
        .setAlertId(alert.getAlertId())
        .setQuotaId(quota.getQuotaId())
        .setSubject(alert.getSubject())
        .setMetric(quota.getMetric())
        .setPeriod(quota.getPeriod())
        .setLimit(quota.getLimit())
        .setUsed(alert.getObserved())
        .setAction(quota.getAction())
        .setWindowStart(alert.getWindowStart())
        .setResetsAt(alert.getWindowEnd())
        .setOccurredAt(alert.getFiredAt())
        .build();
  }

  static String amount(QuotaMetric metric, long value) {
    return metric == QuotaMetric.COST ? "$" + Usd.format(value) : String.format(Locale.ROOT, "%,d tokens", value);
  }

  private static String message(QuotaDefinition quota, String subject, int basisPoints, long observed) {
    String period = quota.getPeriod().name().toLowerCase(Locale.ROOT);
    String limit = amount(quota.getMetric(), quota.getLimit());
    return switch (quota.getRule()) {
      case REQUEST -> String.format(Locale.ROOT, "%s made one request of %s, over the per-request ceiling of %s (quota %s)",
          subject, amount(quota.getMetric(), observed), limit, quota.getQuotaId());
      case FORECAST -> String.format(Locale.ROOT, "%s is projected to use %s this %s, over the limit of %s (quota %s)",
          subject, amount(quota.getMetric(), observed), period, limit, quota.getQuotaId());
      case LIMIT -> String.format(Locale.ROOT, "%s reached %s%% of quota %s this %s: %s", subject,
          Thresholds.asFraction(basisPoints).movePointRight(2).stripTrailingZeros().toPlainString(),
          quota.getQuotaId(), period, quota.getMetric() == QuotaMetric.COST
              ? amount(QuotaMetric.COST, observed) + " of " + limit
              : String.format(Locale.ROOT, "%,d of %,d tokens", observed, quota.getLimit()));
    };
  }
}
