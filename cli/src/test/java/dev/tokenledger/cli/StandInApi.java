package dev.tokenledger.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A stand-in for the apps' HTTP APIs on an ephemeral port, for answers the real apps cannot be made
 * to give: it records each request's target and answers what {@code answerFor} returns for it.
 */
final class StandInApi implements AutoCloseable {

  record Answer(int status, Map<String, String> headers, String body) {}

  private final HttpServer server;
  private final List<String> targets = new CopyOnWriteArrayList<>();
  private final List<String> bodies = new CopyOnWriteArrayList<>();

  StandInApi(Function<URI, Answer> answerFor) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      targets.add(exchange.getRequestURI().toString());
      bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      Answer answer = answerFor.apply(exchange.getRequestURI());
      byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
      exchange.sendResponseHeaders(answer.status(), body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  /** The request targets (path and query) received so far, in order. */
  List<String> targets() {
    return targets;
  }

  /** The request bodies received so far, in order ("" for none). */
  List<String> bodies() {
    return bodies;
  }

  /** Runs the CLI with a read and an admin key against this stand-in as both the aggregator and the alerting app. */
  int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
    String url = "http://127.0.0.1:" + server.getAddress().getPort();
    return TokenLedgerCli.run(args, Map.of("TOKENLEDGER_READ_KEY", "r", "TOKENLEDGER_ADMIN_KEY", "a",
        "TOKENLEDGER_AGGREGATOR_URL", url,
        "TOKENLEDGER_ALERTING_URL", url), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
