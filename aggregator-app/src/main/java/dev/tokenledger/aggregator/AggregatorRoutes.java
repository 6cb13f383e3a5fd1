package dev.tokenledger.aggregator;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.runtime.GlobalTableAdmin;
import dev.tokenledger.runtime.InstanceRouter;
import dev.tokenledger.runtime.Json;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.runtime.Role;
import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.ModelResolver;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.SaturatedSum;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.Usd;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.UsageAggregate;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The aggregator's HTTP API: thin handlers over {@link InstanceRouter} and {@link UsageQueries}. */
final class AggregatorRoutes {

  /** One window of {@code GET /v1/usage}. Money is a decimal string of USD. */
  record UsageWindow(
      Instant start, Instant end, long requests, long failedRequests, long inputTokens, long outputTokens,
      long cachedInputTokens, long cacheWriteTokens, long reasoningTokens, long systemTokens,
      long totalTokens, String costUsd, long unpricedRequests, long estimatedRequests,
      long latencyMsSum, long latencyMsMax, double maxContextUtilization, long cacheWrite1hTokens,
      long inputAudioTokens, long inputImageTokens, long outputAudioTokens, long outputImageTokens,
      long batchRequests, long flexRequests, long priorityRequests) {

    static UsageWindow of(UsageAggregate a) {
      return new UsageWindow(a.getWindowStart(), a.getWindowEnd(), a.getRequests(), a.getFailedRequests(),
          a.getInputTokens(), a.getOutputTokens(), a.getCachedInputTokens(), a.getCacheWriteTokens(),
          a.getReasoningTokens(), a.getSystemTokens(), SaturatedSum.of(a.getInputTokens(), a.getOutputTokens()),
          Usd.format(a.getCostNanos()), a.getUnpricedRequests(), a.getEstimatedRequests(),
          a.getLatencyMsSum(), a.getLatencyMsMax(), a.getMaxContextUtilizationPpm() / 1_000_000.0,
          a.getCacheWrite1hTokens(), a.getInputAudioTokens(), a.getInputImageTokens(), a.getOutputAudioTokens(),
          a.getOutputImageTokens(), a.getBatchRequests(), a.getFlexRequests(), a.getPriorityRequests());
    }
  }

  /**
   * The answer of {@code GET /v1/usage}. For a model, {@code pricedAs}/{@code pricedBy}: the
   * catalogue entry its id prices as now and the rule that found it (absent: unpriced).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record UsageResponse(String dimension, String key, String period, String zone, Instant from, Instant to,
      String pricedAs, String pricedBy, List<UsageWindow> windows) {}

  private static final ObjectMapper JSON = Json.newMapper();
  private static final List<Period> QUERYABLE = AggregatorConfig.PERIODS;

  private final InstanceRouter router;
  private final UsageQueries queries;
  private final GlobalTableAdmin<ModelPrice> prices;
  private final ModelResolver models;
  private final ZoneId zone;
  private final Clock clock;

  AggregatorRoutes(InstanceRouter router, UsageQueries queries, GlobalTableAdmin<ModelPrice> prices,
      ModelResolver models, ZoneId zone, Clock clock) {
    this.models = models;
    this.router = router;
    this.queries = queries;
    this.prices = prices;
    this.zone = zone;
    this.clock = clock;
  }

  void register(Javalin app) {
    app.get("/v1/usage", this::usage, Role.READ);
    app.get("/v1/pricing", this::listPrices, Role.READ);
    // Registered before /v1/pricing/{provider}/<model>'s PUT; GET has no other route there.
    app.get("/v1/pricing/resolve", this::resolvePrice, Role.READ);
    // <model> may hold slashes: model ids like meta-llama/llama-3.3-70b.
    app.put("/v1/pricing/{provider}/<model>", this::putPrice, Role.ADMIN);
    app.post("/v1/pricing/import", this::importPrices, Role.ADMIN);
  }

  private void listPrices(Context ctx) {
    String provider = ctx.queryParam("provider");
    String model = ctx.queryParam("model");
    List<Map<String, Object>> rows = prices.all().stream()
        .filter(p -> provider == null || p.getProvider().equalsIgnoreCase(provider))
        .filter(p -> model == null || p.getModel().equalsIgnoreCase(model))
        .flatMap(p -> PriceJson.render(p).stream())
        .toList();
    ctx.json(Map.of("prices", rows));
  }

  /** Which catalogue entry a model id prices as, by which rule, and that entry's prices. */
  private void resolvePrice(Context ctx) {
    String provider = QueryParams.required(ctx, "provider");
    String model = QueryParams.required(ctx, "model");
    Optional<ModelResolver.Resolution> resolution = models.resolve(provider, model, key -> prices.get(key).isPresent());
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("provider", provider);
    json.put("model", model);
    json.put("pricedAs", resolution.map(ModelResolver.Resolution::key).orElse(null));
    json.put("rule", resolution.map(ModelResolver.Resolution::rule).orElse(null));
    json.put("prices", resolution.flatMap(r -> prices.get(r.key())).map(PriceJson::render).orElse(List.of()));
    ctx.json(json);
  }

