package dev.tokenledger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenledger.cli.Table.Column;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/** {@code pricing [list]|set|import}: the price catalogue the aggregator prices events with. */
final class PricingCommand implements Command {

  /** The catalogue's "in force since always" (the shipped prices). */
  private static final String ALWAYS = "1970-01-01T00:00:00Z";
  /** Each price option of {@code set} (and of a tier in --prompt-tiers / --service-tiers) and its API field. */
  private static final Map<String, String> PRICES = prices();

  @Override
  public String help() {
    return """
        pricing [--provider openai] [--model gpt-4o]
          Every price version in the catalogue, USD per million tokens.
        pricing set PROVIDER/MODEL --input 2.00 --output 8.00 [--cached-input 0.50] [--cache-write 2.50]
                    [--cache-write-1h 4.00] [--reasoning 8.00] [--input-audio 40] [--input-image 8]
                    [--output-audio 80] [--output-image 32] [--prompt-tiers 'ABOVE: PRICE=USD ...; ...']
                    [--service-tiers 'TIER: multiplier=0.5; TIER: PRICE=USD ...'] [--effective-from INSTANT]
                    [--context-window 128000] [--source TEXT]
          Add a price version (admin key); --effective-from defaults to now, and a version with the
          same --effective-from is replaced. MODEL may contain '/'. In tiers PRICE is a price option's
          name without --: a prompt of more than ABOVE input tokens is priced wholly at its tier; a
          service tier is a multiplier of the standard price or prices of its own.
          e.g. bin/tokenledger pricing set openai/gpt-4o --input 2.50 --output 10.00 --cached-input 1.25
               bin/tokenledger pricing set anthropic/claude-sonnet-4-5 --input 3 --output 15 --cached-input 0.30 \\
                 --cache-write 3.75 --cache-write-1h 6 --service-tiers 'batch: multiplier=0.5' \\
                 --prompt-tiers '200000: input=6 output=22.50 cached-input=0.60 cache-write=7.50 cache-write-1h=12'
        pricing import FILE [--dry-run] [--provider openai,anthropic] [--effective-from DATE] [--force] [--source TEXT]
          Import LiteLLM's model_prices_and_context_window.json (admin key): prints the models added,
          the prices changed (old -> new), models of those providers the file lacks (kept) and entries
          skipped; without --dry-run the added and changed models get a version from --effective-from
          (default now; a date in the past needs --force, as it reprices calls already counted).""";
  }

