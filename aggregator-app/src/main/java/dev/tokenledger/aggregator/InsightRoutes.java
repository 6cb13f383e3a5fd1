package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.InstanceRouter;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.SaturatedSum;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.Usd;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** {@code /v1/top}, {@code /v1/stats}, {@code /v1/efficiency} and {@code /v1/forecast}. */
final class InsightRoutes {

  private static final Dimension[] RANKABLE = {Dimension.USER, Dimension.MODEL, Dimension.PROVIDER, Dimension.FEATURE,
      Dimension.TENANT, Dimension.USER_MODEL};
  private static final Duration HOUR_HISTORY = Duration.ofDays(14);

  private final InstanceRouter router;
  private final UsageQueries queries;
  private final CrossKeyQueries crossKey;
  private final ZoneId zone;
  private final Clock clock;

  InsightRoutes(InstanceRouter router, UsageQueries queries, CrossKeyQueries crossKey, ZoneId zone, Clock clock) {
    this.router = router;
    this.queries = queries;
    this.crossKey = crossKey;
    this.zone = zone;
    this.clock = clock;
  }

  void register(Javalin app) {
    app.get("/v1/top", this::top, Role.READ);
    app.get("/v1/stats", this::stats, Role.READ);
    app.get("/v1/efficiency", this::efficiency, Role.READ);
    app.get("/v1/forecast", this::forecast, Role.READ);
  }

  private void top(Context ctx) {
    Dimension dimension = QueryParams.enumParam(ctx, "dimension", RANKABLE, Dimension.USER);
    Period period = QueryParams.enumParam(ctx, "period", AggregatorConfig.PERIODS.toArray(Period[]::new), Period.DAY);
    CalendarWindow window = CalendarWindow.containing(period, QueryParams.instant(ctx, zone, "at", clock.instant()), zone);
    String by = Optional.ofNullable(ctx.queryParam("by")).orElse("cost").toLowerCase(Locale.ROOT);
    if (!by.equals("cost") && !by.equals("tokens")) {
      throw ProblemException.badRequest("by", "must be cost or tokens (got " + by + ")");
    }
    int limit = QueryParams.intParam(ctx, "limit", 1, 1000, 10);
    Comparator<KeyTotals> order = by.equals("cost") ? KeyTotals.BY_COST : KeyTotals.BY_TOKENS;
    String prefix = Optional.ofNullable(ctx.queryParam("prefix")).orElse("");
    crossKey.gather(ctx, new CrossKeyQueries.Request(List.of(dimension), period, window.start(), window.end(), limit, order,
            prefix))
        .ifPresent(result -> {
          Map<String, Object> json = new LinkedHashMap<>();
          json.put("dimension", lower(dimension));
          json.put("period", lower(period));
          json.put("start", window.start());
          json.put("end", window.end());
          json.put("by", by);
          if (!prefix.isEmpty()) {
            json.put("prefix", prefix);
          }
          json.put("entries", result.get(dimension).stream().map(CrossKeyQueries::render).toList());
          ctx.json(json);
        });
  }

  private void stats(Context ctx) {
    String range = Optional.ofNullable(ctx.queryParam("range")).orElse("24h");
    Instant now = clock.instant();
    // 24 h in hourly buckets; 7 and 30 days in daily buckets of the configured zone, today included.
    CalendarWindow last = switch (range) {
      case "24h" -> CalendarWindow.containing(Period.HOUR, now, zone);
      case "7d", "30d" -> CalendarWindow.containing(Period.DAY, now, zone);
      default -> throw ProblemException.badRequest("range", "must be 24h, 7d or 30d (got " + range + ")");
    };
    Instant from = switch (range) {
      case "24h" -> CalendarWindow.containing(Period.HOUR, now.minus(Duration.ofHours(23)), zone).start();
      case "7d" -> CalendarWindow.containing(Period.DAY, now.atZone(zone).minusDays(6).toInstant(), zone).start();
      default -> CalendarWindow.containing(Period.DAY, now.atZone(zone).minusDays(29).toInstant(), zone).start();
    };
    int limit = QueryParams.intParam(ctx, "limit", 1, 100, 10);
    List<Dimension> dimensions = List.of(Dimension.ALL, Dimension.MODEL, Dimension.FEATURE, Dimension.USER);
    crossKey.gather(ctx, new CrossKeyQueries.Request(dimensions, last.period(), from, last.end(), limit, KeyTotals.BY_COST,
            ""))
        .ifPresent(result -> {
          KeyTotals all = result.get(Dimension.ALL).stream().findFirst()
              .orElse(new KeyTotals(Subject.ALL_KEY, 0, 0, 0, 0, 0, 0, 0, 0));
          Map<String, Object> totals = CrossKeyQueries.render(all);
          totals.remove("key");
          totals.put("errorRate", ratio(all.failedRequests(), all.requests()));
          Map<String, Object> json = new LinkedHashMap<>();
          json.put("range", range);
          json.put("start", from);
          json.put("end", last.end());
          json.put("totals", totals);
          json.put("byModel", result.get(Dimension.MODEL).stream().map(CrossKeyQueries::render).toList());
          json.put("byFeature", result.get(Dimension.FEATURE).stream().map(CrossKeyQueries::render).toList());
          json.put("topUsers", result.get(Dimension.USER).stream().map(CrossKeyQueries::render).toList());
          ctx.json(json);
        });
  }

