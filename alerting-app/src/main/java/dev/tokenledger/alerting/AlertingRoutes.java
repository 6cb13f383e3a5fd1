package dev.tokenledger.alerting;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.runtime.ApiKeys;
import dev.tokenledger.runtime.GlobalTableAdmin;
import dev.tokenledger.runtime.HttpServer;
import dev.tokenledger.runtime.InstanceRouter;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.Problem;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.Usd;
import dev.tokenledger.schemas.avro.AlertAction;
import dev.tokenledger.schemas.avro.AlertActionType;
import dev.tokenledger.schemas.avro.AlertType;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaRule;
import dev.tokenledger.schemas.avro.Severity;
import dev.tokenledger.schemas.avro.UsageAlert;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.state.HostInfo;

/** The alerting app's HTTP API: quota admin, status and admission, alerts and their actions. */
final class AlertingRoutes {

  private static final Pattern SINCE = Pattern.compile("(\\d{1,6})([mhd])");
  private static final ObjectMapper JSON = Json.newMapper();
  private static final String ADMISSION_DECISIONS = "tokenledger.alerting.admission.decisions";
  private static final List<String> ADMISSION_OUTCOMES = List.of("allowed", "throttled", "denied");

  private static final int DEFAULT_LIMIT = 500;
  private static final int MAX_LIMIT = 10_000;

  /** A subject's standings and how current the totals behind them are. */
  private record Standings(List<QuotaStatus.Standing> standings, Optional<Instant> asOf) {}

  private final GlobalTableAdmin<QuotaDefinition> quotas;
  private final QuotaIndex quotaIndex;
  private final Freshness freshness;
  private final GlobalTableAdmin<AlertAction> actions;
  private final AlertQueries alerts;
  private final QuotaStatus status;
  private final InstanceRouter router;
  private final Supplier<WebhookDispatcher> webhooks;
  private final Clock clock;
  private final MeterRegistry registry;

  AlertingRoutes(GlobalTableAdmin<QuotaDefinition> quotas, QuotaIndex quotaIndex, Freshness freshness,
      GlobalTableAdmin<AlertAction> actions, AlertQueries alerts, QuotaStatus status, InstanceRouter router,
      Supplier<WebhookDispatcher> webhooks, Clock clock, MeterRegistry registry) {
    this.webhooks = webhooks;
    this.quotas = quotas;
    this.quotaIndex = quotaIndex;
    this.freshness = freshness;
    this.actions = actions;
    this.alerts = alerts;
    this.status = status;
    this.router = router;
    this.clock = clock;
    this.registry = registry;
    // Each outcome from the start at 0, so a rate over them works before the first denial.
    ADMISSION_OUTCOMES.forEach(outcome -> registry.counter(ADMISSION_DECISIONS, "outcome", outcome));
  }

