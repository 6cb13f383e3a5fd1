package dev.tokenledger.cli;

import com.fasterxml.jackson.databind.JsonNode;
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
    query.put("tokens", args.option("tokens").orElse(null));
    query.put("costUsd", args.option("cost").orElse(null));
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
    Table table = new Table("QUOTA", "RULE", "ACTION", "ALLOWED", "REASON");
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
}
