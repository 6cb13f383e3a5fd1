package dev.tokenledger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.cli.Table.Column;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code stats}: totals across every key over a range, then models, features and users by cost, from {@code GET /v1/stats}. */
final class StatsCommand implements Command {

  @Override
  public String help() {
    return """
        stats [--range 24h|7d|30d] [--limit 10]
          Totals across every key (requests, failed, error rate, tokens, cost), then the models,
          features and users ranked by cost, across every aggregator instance.
          --range  24h (default: hourly windows, this hour included), 7d or 30d (daily windows,
                   today included)
          --limit  rows in each ranking, 1-100 (default 10)
          e.g. bin/tokenledger stats --range 7d --limit 5""";
  }

  @Override
  public void run(Session session) {
    Arguments args = session.args();
    args.check(Command.withConnection("range", "limit"), 1, "stats");
    Map<String, String> query = new LinkedHashMap<>();
    query.put("range", args.option("range").orElse(null));
    query.put("limit", args.option("limit").orElse(null));
    JsonNode answer = session.aggregator(Session.Access.READ).get("/v1/stats", query);
    if (session.json()) {
      session.printJson(answer);
      return;
    }
    session.print(String.format(Locale.ROOT, "stats for %s, %s to %s", answer.path("range").asText(),
        Formats.time(answer.path("start"), session.zone()), Formats.time(answer.path("end"), session.zone())));
    JsonNode totals = answer.path("totals");
    session.print(new Table(Column.figure("REQUESTS"), Column.figure("FAILED"), Column.figure("ERROR RATE"),
        Column.figure("INPUT TOKENS"), Column.figure("OUTPUT TOKENS"), Column.figure("TOTAL TOKENS"), Column.money("COST USD"))
        .row(Formats.count(totals.path("requests")), Formats.count(totals.path("failedRequests")),
            Formats.percent(totals.path("errorRate")), Formats.count(totals.path("inputTokens")),
            Formats.count(totals.path("outputTokens")), Formats.count(totals.path("totalTokens")),
            Formats.usd(totals.path("costUsd")))
        .render());
    ranking(session, "by model", "MODEL", answer.path("byModel"));
    ranking(session, "by feature", "FEATURE", answer.path("byFeature"));
    ranking(session, "top users", "USER", answer.path("topUsers"));
  }

  private static void ranking(Session session, String title, String keyHeader, JsonNode entries) {
    session.print("\n" + title);
    if (entries.isEmpty()) {
      session.print("no usage in this range");
      return;
    }
    Table table = new Table(Column.text(keyHeader), Column.money("COST USD"), Column.figure("TOTAL TOKENS"),
        Column.figure("INPUT TOKENS"), Column.figure("OUTPUT TOKENS"), Column.figure("REQUESTS"), Column.figure("FAILED"));
    for (JsonNode entry : entries) {
      table.row(entry.path("key").asText(), Formats.usd(entry.path("costUsd")), Formats.count(entry.path("totalTokens")),
          Formats.count(entry.path("inputTokens")), Formats.count(entry.path("outputTokens")),
          Formats.count(entry.path("requests")), Formats.count(entry.path("failedRequests")));
    }
    session.print(table.render());
  }
}
