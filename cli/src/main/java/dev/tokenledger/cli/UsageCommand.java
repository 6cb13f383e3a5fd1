package dev.tokenledger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.cli.Table.Column;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code usage KEY}: one key's totals per window, from {@code GET /v1/usage}. */
final class UsageCommand implements Command {

  @Override
  public String help() {
    return """
        usage [--dimension user] KEY [--period day] [--from DATE|INSTANT] [--to DATE|INSTANT]
          One key's totals per window: requests, input, output and total tokens, cost in USD.
          --dimension  user (default), model (KEY provider/model), provider, feature, tenant,
                       user_model (KEY user/provider/model), all (no KEY)
          --period     minute, hour, day (default), month
          --from/--to  a date (midnight in the aggregator's zone) or an instant; both default to the
                       current window; the window containing --from is included, --to is exclusive
          e.g. bin/tokenledger usage alice --period day --from 2026-11-01""";
  }

  @Override
  public void run(Session session) {
    Arguments args = session.args();
    args.check(Command.withConnection("dimension", "period", "from", "to"), 2, "usage");
    String dimension = args.option("dimension").orElse("user");
    String key = dimension.equals("all") ? args.word(1).orElse("_") : args.requiredWord(1, "KEY (whose usage, e.g. alice)");
    Map<String, String> query = new LinkedHashMap<>();
    query.put("dimension", dimension);
    query.put("key", key);
    query.put("period", args.option("period").orElse(null));
    query.put("from", args.option("from").orElse(null));
    query.put("to", args.option("to").orElse(null));
    JsonNode answer = session.aggregator(Session.Access.READ).get("/v1/usage", query);
    if (session.json()) {
      session.printJson(answer);
      return;
    }
    String subject = dimension.equals("all") ? "all" : answer.path("dimension").asText() + " " + answer.path("key").asText();
    session.print(String.format(Locale.ROOT, "%s per %s, %s to %s (zone %s)", subject, answer.path("period").asText(),
        Formats.time(answer.path("from"), session.zone()), Formats.time(answer.path("to"), session.zone()),
        answer.path("zone").asText()));
    JsonNode windows = answer.path("windows");
    if (windows.isEmpty()) {
      session.print("no usage in this range");
      return;
    }
    Table table = new Table(Column.text("WINDOW START"), Column.figure("REQUESTS"), Column.figure("INPUT TOKENS"),
        Column.figure("OUTPUT TOKENS"), Column.figure("TOTAL TOKENS"), Column.money("COST USD"));
    long requests = 0;
    long input = 0;
    long output = 0;
    long total = 0;
    long unpriced = 0;
    BigDecimal cost = BigDecimal.ZERO;
    for (JsonNode window : windows) {
      table.row(Formats.time(window.path("start"), session.zone()), Formats.count(window.path("requests")),
          Formats.count(window.path("inputTokens")), Formats.count(window.path("outputTokens")),
          Formats.count(window.path("totalTokens")), Formats.usd(window.path("costUsd")));
      requests += window.path("requests").asLong();
      input += window.path("inputTokens").asLong();
      output += window.path("outputTokens").asLong();
      total += window.path("totalTokens").asLong();
      unpriced += window.path("unpricedRequests").asLong();
      cost = cost.add(new BigDecimal(window.path("costUsd").asText("0")));
    }
    if (windows.size() > 1) {
      table.row("total", Formats.count(requests), Formats.count(input), Formats.count(output), Formats.count(total),
          Formats.usd(cost.toPlainString()));
    }
    session.print(table.render());
    if (unpriced > 0) {
      session.print(String.format(Locale.ROOT, "%,d request(s) had no price (no costUsd and no catalogue price): not in the cost", unpriced));
    }
  }
}
