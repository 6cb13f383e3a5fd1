package dev.tokenledger.alerting;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.runtime.GlobalTableAdmin;
import dev.tokenledger.runtime.InstanceRouter;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.Severity;
import dev.tokenledger.schemas.avro.UsageAlert;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.state.HostInfo;

/** The alerting app's HTTP API: quota admin and alert queries, thin over their services. */
final class AlertingRoutes {

  private static final Pattern SINCE = Pattern.compile("(\\d{1,6})([mhd])");
  private static final ObjectMapper JSON = Json.newMapper();

  private final GlobalTableAdmin<QuotaDefinition> quotas;
  private final AlertQueries alerts;
  private final InstanceRouter router;
  private final Clock clock;

  AlertingRoutes(GlobalTableAdmin<QuotaDefinition> quotas, AlertQueries alerts, InstanceRouter router, Clock clock) {
    this.quotas = quotas;
    this.alerts = alerts;
    this.router = router;
    this.clock = clock;
  }

  void register(Javalin app) {
    app.get("/v1/quotas", ctx -> ctx.json(Map.of("quotas", quotas.all().stream().map(QuotaJson::render).toList())), Role.READ);
    app.get("/v1/quotas/{id}", ctx -> ctx.json(QuotaJson.render(quotas.get(ctx.pathParam("id"))
        .orElseThrow(() -> ProblemException.notFound("no quota " + ctx.pathParam("id"))))), Role.READ);
    app.put("/v1/quotas/{id}", this::putQuota, Role.ADMIN);
    app.delete("/v1/quotas/{id}", ctx -> {
      if (!quotas.delete(ctx.pathParam("id"))) {
        throw ProblemException.notFound("no quota " + ctx.pathParam("id"));
      }
      ctx.status(204);
    }, Role.ADMIN);
    app.get("/v1/alerts", this::listAlerts, Role.READ);
  }

  private void putQuota(Context ctx) {
    JsonNode body;
    try {
      body = JSON.readTree(ctx.body());
    } catch (JsonProcessingException e) {
      throw ProblemException.badRequest("body", "is not valid JSON: " + e.getOriginalMessage()
          + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
    }
    QuotaDefinition quota = QuotaJson.parse(ctx.pathParam("id"), body, clock.instant());
    ctx.json(QuotaJson.render(quotas.put(quota.getQuotaId(), quota)));
  }

  private void listAlerts(Context ctx) {
    Predicate<UsageAlert> filter = alertFilter(ctx);
    List<Map<String, Object>> found = new ArrayList<>(alerts.local(filter).stream().map(AlertingRoutes::render).toList());
    for (HostInfo other : router.otherInstances(QuotaEvaluator.FIRED_STORE, ctx)) {
      for (JsonNode alert : router.fetch(other, ctx).path("alerts")) {
        found.add(JSON.convertValue(alert, Map.class));
      }
    }
    found.sort(Comparator.comparing((Map<String, Object> a) -> a.get("firedAt").toString()).reversed()
        .thenComparing(a -> a.get("alertId").toString()));
    ctx.json(Map.of("alerts", found));
  }

  private Predicate<UsageAlert> alertFilter(Context ctx) {
    String subject = ctx.queryParam("subject");
    Instant since = since(ctx.queryParam("since"));
    Severity severity = severity(ctx.queryParam("severity"));
    String status = ctx.queryParam("status");
    if (status != null && !List.of("open", "acknowledged", "dismissed").contains(status)) {
      throw ProblemException.badRequest("status", "must be one of open, acknowledged, dismissed (got " + status + ")");
    }
    return alert -> (subject == null || subject.isBlank() || alert.getSubject().equals(subject))
        && !alert.getFiredAt().isBefore(since)
        && (severity == null || alert.getSeverity() == severity)
        // Acknowledgement arrives with alert actions; until then every alert is open.
        && (status == null || status.equals("open"));
  }

  private Instant since(String value) {
    if (value == null || value.isBlank()) {
      return clock.instant().minus(Duration.ofDays(7));
    }
    Matcher m = SINCE.matcher(value.trim());
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      Duration back = switch (m.group(2)) {
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      };
      return clock.instant().minus(back);
    }
    try {
      return Instant.parse(value.trim());
    } catch (DateTimeParseException e) {
      throw ProblemException.badRequest("since", "must be a look-back like 30m, 24h, 7d or an instant like 2026-11-22T00:00:00Z (got " + value + ")");
    }
  }

  private static Severity severity(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return Severity.valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest("severity", "must be warning or critical (got " + value + ")");
    }
  }

  static Map<String, Object> render(UsageAlert alert) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("alertId", alert.getAlertId());
    json.put("quotaId", alert.getQuotaId());
    json.put("subject", alert.getSubject());
    json.put("type", QuotaJson.lower(alert.getType()));
    json.put("severity", QuotaJson.lower(alert.getSeverity()));
    json.put("metric", QuotaJson.lower(alert.getMetric()));
    json.put("period", QuotaJson.lower(alert.getPeriod()));
    json.put("threshold", Thresholds.asFraction(alert.getThresholdBasisPoints()));
    json.put("observed", QuotaJson.amount(alert.getMetric(), alert.getObserved()));
    json.put("limit", QuotaJson.amount(alert.getMetric(), alert.getLimit()));
    json.put("utilization", BigDecimal.valueOf(alert.getObserved())
        .divide(BigDecimal.valueOf(alert.getLimit()), new MathContext(6)));
    json.put("windowStart", alert.getWindowStart().toString());
    json.put("windowEnd", alert.getWindowEnd().toString());
    json.put("firedAt", alert.getFiredAt().toString());
    json.put("message", alert.getMessage());
    json.put("status", "open");
    return json;
  }
}
