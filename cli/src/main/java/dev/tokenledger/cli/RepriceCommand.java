package dev.tokenledger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenledger.cli.Table.Column;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code reprice compare}: a restatement's totals beside the live ones, window by window and key by
 * key, from {@code GET /v1/top} of both aggregators. A restatement is complete for a window when it
 * counted the same requests and tokens as the live totals (only prices changed); a window where it
 * counted fewer has not been replayed yet, or its events are no longer on {@code tokens.consumed}.
 */
final class RepriceCommand implements Command {

  /** Windows compared at most in one run: a week of minutes. */
  private static final int MAX_WINDOWS = 10_080;

  @Override
  public String help() {
    return """
        reprice compare --restated URL --from DATE|INSTANT --to DATE|INSTANT [--dimension model] [--period day] [--limit 1000]
          After a price correction, compare a restating aggregator (replaying tokens.consumed under a
          new application id, see docs/repricing.md) with the live one: per window and key, the live
          and restated cost and the change; then whether the restatement is complete (same requests
          and tokens in every window). Exit 0 when it is, 1 when some window is not yet restated.
          --restated   the restating aggregator's URL (or TOKENLEDGER_RESTATED_URL)
          --dimension  model (default), provider, tenant, feature, user, user_model
          --period     minute, hour, day (default), month
          --limit      keys compared per window, the top by tokens (1-1000, default 1000)
          e.g. bin/tokenledger reprice compare --restated http://127.0.0.1:18082 --from 2026-11-01 --to 2026-12-01""";
  }

  /** One key in one window, as each side counted it. */
  private record Row(JsonNode window, String key, JsonNode live, JsonNode restated) {

    boolean complete() {
      return same("requests") && same("inputTokens") && same("outputTokens");
    }

    BigDecimal liveCost() {
      return cost(live);
    }

    BigDecimal restatedCost() {
      return cost(restated);
    }

    private boolean same(String field) {
      return live.path(field).asLong() == restated.path(field).asLong();
    }

    private static BigDecimal cost(JsonNode side) {
      return new BigDecimal(side.path("costUsd").asText("0"));
    }
  }

  @Override
  public void run(Session session) {
    Arguments args = session.args();
    args.check(Command.withConnection("restated", "from", "to", "dimension", "period", "limit"), 2, "reprice compare");
    String action = args.requiredWord(1, "what to do (compare)");
    if (!action.equals("compare")) {
      throw CliError.usage("reprice does compare (got " + action + "); see bin/tokenledger help reprice");
    }
    ApiClient live = session.aggregator(Session.Access.READ);
    ApiClient restated = session.restatedAggregator(Session.Access.READ);
    String from = args.option("from").orElseThrow(() -> CliError.usage("--from is required: where the range starts"));
    String to = args.option("to").orElseThrow(() -> CliError.usage("--to is required: where the range ends"));
    Map<String, String> query = new LinkedHashMap<>();
    query.put("dimension", args.option("dimension").orElse("model"));
    query.put("period", args.option("period").orElse("day"));
    query.put("by", "tokens");
    query.put("limit", args.option("limit").orElse("1000"));

    // The windows with live usage in the range (the aggregator reads the dates in its zone).
    Map<String, String> range = new LinkedHashMap<>();
    range.put("dimension", "all");
    range.put("period", query.get("period"));
    range.put("from", from);
    range.put("to", to);
    JsonNode windows = live.get("/v1/usage", range).path("windows");
    if (windows.size() > MAX_WINDOWS) {
      throw CliError.usage("the range holds more than " + MAX_WINDOWS + " windows of this period; compare a shorter"
          + " range or a longer period");
    }
    List<Row> rows = new ArrayList<>();
    for (JsonNode window : windows) {
      query.put("at", window.path("start").asText());
      rows.addAll(join(live.get("/v1/top", query), restated.get("/v1/top", query)));
    }
    report(session, query, rows);
  }

