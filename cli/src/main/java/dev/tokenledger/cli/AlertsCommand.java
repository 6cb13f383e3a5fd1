package dev.tokenledger.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenledger.cli.Table.Column;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code alerts [list]|ack|dismiss|redeliver}: the alerts fired, newest first, an operator's
 * action on one, and failed webhook deliveries retried now.
 */
final class AlertsCommand implements Command {

  @Override
  public String help() {
    return """
        alerts [--subject user:alice] [--since 7d] [--severity warning|critical] [--status open|acknowledged|dismissed]
          The alerts fired, newest first, from every alerting instance. --since is a look-back
          (30m, 24h, 7d; default 7d) or an instant.
        alerts ack ALERT_ID
        alerts dismiss ALERT_ID
          Acknowledge or dismiss an alert (admin key); later lists show its status.
        alerts redeliver
          Retry every webhook delivery that failed so far now, on every alerting instance (admin
          key), instead of at the next retry round; /ready shows the delivery loops' state.
          e.g. bin/tokenledger alerts --status open --severity critical""";
  }

  @Override
  public void run(Session session) {
    Arguments args = session.args();
    switch (args.word(1).orElse("list")) {
      case "list" -> list(session);
      case "ack" -> act(session, "ack", "acknowledged");
      case "dismiss" -> act(session, "dismiss", "dismissed");
      case "redeliver" -> redeliver(session);
      default -> throw CliError.usage("alerts takes list, ack, dismiss or redeliver (got " + args.word(1).orElseThrow() + ")");
    }
  }

  private void list(Session session) {
    Arguments args = session.args();
    args.check(Command.withConnection("subject", "since", "severity", "status"), 2, "alerts");
    Map<String, String> query = new LinkedHashMap<>();
    for (String name : new String[] {"subject", "since", "severity", "status"}) {
      query.put(name, args.option(name).orElse(null));
    }
    JsonNode answer = session.alerting(Session.Access.READ).get("/v1/alerts", query);
    if (session.json()) {
      session.printJson(answer);
      return;
    }
    JsonNode alerts = answer.path("alerts");
    if (alerts.isEmpty()) {
      session.print("no alerts" + (args.option("since").isEmpty() ? " in the last 7 days" : " since " + args.option("since").get()));
      return;
    }
    Table table = new Table(Column.text("FIRED AT"), Column.text("SEVERITY"), Column.text("STATUS"), Column.text("ALERT ID"),
        Column.text("MESSAGE"));
    for (JsonNode alert : alerts) {
      table.row(Formats.time(alert.path("firedAt"), session.zone()), alert.path("severity").asText(),
          alert.path("status").asText(), alert.path("alertId").asText(), alert.path("message").asText());
    }
    session.print(table.render());
  }

  private void redeliver(Session session) {
    session.args().check(Command.withConnection(), 2, "alerts redeliver");
    JsonNode answer = session.alerting(Session.Access.ADMIN).post("/v1/webhooks/redeliver");
    if (session.json()) {
      session.printJson(answer);
      return;
    }
    session.print("failed webhook deliveries are being retried on " + answer.path("instances").asInt() + " alerting instance(s)");
  }

  private void act(Session session, String action, String done) {
    Arguments args = session.args();
    args.check(Command.withConnection(), 3, "alerts " + action);
    String alertId = args.requiredWord(2, "ALERT_ID (alerts " + action + " ALERT_ID; 'alerts' lists them)");
    JsonNode answer = session.alerting(Session.Access.ADMIN).post("/v1/alerts/" + ApiClient.segment(alertId) + "/" + action);
    if (session.json()) {
      session.printJson(answer);
      return;
    }
    session.print("alert " + alertId + " " + done + " by " + Formats.text(answer.path("actor")) + " at "
        + Formats.time(answer.path("at"), session.zone()));
  }
}
