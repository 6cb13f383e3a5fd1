package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.ConfigException;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.avro.Period;
import java.time.Duration;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The aggregator's own settings (keys under {@code tokenledger.aggregator.}). */
public record AggregatorConfig(
    String applicationId,
    ZoneId zone,
    Duration dedupeRetention,
    Duration maxFutureSkew,
    Duration commitInterval,
    Map<Period, Duration> retention,
    int standbyReplicas,
    int streamThreads) {

  /** The periods the aggregator keeps buckets for. WEEK is derived by the alerting app. */
  public static final List<Period> PERIODS = List.of(Period.MINUTE, Period.HOUR, Period.DAY, Period.MONTH);

  public static AggregatorConfig from(Settings settings) {
    Map<Period, Duration> retention = new EnumMap<>(Period.class);
    for (Period period : PERIODS) {
      retention.put(period, settings.duration("tokenledger.aggregator.retention." + period.name().toLowerCase()));
    }
    return new AggregatorConfig(
        settings.string("tokenledger.aggregator.application-id"),
        settings.zone("tokenledger.zone"),
        settings.duration("tokenledger.aggregator.dedupe-retention"),
        settings.duration("tokenledger.aggregator.max-future-skew"),
        commitInterval(settings),
        Map.copyOf(retention),
        settings.intValue("tokenledger.aggregator.standby-replicas", 0, 5),
        settings.intValue("tokenledger.aggregator.stream-threads", 1, 64));
  }

  private static Duration commitInterval(Settings settings) {
    String key = "tokenledger.aggregator.commit-interval";
    Duration interval = settings.duration(key);
    if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new ConfigException(key, "must be from 10ms to 1m (got " + interval + ")");
    }
    return interval;
  }

  /** The longest retention: an event older than this has no bucket left to go to. */
  public Duration longestRetention() {
    return retention.values().stream().max(Duration::compareTo).orElseThrow();
  }
}