  /** The keys either side counted in one window, each with both sides' totals (absent: zero). */
  private static List<Row> join(JsonNode liveTop, JsonNode restatedTop) {
    Map<String, JsonNode> live = byKey(liveTop);
    Map<String, JsonNode> restated = byKey(restatedTop);
    TreeSet<String> keys = new TreeSet<>(live.keySet());
    keys.addAll(restated.keySet());
    JsonNode window = liveTop.path("start");
    List<Row> rows = new ArrayList<>();
    for (String key : keys) {
      rows.add(new Row(window, key, live.getOrDefault(key, ApiClient.JSON.createObjectNode()),
          restated.getOrDefault(key, ApiClient.JSON.createObjectNode())));
    }
    return rows;
  }

  private static Map<String, JsonNode> byKey(JsonNode top) {
    Map<String, JsonNode> entries = new LinkedHashMap<>();
    top.path("entries").forEach(entry -> entries.put(entry.path("key").asText(), entry));
    return entries;
  }

  private static void report(Session session, Map<String, String> query, List<Row> rows) {
    List<Row> incomplete = rows.stream().filter(r -> !r.complete()).toList();
    List<Row> repriced = rows.stream().filter(r -> r.complete() && r.liveCost().compareTo(r.restatedCost()) != 0).toList();
    BigDecimal change = repriced.stream().map(r -> r.restatedCost().subtract(r.liveCost()))
        .reduce(BigDecimal.ZERO, BigDecimal::add);
    if (session.json()) {
      ObjectNode json = ApiClient.JSON.createObjectNode();
      json.put("dimension", query.get("dimension"));
      json.put("period", query.get("period"));
      json.put("compared", rows.size());
      json.put("changeUsd", change.toPlainString());
      json.put("complete", incomplete.isEmpty());
      ArrayNode list = json.putArray("rows");
      rows.forEach(r -> list.addObject().put("window", r.window().asText()).put("key", r.key()).put("complete", r.complete())
          .put("requests", r.live().path("requests").asLong())
          .put("restatedRequests", r.restated().path("requests").asLong())
          .put("costUsd", r.liveCost().toPlainString()).put("restatedCostUsd", r.restatedCost().toPlainString()));
      session.printJson(json);
    } else {
      session.print(String.format(Locale.ROOT, "repricing by %s per %s: %,d key-windows compared, %,d repriced, change %s USD",
          query.get("dimension"), query.get("period"), rows.size(), repriced.size(), Formats.usd(change.toPlainString())));
      if (!repriced.isEmpty()) {
        Table table = new Table(Column.text("WINDOW START"), Column.text(query.get("dimension").toUpperCase(Locale.ROOT)),
            Column.figure("REQUESTS"), Column.money("LIVE COST USD"), Column.money("RESTATED COST USD"),
            Column.money("CHANGE USD"));
        for (Row r : repriced) {
          table.row(Formats.time(r.window(), session.zone()), r.key(),
              Formats.count(r.live().path("requests")), Formats.usd(r.liveCost().toPlainString()),
              Formats.usd(r.restatedCost().toPlainString()),
              Formats.usd(r.restatedCost().subtract(r.liveCost()).toPlainString()));
        }
        session.print(table.render());
      }
    }
    if (!incomplete.isEmpty()) {
      List<String> details = incomplete.stream().limit(20).map(r -> String.format(Locale.ROOT,
          "%s %s: live %d requests, restated %d", r.window().asText(), r.key(), r.live().path("requests").asLong(),
          r.restated().path("requests").asLong())).toList();
      throw CliError.api(String.format(Locale.ROOT, "the restatement is not complete in %,d key-windows (other requests"
          + " or tokens than the live totals): it has not replayed them yet, or tokens.consumed no longer holds their"
          + " events; wait, or do not switch for that range", incomplete.size()), details);
    }
    if (!session.json()) {
      session.print("the restatement is complete for this range: same requests and tokens in every window");
    }
  }
}
