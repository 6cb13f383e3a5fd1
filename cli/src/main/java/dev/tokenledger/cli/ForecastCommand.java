package dev.tokenledger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.cli.Table.Column;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code forecast KEY}: a key's use so far in this month or day and where it will end, from {@code GET /v1/forecast}. */
final class ForecastCommand implements Command {

  @Override
  public String help() {
    return """
        forecast [--dimension user] KEY [--period month|day]
          A key's tokens and cost so far in the current window and the projection to its end, with
          the confidence (0-100%) and how it was projected.
          --dimension  user (default), model (KEY provider/model), provider, feature, tenant,
                       user_model (KEY user/provider/model), all (no KEY)
          --period     month (default) or day
          e.g. bin/tokenledger forecast alice --period day""";
  }

  @Override
  public void run(Session session) {
    Arguments args = session.args();
    args.check(Command.withConnection("dimension", "period"), 2, "forecast");
    String dimension = args.option("dimension").orElse("user");
    Map<String, String> query = new LinkedHashMap<>();
    query.put("dimension", dimension);
    query.put("key", dimension.equals("all") ? null : args.requiredWord(1, "KEY (whose forecast, e.g. alice)"));
    query.put("period", args.option("period").orElse(null));
    JsonNode answer = session.aggregator(Session.Access.READ).get("/v1/forecast", query);
    if (session.json()) {
      session.printJson(answer);
      return;
    }
    String subject = dimension.equals("all") ? "all" : answer.path("dimension").asText() + " " + answer.path("key").asText();
    session.print(String.format(Locale.ROOT, "%s this %s, %s to %s, as of %s", subject, answer.path("period").asText(),
        Formats.time(answer.path("start"), session.zone()), Formats.time(answer.path("end"), session.zone()),
        Formats.time(answer.path("asOf"), session.zone())));
    session.print(new Table(Column.text(""), Column.figure("TOKENS"), Column.money("COST USD"))
        .row("used", Formats.count(answer.path("usedTokens")), Formats.usd(answer.path("usedCostUsd")))
        .row("forecast", Formats.count(answer.path("forecastTokens")), Formats.usd(answer.path("forecastCostUsd")))
        .render());
    session.print("confidence " + Formats.percent(answer.path("confidence")) + "; method: " + Formats.text(answer.path("method")));
  }
}
