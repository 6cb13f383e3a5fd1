package dev.tokenledger.alerting;

import dev.tokenledger.schemas.avro.Period;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * How long after its window ended an alert is kept, by the window's period. Within it an alert
 * fires once and is listed; past it the alert is forgotten, and updates of so old a window are no
 * longer evaluated (otherwise a replay could fire it again).
 */
record AlertRetention(Map<Period, Duration> afterWindowEnd) {

  Instant expiry(Period period, Instant windowEnd) {
    return windowEnd.plus(afterWindowEnd.get(period));
  }

  boolean expired(Period period, Instant windowEnd, Instant now) {
    return expiry(period, windowEnd).isBefore(now);
  }
}
