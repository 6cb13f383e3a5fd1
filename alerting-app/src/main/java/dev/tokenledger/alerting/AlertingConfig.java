package dev.tokenledger.alerting;

import dev.tokenledger.runtime.Settings;
import java.time.Duration;
import java.time.ZoneId;

/** The alerting app's own settings (keys under {@code tokenledger.alerting.}). */
public record AlertingConfig(
    String applicationId,
    ZoneId zone,
    int standbyReplicas,
    int streamThreads,
    Duration quotaVisibilityTimeout) {

  public static AlertingConfig from(Settings settings) {
    return new AlertingConfig(
        settings.string("tokenledger.alerting.application-id"),
        settings.zone("tokenledger.zone"),
        settings.intValue("tokenledger.alerting.standby-replicas", 0, 5),
        settings.intValue("tokenledger.alerting.stream-threads", 1, 64),
        settings.duration("tokenledger.alerting.quota-visibility-timeout"));
  }
}
