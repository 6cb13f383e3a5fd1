package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.ConfigException;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.ModelResolver;
import dev.tokenledger.schemas.avro.Period;
import java.time.Duration;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The aggregator's own settings (keys under {@code tokenledger.aggregator.}).
 *
 * @param commitInterval Kafka Streams' commit interval: the longest a fold holds its totals
 * @param caughtUpCommitInterval how often a caught-up task commits instead ({@link CommitTrigger})
 */
public record AggregatorConfig(
    String applicationId,
    ZoneId zone,
    Duration dedupeRetention,
    Duration maxFutureSkew,
    Duration commitInterval,
    Duration caughtUpCommitInterval,
    Map<Period, Duration> retention,
    int standbyReplicas,
    int streamThreads,
    ModelResolver models) {

  /** The periods the aggregator keeps buckets for. WEEK is derived by the alerting app. */
  public static final List<Period> PERIODS = List.of(Period.MINUTE, Period.HOUR, Period.DAY, Period.MONTH);

  /**
   * Half the transaction timeout (10 s), which a commit interval must stay under: Kafka Streams
   * refuses to start otherwise, and a transaction open that long times out.
   */
  static final Duration LONGEST_COMMIT_INTERVAL = Duration.ofSeconds(5);

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
        interval(settings, "tokenledger.aggregator.commit-interval", LONGEST_COMMIT_INTERVAL),
        interval(settings, "tokenledger.aggregator.caught-up-commit-interval",
            interval(settings, "tokenledger.aggregator.commit-interval", LONGEST_COMMIT_INTERVAL)),
        Map.copyOf(retention),
        settings.intValue("tokenledger.aggregator.standby-replicas", 0, 5),
        settings.intValue("tokenledger.aggregator.stream-threads", 1, 64),
        settings.modelResolver("tokenledger.pricing.aliases"));
  }

  private static Duration interval(Settings settings, String key, Duration longest) {
    Duration interval = settings.duration(key);
    if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(longest) > 0) {
      throw new ConfigException(key, "must be from 10ms to " + longest.toString().substring(2).toLowerCase()
          + " (got " + interval + ")");
    }
    return interval;
  }

  /** The longest retention: an event older than this has no bucket left to go to. */
  public Duration longestRetention() {
    return retention.values().stream().max(Duration::compareTo).orElseThrow();
  }
}