  @Override
  public void run(Session session) {
    Arguments args = session.args();
    switch (args.word(1).orElse("list")) {
      case "list" -> list(session);
      case "set" -> set(session);
      case "import" -> importFile(session);
      default -> throw CliError.usage("pricing takes list, set or import (got " + args.word(1).orElseThrow() + ")");
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
    Set<String> options = new TreeSet<>(PRICES.keySet());
    options.addAll(List.of("prompt-tiers", "service-tiers", "effective-from", "context-window", "source"));
    args.check(Command.withConnection(options.toArray(String[]::new)), 3, "pricing set");
    String model = args.requiredWord(2, "PROVIDER/MODEL (pricing set openai/gpt-4o ...)");
    int slash = model.indexOf('/');
    if (slash <= 0 || slash == model.length() - 1) {
      throw CliError.usage("PROVIDER/MODEL must be like openai/gpt-4o (got " + model + ")");
    }
    ObjectNode body = ApiClient.JSON.createObjectNode();
    args.requiredOption("input", "2.00");
    args.requiredOption("output", "8.00");
    PRICES.forEach((option, field) -> args.option(option).ifPresent(v -> body.put(field, v)));
    args.option("prompt-tiers").ifPresent(v -> {
      ArrayNode tiers = body.putArray("promptTiers");
      tiers(v, "--prompt-tiers").forEach((above, prices) -> {
        ObjectNode tier = prices.deepCopy();
        try {
          tier.put("aboveInputTokens", Long.parseLong(above));
        } catch (NumberFormatException e) {
          throw CliError.usage("--prompt-tiers: a tier starts with the prompt size in tokens it applies above, like"
              + " '200000: input=6' (got " + above + ")");
        }
        tiers.add(tier);
      });
    });
    args.option("service-tiers").ifPresent(v -> tiers(v, "--service-tiers").forEach(body.putObject("serviceTiers")::set));
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

  private void importFile(Session session) {
    Arguments args = session.args();
    args.check(Command.withConnection("dry-run", "provider", "effective-from", "force", "source"), 3, "pricing import");
    Path file = Path.of(args.requiredWord(2, "FILE (pricing import model_prices_and_context_window.json)"));
    JsonNode body;
    try {
      // ApiClient.JSON reads numbers as decimals from their text: LiteLLM's prices are floats, never
      // to pass through a double.
      body = ApiClient.JSON.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw CliError.usage("cannot read " + file + ": " + e.getMessage());
    }
    Map<String, String> query = new LinkedHashMap<>();
    query.put("dryRun", Boolean.toString(args.flag("dry-run")));
    query.put("force", args.flag("force") ? "true" : null);
    query.put("provider", args.option("provider").orElse(null));
    query.put("effectiveFrom", args.option("effective-from").orElse(null));
    query.put("source", args.option("source").orElse(null));
    JsonNode answer = session.aggregator(Session.Access.ADMIN).post("/v1/pricing/import", query, body);
    if (session.json()) {
      session.printJson(answer);
      return;
    }
    boolean dryRun = answer.path("dryRun").asBoolean();
    session.print((dryRun ? "would take effect " : "in force from ") + answer.path("effectiveFrom").asText()
        + (dryRun ? " (dry run: nothing written)" : ""));
    section(session, "added", answer.path("added"), model -> model.path("prices").fields().hasNext()
        ? "input " + model.path("prices").path("inputPerMillionUsd").asText() + ", output "
            + model.path("prices").path("outputPerMillionUsd").asText() + " USD per million" : "");
    StringBuilder changed = new StringBuilder();
    for (JsonNode model : answer.path("changed")) {
      changed.append("  ").append(model.path("provider").asText()).append('/').append(model.path("model").asText()).append('\n');
      for (JsonNode change : model.path("changes")) {
        changed.append("    ").append(change.path("price").asText()).append(": ")
            .append(change.path("from").isNull() ? "(none)" : change.path("from").asText()).append(" -> ")
            .append(change.path("to").isNull() ? "(none)" : change.path("to").asText()).append('\n');
      }
    }
    session.print("changed: " + answer.path("changed").size() + (changed.length() > 0 ? "\n" + changed.toString().stripTrailing() : ""));
    session.print("unchanged: " + answer.path("unchanged").asInt());
    StringBuilder removed = new StringBuilder();
    answer.path("removed").forEach(key -> removed.append("\n  ").append(key.asText()));
    session.print("not in the file (kept): " + answer.path("removed").size() + removed);
    StringBuilder skipped = new StringBuilder();
    answer.path("skipped").forEach(entry -> skipped.append("\n  ").append(entry.path("entry").asText()).append(": ")
        .append(entry.path("reason").asText()));
    session.print("skipped: " + answer.path("skipped").size() + skipped);
  }

  private static void section(Session session, String title, JsonNode models, Function<JsonNode, String> detail) {
    StringBuilder text = new StringBuilder(title + ": " + models.size());
    for (JsonNode model : models) {
      text.append("\n  ").append(model.path("provider").asText()).append('/').append(model.path("model").asText());
      String more = detail.apply(model);
      if (!more.isEmpty()) {
        text.append("  ").append(more);
      }
    }
    session.print(text.toString());
  }

  /** {@code 'NAME: price=USD price=USD; NAME: ...'} as each tier's name and its JSON. */
  private static Map<String, ObjectNode> tiers(String value, String option) {
    Map<String, ObjectNode> tiers = new LinkedHashMap<>();
    for (String tier : value.split(";")) {
      if (tier.isBlank()) {
        continue;
      }
      int colon = tier.indexOf(':');
      if (colon <= 0) {
        throw CliError.usage(option + ": each tier is NAME: price=USD ... (got " + tier.trim() + ")");
      }
      ObjectNode prices = ApiClient.JSON.createObjectNode();
      for (String pair : tier.substring(colon + 1).trim().split("\\s+")) {
        String[] sides = pair.split("=", 2);
        String field = sides[0].equals("multiplier") ? "multiplier" : PRICES.get(sides[0]);
        if (sides.length != 2 || field == null) {
          throw CliError.usage(option + ": " + pair + " is not PRICE=USD with PRICE one of multiplier, "
              + String.join(", ", PRICES.keySet()));
        }
        prices.put(field, sides[1]);
      }
      tiers.put(tier.substring(0, colon).trim(), prices);
    }
    return tiers;
  }

  private static Map<String, String> prices() {
    Map<String, String> prices = new LinkedHashMap<>();
    prices.put("input", "inputPerMillionUsd");
    prices.put("output", "outputPerMillionUsd");
    prices.put("cached-input", "cachedInputPerMillionUsd");
    prices.put("cache-write", "cacheWritePerMillionUsd");
    prices.put("cache-write-1h", "cacheWrite1hPerMillionUsd");
    prices.put("reasoning", "reasoningPerMillionUsd");
    prices.put("input-audio", "inputAudioPerMillionUsd");
    prices.put("input-image", "inputImagePerMillionUsd");
    prices.put("output-audio", "outputAudioPerMillionUsd");
    prices.put("output-image", "outputImagePerMillionUsd");
    return Collections.unmodifiableMap(prices);
  }

  /** The prices the table has no column for, in short: --json shows them whole. */
  private static String more(JsonNode price) {
    List<String> more = new ArrayList<>();
    for (String option : List.of("cache-write-1h", "input-audio", "input-image", "output-audio", "output-image")) {
      JsonNode usd = price.path(PRICES.get(option));
      if (!usd.isMissingNode() && !usd.isNull()) {
        more.add(option + " " + Formats.usd(usd));
      }
    }
    for (JsonNode tier : price.path("promptTiers")) {
      more.add("above " + Formats.count(tier.path("aboveInputTokens")) + " tokens: tier prices");
    }
    price.path("serviceTiers").fields().forEachRemaining(tier -> more.add(tier.getKey()
        + (tier.getValue().has("multiplier") ? " ×" + tier.getValue().path("multiplier").asText() : ": own prices")));
    return more.isEmpty() ? "-" : String.join(", ", more);
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
        Column.money("CACHED INPUT"), Column.money("CACHE WRITE"), Column.money("REASONING"), Column.figure("CONTEXT"),
        Column.text("MORE"));
    for (JsonNode price : prices) {
      String from = price.path("effectiveFrom").asText();
      table.row(price.path("provider").asText() + "/" + price.path("model").asText(),
          from.equals(ALWAYS) ? "always" : Formats.time(from, session.zone()),
          Formats.usd(price.path("inputPerMillionUsd")), Formats.usd(price.path("outputPerMillionUsd")),
          Formats.usd(price.path("cachedInputPerMillionUsd")), Formats.usd(price.path("cacheWritePerMillionUsd")),
          Formats.usd(price.path("reasoningPerMillionUsd")), Formats.count(price.path("contextWindow")), more(price));
    }
    session.print("USD per million tokens");
    session.print(table.render());
  }
}
