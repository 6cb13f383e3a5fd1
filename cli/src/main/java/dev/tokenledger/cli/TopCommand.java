package dev.tokenledger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.cli.Table.Column;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code top}: the keys of a dimension ranked by cost or tokens, from {@code GET /v1/top}. */
final class TopCommand implements Command {

  @Override
  public String help() {
    return """
        top [--dimension user] [--period day] [--at DATE|INSTANT] [--by cost|tokens] [--limit 10] [--prefix P]
          The top keys of a dimension in the window containing --at (default now), across every
          aggregator instance.
          --dimension  user (default), model, provider, feature, tenant, user_model
          --by         cost (default) or tokens
          --limit      1-1000 (default 10)
          --prefix     only keys starting with P (--dimension user_model --prefix alice/: alice's models)
          e.g. bin/tokenledger top --by tokens --limit 5""";
  }

  @Override
  public void run(Session session) {
    Arguments args = session.args();
    args.check(Command.withConnection("dimension", "period", "at", "by", "limit", "prefix"), 1, "top");
    Map<String, String> query = new LinkedHashMap<>();
    for (String name : new String[] {"dimension", "period", "at", "by", "limit", "prefix"}) {
      query.put(name, args.option(name).orElse(null));
    }
    JsonNode answer = session.aggregator(Session.Access.READ).get("/v1/top", query);
    if (session.json()) {
      session.printJson(answer);
      return;
    }
    String dimension = answer.path("dimension").asText();
    session.print(String.format(Locale.ROOT, "top %s by %s, %s %s to %s", dimension, answer.path("by").asText(),
        answer.path("period").asText(), Formats.time(answer.path("start"), session.zone()),
        Formats.time(answer.path("end"), session.zone())));
    JsonNode entries = answer.path("entries");
    if (entries.isEmpty()) {
      session.print("no usage in this window");
      return;
    }
    Table table = new Table(Column.figure("#"), Column.text(dimension.toUpperCase(Locale.ROOT)), Column.money("COST USD"),
        Column.figure("TOTAL TOKENS"), Column.figure("INPUT TOKENS"), Column.figure("OUTPUT TOKENS"), Column.figure("REQUESTS"),
        Column.figure("FAILED"));
    int rank = 0;
    for (JsonNode entry : entries) {
      table.row(Integer.toString(++rank), entry.path("key").asText(), Formats.usd(entry.path("costUsd")),
          Formats.count(entry.path("totalTokens")), Formats.count(entry.path("inputTokens")),
          Formats.count(entry.path("outputTokens")), Formats.count(entry.path("requests")),
          Formats.count(entry.path("failedRequests")));
    }
    session.print(table.render());
  }
}