  void register(Javalin app) {
    app.get("/v1/quotas", this::listQuotas, Role.READ);
    // Registered before /v1/quotas/{id}, so "status" is not taken for a quota id.
    app.get("/v1/quotas/status", this::quotaStatus, Role.READ);
    app.get("/v1/quotas/{id}", ctx -> ctx.json(QuotaJson.render(quotas.get(ctx.pathParam("id"))
        .orElseThrow(() -> ProblemException.notFound("no quota " + ctx.pathParam("id"))))), Role.READ);
    app.put("/v1/quotas/{id}", this::putQuota, Role.ADMIN);
    app.delete("/v1/quotas/{id}", ctx -> {
      if (!quotas.delete(ctx.pathParam("id"))) {
        throw ProblemException.notFound("no quota " + ctx.pathParam("id"));
      }
      ctx.status(204);
    }, Role.ADMIN);
    app.get("/v1/admission", this::admission, Role.READ);
    app.get("/v1/alerts", this::listAlerts, Role.READ);
    app.get("/v1/alerts/{alertId}", this::getAlert, Role.READ);
    app.post("/v1/alerts/{alertId}/ack", ctx -> act(ctx, AlertActionType.ACKNOWLEDGE), Role.ADMIN);
    app.post("/v1/alerts/{alertId}/dismiss", ctx -> act(ctx, AlertActionType.DISMISS), Role.ADMIN);
    app.post("/v1/webhooks/redeliver", this::redeliver, Role.ADMIN);
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

  private void quotaStatus(Context ctx) {
    String subject = subject(ctx);
    Optional<Standings> standings = standings(ctx, subject);
    if (standings.isEmpty()) {
      return;
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (QuotaStatus.Standing standing : standings.get().standings()) {
      QuotaDefinition quota = standing.quota();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", quota.getQuotaId());
      row.put("subject", quota.getSubject());
      row.put("metric", QuotaJson.lower(quota.getMetric()));
      row.put("period", QuotaJson.lower(quota.getPeriod()));
      row.put("limit", QuotaJson.amount(quota.getMetric(), quota.getLimit()));
      row.put("used", QuotaJson.amount(quota.getMetric(), standing.used()));
      row.put("utilization", standing.utilization());
      row.put("windowStart", standing.window().start().toString());
      row.put("resetsAt", standing.window().end().toString());
      row.put("action", QuotaJson.lower(quota.getAction()));
      row.put("state", standing.state());
      rows.add(row);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("subject", subject);
    putFreshness(json, standings.get().asOf());
    json.put("quotas", rows);
    ctx.json(json);
  }

  private void admission(Context ctx) {
    String subject = subject(ctx);
    long tokens = wholeNumber(ctx, "tokens");
    long costNanos = ctx.queryParam("costUsd") == null ? 0 : usd(ctx.queryParam("costUsd"));
    Optional<Standings> standings = standings(ctx, subject);
    if (standings.isEmpty()) {
      return;
    }
    List<QuotaStatus.Decision> decisions = status.admit(standings.get().standings(),
        quotaIndex.binding(subject, QuotaRule.REQUEST), tokens, costNanos, clock.instant(), standings.get().asOf());
    List<Map<String, Object>> rows = new ArrayList<>();
    for (QuotaStatus.Decision decision : decisions) {
      QuotaDefinition quota = decision.quota();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("quotaId", quota.getQuotaId());
      row.put("rule", QuotaJson.lower(quota.getRule()));
      row.put("action", QuotaJson.lower(quota.getAction()));
      row.put("metric", QuotaJson.lower(quota.getMetric()));
      row.put("limit", QuotaJson.amount(quota.getMetric(), quota.getLimit()));
      row.put("used", QuotaJson.amount(quota.getMetric(), decision.used()));
      row.put("requested", QuotaJson.amount(quota.getMetric(), decision.requested()));
      row.put("remaining", QuotaJson.amount(quota.getMetric(), Math.max(0, quota.getLimit() - decision.used())));
      row.put("resetsAt", decision.window().map(w -> w.end().toString()).orElse(null));
      row.put("allowed", decision.allowed());
      decision.retryAfterMs().ifPresent(ms -> row.put("retryAfterMs", ms));
      if (decision.quota().getStaleAfterMs() != null) {
        row.put("stale", decision.stale());
      }
      row.put("reason", decision.reason());
      rows.add(row);
    }
    boolean allowed = decisions.stream().allMatch(QuotaStatus.Decision::allowed);
    // Counted here, on the instance that decided, not where the request was forwarded from.
    registry.counter(ADMISSION_DECISIONS, "outcome", !allowed ? "denied"
        : decisions.stream().anyMatch(d -> d.retryAfterMs().isPresent()) ? "throttled" : "allowed").increment();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("allowed", allowed);
    json.put("subject", subject);
    putFreshness(json, standings.get().asOf());
    json.put("decisions", rows);
    ctx.json(json);
  }

  /**
   * The subject's standings from the instance that holds its totals (forwarding there if need
   * be): the quotas binding it from the index, its totals in one pass over the local stores.
   */
  private Optional<Standings> standings(Context ctx, String subject) {
    InstanceRouter.Route route = router.route(WindowUseStore.NAME, subject, ctx);
    if (route.owner().isPresent()) {
      router.forward(route.owner().get(), ctx);
      return Optional.empty();
    }
    int partition = route.localPartition().orElseThrow();
    Instant now = clock.instant();
    List<QuotaDefinition> binding = quotaIndex.binding(subject, QuotaRule.LIMIT);
    List<QuotaStatus.Standing> standings = binding.isEmpty() ? List.of()
        : alerts.withUsage(partition, use -> status.standings(subject, binding, now, use));
    // The partition's newest folded event, or the subject's own if that is newer (a standby answering).
    Optional<Instant> asOf = freshness.newest(partition);
    for (QuotaStatus.Standing standing : standings) {
      if (standing.lastEventAt().isPresent() && (asOf.isEmpty() || standing.lastEventAt().get().isAfter(asOf.get()))) {
        asOf = standing.lastEventAt();
      }
    }
    return Optional.of(new Standings(standings, asOf));
  }

  private void putFreshness(Map<String, Object> json, Optional<Instant> asOf) {
    json.put("asOf", asOf.map(Instant::toString).orElse(null));
    json.put("lagMs", asOf.map(at -> Math.max(0, Duration.between(at, clock.instant()).toMillis())).orElse(null));
  }

  private void listAlerts(Context ctx) {
    Instant since = since(ctx.queryParam("since"));
    int limit = limit(ctx);
    String status = ctx.queryParam("status");
    Predicate<UsageAlert> filter = alertFilter(ctx)
        .and(alert -> status == null || status.equals(status(actions.get(alert.getAlertId()).orElse(null))));
    List<Map<String, Object>> found = new ArrayList<>();
    for (UsageAlert alert : alerts.local(since, limit, filter)) {
      found.add(render(alert, actions.get(alert.getAlertId()).orElse(null)));
    }
    for (HostInfo other : router.otherInstances(QuotaEvaluator.FIRED_STORE, ctx)) {
      for (JsonNode alert : router.fetch(other, ctx).path("alerts")) {
        found.add(JSON.convertValue(alert, Map.class));
      }
    }
    found.sort(Comparator.comparing((Map<String, Object> a) -> a.get("firedAt").toString()).reversed()
        .thenComparing(a -> a.get("alertId").toString()));
    ctx.json(Map.of("alerts", found.size() > limit ? found.subList(0, limit) : found));
  }

  /** A page of quotas in id order; {@code next} (absent on the last page) is the {@code after} of the next page. */
  private void listQuotas(Context ctx) {
    GlobalTableAdmin.Page<QuotaDefinition> page = quotas.page(Optional.ofNullable(ctx.queryParam("after")).filter(after -> !after.isEmpty()), limit(ctx));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("quotas", page.values().stream().map(QuotaJson::render).toList());
    page.next().ifPresent(next -> json.put("next", next));
    ctx.json(json);
  }

  private static int limit(Context ctx) {
    String value = ctx.queryParam("limit");
    if (value == null || value.isBlank()) {
      return DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(value.trim());
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ProblemException.badRequest("limit", "must be a whole number from 1 to " + MAX_LIMIT + " (got " + value + ")");
  }

  /** Every instance's failed deliveries tried again now, without waiting for their retry interval. */
  private void redeliver(Context ctx) {
    WebhookDispatcher dispatcher = webhooks.get();
    if (dispatcher == null) {
      throw new ProblemException(Problem.of(409, "No webhooks", "no webhook is configured (tokenledger.alerting.webhook.urls)"));
    }
    dispatcher.redeliverNow();
    int instances = 1;
    for (HostInfo other : router.otherInstances(QuotaEvaluator.FIRED_STORE, ctx)) {
      router.post(other, ctx, "/v1/webhooks/redeliver");
      instances++;
    }
    ctx.status(202).json(Map.of("instances", instances,
        "detail", "failed deliveries kept until now are being tried again; see /ready and the deliveries metric"));
  }

  private void getAlert(Context ctx) {
    String alertId = ctx.pathParam("alertId");
    Map<String, Object> found = findAlert(ctx, alertId).orElseThrow(() -> ProblemException.notFound("no alert " + alertId));
    ctx.json(found);
  }

  /** An alert by id: a lookup in this instance's partitions, then in the others'. */
  private Optional<Map<String, Object>> findAlert(Context ctx, String alertId) {
    Optional<UsageAlert> local = alerts.localById(alertId);
    if (local.isPresent()) {
      return Optional.of(render(local.get(), actions.get(alertId).orElse(null)));
    }
    String path = "/v1/alerts/" + URLEncoder.encode(alertId, StandardCharsets.UTF_8).replace("+", "%20");
    for (HostInfo other : router.otherInstances(QuotaEvaluator.FIRED_STORE, ctx)) {
      Optional<JsonNode> found = router.fetchIfFound(other, ctx, path);
      if (found.isPresent()) {
        return Optional.of(JSON.convertValue(found.get(), Map.class));
      }
    }
    return Optional.empty();
  }

  private void act(Context ctx, AlertActionType type) {
    String alertId = ctx.pathParam("alertId");
    findAlert(ctx, alertId).orElseThrow(() -> ProblemException.notFound("no alert " + alertId));
    String actor = HttpServer.principal(ctx).map(ApiKeys.Principal::name).orElse(null);
    AlertAction action = AlertAction.newBuilder().setAlertId(alertId).setAction(type).setActor(actor)
        .setAt(clock.instant()).build();
    actions.put(alertId, action);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("alertId", alertId);
    json.put("status", status(action));
    json.put("actor", actor);
    json.put("at", action.getAt().toString());
    ctx.json(json);
  }

  private Predicate<UsageAlert> alertFilter(Context ctx) {
    String subject = ctx.queryParam("subject");
    String alertId = ctx.queryParam("alertId");
    Severity severity = severity(ctx.queryParam("severity"));
    String status = ctx.queryParam("status");
    if (status != null && !List.of("open", "acknowledged", "dismissed").contains(status)) {
      throw ProblemException.badRequest("status", "must be one of open, acknowledged, dismissed (got " + status + ")");
    }
    return alert -> (subject == null || subject.isBlank() || alert.getSubject().equals(subject))
        && (alertId == null || alert.getAlertId().equals(alertId))
        && (severity == null || alert.getSeverity() == severity);
  }

  private Instant since(String value) {
    if (value == null || value.isBlank()) {
      return clock.instant().minus(Duration.ofDays(7));
    }
    Instant since = sinceInstant(value);
    if (!CalendarWindow.supports(since)) {
      throw ProblemException.badRequest("since", "must be " + CalendarWindow.SUPPORTED_RANGE + " (got " + value + ")");
    }
    return since;
  }

  private Instant sinceInstant(String value) {
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

  private static String subject(Context ctx) {
    String subject = ctx.queryParam("subject");
    if (subject == null || subject.indexOf(':') <= 0 || subject.endsWith(":")) {
      throw ProblemException.badRequest("subject", "must be dimension:key, like user:alice (got " + subject + ")");
    }
    return subject;
  }

  private static long wholeNumber(Context ctx, String name) {
    String value = ctx.queryParam(name);
    if (value == null || value.isBlank()) {
      return 0;
    }
    try {
      long parsed = Long.parseLong(value.trim());
      if (parsed >= 0) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ProblemException.badRequest(name, "must be a whole number ≥ 0 (got " + value + ")");
  }

  private static long usd(String value) {
    try {
      return Usd.parseNanos(value);
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest("costUsd", e.getMessage());
    }
  }

  private static String status(AlertAction action) {
    if (action == null) {
      return "open";
    }
    return action.getAction() == AlertActionType.ACKNOWLEDGE ? "acknowledged" : "dismissed";
  }

  /** An alert as the API shows it, with its status from the latest action. Also the webhook payload. */
  static Map<String, Object> render(UsageAlert alert, AlertAction action) {
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
    if (alert.getType() == AlertType.REQUEST_COST) {
      json.put("requests", alert.getRequests());
    }
    json.put("status", status(action));
    if (action != null) {
      json.put("statusBy", action.getActor());
      json.put("statusAt", action.getAt().toString());
    }
    return json;
  }
}
