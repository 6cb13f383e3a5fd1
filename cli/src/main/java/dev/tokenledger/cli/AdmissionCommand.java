package dev.tokenledger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.cli.Table.Column;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code admission SUBJECT --tokens N}: would the quotas let this request go, and why. */
final class AdmissionCommand implements Command {

  @Override
  public String help() {
    return """
        admission SUBJECT [--tokens N] [--cost USD]
          Whether a request of N tokens (and USD cost) by SUBJECT (user:alice) may go now, with each
          binding quota's answer. Only block quotas deny; the exit code is 0 either way.
          e.g. bin/tokenledger admission user:alice --tokens 1200""";
  }

  @Override
  public void run(Session session) {
    Arguments args = session.args();
    args.check(Command.withConnection("tokens", "cost"), 2, "admission");
    String subject = args.requiredWord(1, "SUBJECT (admission user:alice --tokens 1200)");
    Map<String, String> query = new LinkedHashMap<>();
    query.put("subject", subject);
    query.put("tokens", args.option("tokens").map(AdmissionCommand::tokens).orElse(null));
    query.put("costUsd", args.option("cost").map(AdmissionCommand::cost).orElse(null));
    JsonNode answer = session.alerting(Session.Access.READ).get("/v1/admission", query);
    if (session.json()) {
      session.printJson(answer);
      return;
    }
    session.print(subject + ": " + (answer.path("allowed").asBoolean() ? "allowed" : "DENIED"));
    JsonNode decisions = answer.path("decisions");
    if (decisions.isEmpty()) {
      session.print("no quota binds " + subject);
      return;
    }
    Table table = new Table(Column.text("QUOTA"), Column.text("RULE"), Column.text("ACTION"), Column.text("ALLOWED"),
        Column.text("REASON"));
    for (JsonNode decision : decisions) {
      String allowed = decision.path("allowed").asBoolean() ? "yes" : "no";
      if (decision.has("retryAfterMs")) {
        allowed += String.format(" (retry in %d s)", (decision.path("retryAfterMs").asLong() + 999) / 1000);
      }
      table.row(decision.path("quotaId").asText(), decision.path("rule").asText(), decision.path("action").asText(),
          allowed, decision.path("reason").asText());
    }
    session.print(table.render());
  }

  private static String tokens(String value) {
    if (!value.matches("\\d{1,18}")) {
      throw CliError.usage("--tokens must be a whole number of tokens like 1200 (got " + value + ")");
    }
    return value;
  }

  private static String cost(String value) {
    try {
      new BigDecimal(value);
      return value;
    } catch (NumberFormatException e) {
      throw CliError.usage("--cost must be a USD amount like 0.25 (got " + value + ")");
    }
  }
}
