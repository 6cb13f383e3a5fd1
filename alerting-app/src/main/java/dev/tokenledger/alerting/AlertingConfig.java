package dev.tokenledger.alerting;

import dev.tokenledger.runtime.ConfigException;
import dev.tokenledger.runtime.Settings;
import dev.tokenledger.schemas.ModelResolver;
import dev.tokenledger.schemas.avro.Period;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The alerting app's own settings (keys under {@code tokenledger.alerting.}). */
public record AlertingConfig(
    String applicationId,
    ZoneId zone,
    int standbyReplicas,
    int streamThreads,
    Duration quotaVisibilityTimeout,
    AlertRetention alertRetention,
    Duration maxFutureSkew,
    ModelResolver models,
    WebhookDispatcher.Config webhooks) {

  public static AlertingConfig from(Settings settings) {
    return new AlertingConfig(
        settings.string("tokenledger.alerting.application-id"),
        settings.zone("tokenledger.zone"),
        settings.intValue("tokenledger.alerting.standby-replicas", 0, 5),
        settings.intValue("tokenledger.alerting.stream-threads", 1, 64),
        settings.duration("tokenledger.alerting.quota-visibility-timeout"),
        retention(settings),
        settings.duration("tokenledger.alerting.max-future-skew"),
        settings.modelResolver("tokenledger.pricing.aliases"),
        new WebhookDispatcher.Config(
            urls(settings.optional("tokenledger.alerting.webhook.urls").orElse("")),
            settings.intValue("tokenledger.alerting.webhook.max-attempts", 1, 100),
            settings.duration("tokenledger.alerting.webhook.initial-backoff"),
            settings.duration("tokenledger.alerting.webhook.timeout"),
            settings.duration("tokenledger.alerting.webhook.retry-interval"),
            settings.intValue("tokenledger.alerting.webhook.max-rounds", 1, 1_000)));
  }

  private static AlertRetention retention(Settings settings) {
    Map<Period, Duration> afterWindowEnd = new EnumMap<>(Period.class);
    for (Period period : Period.values()) {
      String key = "tokenledger.alerting.retention." + period.name().toLowerCase(Locale.ROOT);
      Duration kept = settings.duration(key);
      if (kept.isNegative()) {
        throw new ConfigException(key, "must not be negative (got " + kept + ")");
      }
      afterWindowEnd.put(period, kept);
    }
    return new AlertRetention(Map.copyOf(afterWindowEnd));
  }

  private static List<URI> urls(String commaSeparated) {
    List<URI> urls = new ArrayList<>();
    for (String url : commaSeparated.split(",")) {
      if (url.isBlank()) {
        continue;
      }
      try {
        URI uri = new URI(url.trim());
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
          throw new URISyntaxException(url, "not http or https");
        }
        urls.add(uri);
      } catch (URISyntaxException e) {
        throw new ConfigException("tokenledger.alerting.webhook.urls", "must be http(s) URLs separated by commas (got " + url.trim() + ")");
      }
    }
    return List.copyOf(urls);
  }
}