  private void putPrice(Context ctx) {
    String provider = ctx.pathParam("provider").toLowerCase(Locale.ROOT);
    String model = ctx.pathParam("model");
    JsonNode body;
    try {
      body = JSON.readTree(ctx.body());
    } catch (JsonProcessingException e) {
      throw ProblemException.badRequest("body", "is not valid JSON: " + e.getOriginalMessage());
    }
    String key = Pricing.key(provider, model);
    ModelPrice updated = PriceJson.withVersion(prices.get(key).orElse(null), provider, model, body, clock.instant());
    ctx.json(Map.of("prices", PriceJson.render(prices.put(key, updated))));
  }

  /**
   * LiteLLM's price file, compared with the catalogue and, unless {@code dryRun}, applied as new
   * versions from {@code effectiveFrom} (default now). A start in the past would reprice calls
   * already counted, so it takes {@code force=true}.
   */
  private void importPrices(Context ctx) {
    boolean dryRun = QueryParams.booleanParam(ctx, "dryRun");
    Instant now = clock.instant();
    Instant effectiveFrom = QueryParams.instant(ctx, zone, "effectiveFrom", now);
    if (effectiveFrom.isBefore(now) && !QueryParams.booleanParam(ctx, "force")) {
      throw ProblemException.badRequest("effectiveFrom", "is in the past (" + effectiveFrom + "): the new prices would"
          + " reprice calls already counted; give force=true to do so");
    }
    Set<String> providers = new TreeSet<>();
    Optional.ofNullable(ctx.queryParam("provider")).ifPresent(list -> Arrays.stream(list.split(","))
        .map(p -> p.trim().toLowerCase(Locale.ROOT)).filter(p -> !p.isEmpty()).forEach(providers::add));
    String source = Optional.ofNullable(ctx.queryParam("source")).filter(s -> !s.isBlank())
        .orElse("LiteLLM model_prices_and_context_window.json, imported " + now);
    JsonNode file = LiteLlmImport.read(ctx.bodyInputStream());
    List<LiteLlmImport.Skipped> skipped = new ArrayList<>();
    List<LiteLlmImport.Entry> entries = LiteLlmImport.entries(file, providers, effectiveFrom, source, skipped);
    LiteLlmImport.Preview preview = LiteLlmImport.preview(entries, prices.all(), skipped);
    if (!dryRun) {
      Map<String, ModelPrice> updates = new LinkedHashMap<>();
      preview.added().forEach(e -> updates.put(e.key(), versioned(e)));
      preview.changed().forEach(c -> updates.put(c.entry().key(), versioned(c.entry())));
      prices.putAll(updates);
    }
    ctx.json(LiteLlmImport.render(preview, effectiveFrom, dryRun));
  }

  private ModelPrice versioned(LiteLlmImport.Entry entry) {
    return PriceJson.withVersion(prices.get(entry.key()).orElse(null), entry.provider(), entry.model(),
        entry.contextWindow(), entry.version());
  }

  private void usage(Context ctx) {
    Dimension dimension = QueryParams.enumParam(ctx, "dimension", Dimension.values(), null);
    String key = dimension == Dimension.ALL ? Subject.ALL_KEY : QueryParams.required(ctx, "key");
    Period period = QueryParams.enumParam(ctx, "period", QUERYABLE.toArray(Period[]::new), Period.DAY);
    Instant now = clock.instant();
    CalendarWindow current = CalendarWindow.containing(period, now, zone);
    Instant from = QueryParams.instant(ctx, zone, "from", current.start());
    Instant to = QueryParams.instant(ctx, zone, "to", current.end());
    if (!from.isBefore(to)) {
      throw ProblemException.badRequest("to", "must be after from (got from=" + from + ", to=" + to + ")");
    }
    Subject subject = new Subject(dimension, key);
    Optional<SubjectHome.Local> local = SubjectHome.localOrForward(ctx, router, subject);
    if (local.isEmpty()) {
      return;
    }
    // A window that contains `from` is included: "usage by month since the 15th" shows that month.
    Instant firstStart = CalendarWindow.containing(period, from, zone).start();
    List<UsageWindow> windows = queries.buckets(local.get(), subject, period, firstStart, to)
        .stream().map(UsageWindow::of).toList();
    Optional<ModelResolver.Resolution> pricedAs = Optional.empty();
    int slash = key.indexOf('/');
    if (dimension == Dimension.MODEL && slash > 0) {
      pricedAs = models.resolve(key.substring(0, slash), key.substring(slash + 1), k -> prices.get(k).isPresent());
    }
    ctx.json(new UsageResponse(dimension.name().toLowerCase(Locale.ROOT), key,
        period.name().toLowerCase(Locale.ROOT), zone.getId(), firstStart, to,
        pricedAs.map(ModelResolver.Resolution::key).orElse(null), pricedAs.map(ModelResolver.Resolution::rule).orElse(null),
        windows));
  }
}
