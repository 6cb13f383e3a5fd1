package dev.tokenledger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenledger.cli.Table.Column;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/** {@code quota set|list|status|delete}: the alerting app's quotas. */
final class QuotaCommand implements Command {

  @Override
  public String help() {
    return """
        quota set ID --subject user:alice --metric tokens|cost --period day --limit 100000
                  [--thresholds 0.8,0.9,1.0] [--action warn|block|throttle] [--rule limit|request|forecast]
          Create or replace quota ID (admin key). --limit is tokens, or USD for --metric cost ("25.00").
          --period minute, hour, day, week, month (none for --rule request); --subject dimension:key or
          dimension:* (the default for every key). Prints the quota once it is in force.
        quota list
          Every quota.
        quota status SUBJECT
          Where SUBJECT (user:alice) stands against each quota that binds it: used, limit, state.
        quota delete ID
          Delete quota ID (admin key).
          e.g. bin/tokenledger quota set alice-daily --subject user:alice --metric tokens --period day --limit 100000 --action block""";
  }

  @Override
  public void run(Session session) {
    Arguments args = session.args();
    switch (args.word(1).orElse("list")) {
      case "set" -> set(session);
      case "list" -> list(session);
      case "status" -> status(session);
      case "delete" -> delete(session);
      default -> throw CliError.usage("quota takes set, list, status or delete (got " + args.word(1).orElseThrow() + ")");
    }
  }

  private void set(Session session) {
    Arguments args = session.args();
    args.check(Command.withConnection("subject", "metric", "period", "limit", "thresholds", "action", "rule"), 3, "quota set");
    String id = args.requiredWord(2, "the quota's ID (quota set ID ...)");
    ObjectNode body = ApiClient.JSON.createObjectNode();
    body.put("subject", args.requiredOption("subject", "user:alice"));
    String metric = args.requiredOption("metric", "tokens");
    body.put("metric", metric);
    args.option("period").ifPresent(period -> body.put("period", period));
    String limit = args.requiredOption("limit", "100000");
    // Tokens are a JSON number, cost a USD string: the app checks either and names what is wrong.
    if (metric.equals("tokens") && limit.matches("\\d{1,18}")) {
      body.put("limit", Long.parseLong(limit));
    } else {
      body.put("limit", limit);
    }
    args.option("thresholds").ifPresent(list -> {
      ArrayNode thresholds = body.putArray("thresholds");
      for (String item : list.split(",")) {
        try {
          thresholds.add(new BigDecimal(item.trim()));
        } catch (NumberFormatException e) {
          throw CliError.usage("--thresholds must be fractions of the limit like 0.8,0.9,1.0 (got " + list + ")");
        }
      }
    });
    args.option("action").ifPresent(action -> body.put("action", action));
    args.option("rule").ifPresent(rule -> body.put("rule", rule));
    JsonNode stored = session.alerting(Session.Access.ADMIN).put("/v1/quotas/" + ApiClient.segment(id), body);
    if (session.json()) {
      session.printJson(stored);
      return;
    }
    session.print("quota " + id + " is in force:");
    session.print(quotaTable(List.of(stored)).render());
  }

  private void list(Session session) {
    session.args().check(Command.withConnection(), 2, "quota list");
    // Every page, in id order: the server answers a bounded page at a time.
    ArrayNode quotas = ApiClient.JSON.createArrayNode();
    Optional<String> after = Optional.empty();
    do {
      JsonNode page = session.alerting(Session.Access.READ).get("/v1/quotas",
          after.map(id -> Map.of("after", id, "limit", "10000")).orElse(Map.of("limit", "10000")));
      page.path("quotas").forEach(quotas::add);
      Optional<String> next = Optional.ofNullable(page.path("next").textValue());
      if (next.isPresent() && next.equals(after)) {
        throw CliError.api("the alerting app gave the same page twice (after " + next.get() + ")", List.of());
      }
      after = next;
    } while (after.isPresent());
    if (session.json()) {
      session.printJson(ApiClient.JSON.createObjectNode().set("quotas", quotas));
      return;
    }
    if (quotas.isEmpty()) {
      session.print("no quotas: 'quota set' adds one");
      return;
    }
    session.print(quotaTable(quotas).render());
  }

  private void status(Session session) {
    Arguments args = session.args();
    args.check(Command.withConnection(), 3, "quota status");
    String subject = args.requiredWord(2, "SUBJECT (quota status user:alice)");
    JsonNode answer = session.alerting(Session.Access.READ).get("/v1/quotas/status", Map.of("subject", subject));
    if (session.json()) {
      session.printJson(answer);
      return;
    }
    JsonNode quotas = answer.path("quotas");
    if (quotas.isEmpty()) {
      session.print("no limit quota binds " + subject);
      return;
    }
    Table table = new Table(Column.text("QUOTA"), Column.text("METRIC"), Column.text("PERIOD"), Column.figure("USED"),
        Column.figure("LIMIT"), Column.figure("USED %"), Column.text("STATE"), Column.text("ACTION"), Column.text("RESETS AT"));
    for (JsonNode quota : quotas) {
      String metric = quota.path("metric").asText();
      table.row(quota.path("id").asText(), metric, quota.path("period").asText(), Formats.amount(metric, quota.path("used")),
          Formats.amount(metric, quota.path("limit")), Formats.percent(quota.path("utilization")),
          quota.path("state").asText(), quota.path("action").asText(), Formats.time(quota.path("resetsAt"), session.zone()));
    }
    session.print(subject);
    session.print(table.render());
  }

  private void delete(Session session) {
    Arguments args = session.args();
    args.check(Command.withConnection(), 3, "quota delete");
    String id = args.requiredWord(2, "the quota's ID (quota delete ID)");
    session.alerting(Session.Access.ADMIN).delete("/v1/quotas/" + ApiClient.segment(id));
    if (!session.json()) {
      session.print("quota " + id + " deleted");
    }
  }

  private static Table quotaTable(Iterable<JsonNode> quotas) {
    Table table = new Table(Column.text("QUOTA"), Column.text("SUBJECT"), Column.text("RULE"), Column.text("METRIC"),
        Column.text("PERIOD"), Column.figure("LIMIT"), Column.text("THRESHOLDS"), Column.text("ACTION"));
    for (JsonNode quota : quotas) {
      String metric = quota.path("metric").asText();
      String thresholds = StreamSupport.stream(quota.path("thresholds").spliterator(), false)
          .map(t -> t.decimalValue().movePointRight(2).stripTrailingZeros().toPlainString() + "%").collect(Collectors.joining(","));
      table.row(quota.path("id").asText(), quota.path("subject").asText(), quota.path("rule").asText(), metric,
          Formats.text(quota.path("period")), Formats.amount(metric, quota.path("limit")), thresholds,
          quota.path("action").asText());
    }
    return table;
  }
}
