package dev.tokenledger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenledger.cli.Table.Column;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code pricing [list]|set}: the price catalogue the aggregator prices events with. */
final class PricingCommand implements Command {

  /** The catalogue's "in force since always" (the shipped prices). */
  private static final String ALWAYS = "1970-01-01T00:00:00Z";

  @Override
  public String help() {
    return """
        pricing [--provider openai] [--model gpt-4o]
          Every price version in the catalogue, USD per million tokens.
        pricing set PROVIDER/MODEL --input 2.00 --output 8.00 [--cached-input 0.50] [--cache-write 2.50]
                    [--reasoning 8.00] [--effective-from INSTANT] [--context-window 128000] [--source TEXT]
          Add a price version (admin key); --effective-from defaults to now, and a version with the
          same --effective-from is replaced. MODEL may contain '/'.
          e.g. bin/tokenledger pricing set openai/gpt-4o --input 2.50 --output 10.00 --cached-input 1.25""";
  }

  @Override
  public void run(Session session) {
    Arguments args = session.args();
    switch (args.word(1).orElse("list")) {
      case "list" -> list(session);
      case "set" -> set(session);
      default -> throw CliError.usage("pricing takes list or set (got " + args.word(1).orElseThrow() + ")");
    }
  }

  private void list(Session session) {
    Arguments args = session.args();
    args.check(Command.withConnection("provider", "model"), 2, "pricing");
    Map<String, String> query = new LinkedHashMap<>();
    query.put("provider", args.option("provider").orElse(null));
    query.put("model", args.option("model").orElse(null));
    JsonNode answer = session.aggregator(Session.Access.READ).get("/v1/pricing", query);
    print(session, answer);
  }

  private void set(Session session) {
    Arguments args = session.args();
    args.check(Command.withConnection("input", "output", "cached-input", "cache-write", "reasoning", "effective-from",
        "context-window", "source"), 3, "pricing set");
    String model = args.requiredWord(2, "PROVIDER/MODEL (pricing set openai/gpt-4o ...)");
    int slash = model.indexOf('/');
    if (slash <= 0 || slash == model.length() - 1) {
      throw CliError.usage("PROVIDER/MODEL must be like openai/gpt-4o (got " + model + ")");
    }
    ObjectNode body = ApiClient.JSON.createObjectNode();
    body.put("inputPerMillionUsd", args.requiredOption("input", "2.00"));
    body.put("outputPerMillionUsd", args.requiredOption("output", "8.00"));
    args.option("cached-input").ifPresent(v -> body.put("cachedInputPerMillionUsd", v));
    args.option("cache-write").ifPresent(v -> body.put("cacheWritePerMillionUsd", v));
    args.option("reasoning").ifPresent(v -> body.put("reasoningPerMillionUsd", v));
    args.option("effective-from").ifPresent(v -> body.put("effectiveFrom", v));
    args.option("source").ifPresent(v -> body.put("source", v));
    args.option("context-window").ifPresent(v -> {
      try {
        body.put("contextWindow", Long.parseLong(v));
      } catch (NumberFormatException e) {
        throw CliError.usage("--context-window must be a whole number of tokens (got " + v + ")");
      }
    });
    String path = "/v1/pricing/" + ApiClient.segment(model.substring(0, slash)) + "/"
        + Arrays.stream(model.substring(slash + 1).split("/", -1)).map(ApiClient::segment).collect(Collectors.joining("/"));
    print(session, session.aggregator(Session.Access.ADMIN).put(path, body));
  }

  private static void print(Session session, JsonNode answer) {
    if (session.json()) {
      session.printJson(answer);
      return;
    }
    JsonNode prices = answer.path("prices");
    if (prices.isEmpty()) {
      session.print("no prices match");
      return;
    }
    Table table = new Table(Column.text("MODEL"), Column.text("EFFECTIVE FROM"), Column.money("INPUT"), Column.money("OUTPUT"),
        Column.money("CACHED INPUT"), Column.money("CACHE WRITE"), Column.money("REASONING"), Column.figure("CONTEXT"));
    for (JsonNode price : prices) {
      String from = price.path("effectiveFrom").asText();
      table.row(price.path("provider").asText() + "/" + price.path("model").asText(),
          from.equals(ALWAYS) ? "always" : Formats.time(from, session.zone()),
          Formats.usd(price.path("inputPerMillionUsd")), Formats.usd(price.path("outputPerMillionUsd")),
          Formats.usd(price.path("cachedInputPerMillionUsd")), Formats.usd(price.path("cacheWritePerMillionUsd")),
          Formats.usd(price.path("reasoningPerMillionUsd")), Formats.count(price.path("contextWindow")));
    }
    session.print("USD per million tokens");
    session.print(table.render());
  }
}