  private void efficiency(Context ctx) {
    Subject subject = subject(ctx);
    Period period = QueryParams.enumParam(ctx, "period", AggregatorConfig.PERIODS.toArray(Period[]::new), Period.DAY);
    CalendarWindow window = CalendarWindow.containing(period, QueryParams.instant(ctx, zone, "at", clock.instant()), zone);
    Optional<SubjectHome.Local> local = SubjectHome.localOrForward(ctx, router, subject);
    if (local.isEmpty()) {
      return;
    }
    UsageAggregate b = queries.buckets(local.get(), subject, period, window.start(), window.end()).stream()
        .findFirst().orElse(new Totals().toAggregate(subject, window, zone));
    long total = SaturatedSum.of(b.getInputTokens(), b.getOutputTokens());
    long successful = b.getRequests() - b.getFailedRequests();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("dimension", lower(subject.dimension()));
    json.put("key", subject.key());
    json.put("period", lower(period));
    json.put("start", window.start());
    json.put("end", window.end());
    json.put("requests", b.getRequests());
    json.put("cacheHitRatio", ratio(b.getCachedInputTokens(), b.getInputTokens()));
    json.put("outputInputRatio", ratio(b.getOutputTokens(), b.getInputTokens()));
    json.put("reasoningShareOfOutput", ratio(b.getReasoningTokens(), b.getOutputTokens()));
    json.put("costPer1kTokensUsd", total == 0 ? null : Usd.format(BigDecimal.valueOf(b.getCostNanos())
        .multiply(BigDecimal.valueOf(1000)).divide(BigDecimal.valueOf(total), 0, RoundingMode.HALF_EVEN).toBigIntegerExact()));
    json.put("tokensPerSuccessfulRequest", successful == 0 ? null
        : ratio(total - b.getFailedRequestTokens(), successful));
    json.put("failedRequestTokens", b.getFailedRequestTokens());
    json.put("errorRate", ratio(b.getFailedRequests(), b.getRequests()));
    json.put("averageLatencyMs", ratio(b.getLatencyMsSum(), b.getRequests()));
    json.put("maxContextUtilization", b.getMaxContextUtilizationPpm() / 1_000_000.0);
    json.put("unpricedRequests", b.getUnpricedRequests());
    json.put("estimatedRequests", b.getEstimatedRequests());
    ctx.json(json);
  }

  private void forecast(Context ctx) {
    Subject subject = subject(ctx);
    Period period = QueryParams.enumParam(ctx, "period", new Period[] {Period.DAY, Period.MONTH}, Period.MONTH);
    Instant now = clock.instant();
    CalendarWindow window = CalendarWindow.containing(period, now, zone);
    Optional<SubjectHome.Local> local = SubjectHome.localOrForward(ctx, router, subject);
    if (local.isEmpty()) {
      return;
    }
    UsageAggregate current = queries.buckets(local.get(), subject, period, window.start(), window.end()).stream()
        .findFirst().orElse(null);
    List<UsageAggregate> hours = queries.buckets(local.get(), subject, Period.HOUR,
        now.minus(HOUR_HISTORY), now.plus(Duration.ofHours(1)));
    Forecast.Result result = Forecast.project(window, now, zone, current, hours);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("dimension", lower(subject.dimension()));
    json.put("key", subject.key());
    json.put("period", lower(period));
    json.put("start", window.start());
    json.put("end", window.end());
    json.put("asOf", now);
    json.put("usedTokens", result.tokens().used());
    json.put("usedCostUsd", Usd.format(result.costNanos().used()));
    json.put("forecastTokens", result.tokens().forecast());
    json.put("forecastCostUsd", Usd.format(result.costNanos().forecast()));
    json.put("method", Forecast.METHOD);
    json.put("confidence", result.confidence());
    ctx.json(json);
  }

  private Subject subject(Context ctx) {
    Dimension dimension = QueryParams.enumParam(ctx, "dimension", Dimension.values(), null);
    return new Subject(dimension, dimension == Dimension.ALL ? Subject.ALL_KEY : QueryParams.required(ctx, "key"));
  }

  private static BigDecimal ratio(long numerator, long denominator) {
    return denominator == 0 ? null
        : BigDecimal.valueOf(numerator).divide(BigDecimal.valueOf(denominator), 6, RoundingMode.HALF_EVEN).stripTrailingZeros();
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}
