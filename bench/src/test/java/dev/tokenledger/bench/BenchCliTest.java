package dev.tokenledger.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BenchCliTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(BenchCli cli, String... args) throws InterruptedException {
    return cli.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void shouldPrintUsageAndExit2ForAnUnknownSubcommand() throws InterruptedException {
    assertThat(run(BenchCli.standard(), "frobnicate")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("unknown subcommand 'frobnicate'", "demo-traffic --ingest URL", "aggregator-throughput [--events N");
  }

  @Test
  void shouldExit2ForTooFewBenchmarkEventsBeforeStartingAnything() throws InterruptedException {
    assertThat(run(BenchCli.standard(), "aggregator-throughput", "--events", "5")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--events must be a whole number ≥ 1000");
  }

  @Test
  void shouldExit2ForAnUnknownOptionOrAMissingKey() throws InterruptedException {
    BenchCli cli = new BenchCli(List.of(new DemoTrafficCommand(Map.of())));

    assertThat(run(cli, "demo-traffic", "--ingest", "http://127.0.0.1:1", "--key", "k",
        "--speed", "9")).isEqualTo(2);
    assertThat(run(cli, "demo-traffic", "--ingest", "http://127.0.0.1:1")).isEqualTo(2);
    assertThat(run(cli, "demo-traffic", "--ingest", "http://127.0.0.1:1", "--key", "k",
        "--rate", "-1")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option --speed",
        "--key (or $TOKENLEDGER_PUBLISH_KEY) is required", "--rate must be a number > 0");
  }

  @Test
  void shouldDefineBobsQuotaThenSendTrafficForTheDuration() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> quotas = new CopyOnWriteArrayList<>();
    List<String> adminAuth = new CopyOnWriteArrayList<>();
    AtomicInteger quotaCalls = new AtomicInteger();
    AtomicInteger eventsReceived = new AtomicInteger();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/quotas/", exchange -> {
      adminAuth.add(exchange.getRequestHeaders().getFirst("Authorization"));
      quotas.add(mapper.readTree(exchange.getRequestBody().readAllBytes()));
      // The alerting app is "still starting" on the first call.
      respond(exchange, quotaCalls.incrementAndGet() == 1 ? 503 : 200, "{}");
    });
    server.createContext("/v1/events", exchange -> {
      int n = mapper.readTree(exchange.getRequestBody().readAllBytes()).get("events").size();
      eventsReceived.addAndGet(n);
      respond(exchange, 202, "{\"accepted\":" + n + ",\"rejected\":0}");
    });
    server.start();
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    Backoff fast = new Backoff(Duration.ofMillis(1), Duration.ofMillis(10));
    BenchCli cli = new BenchCli(List.of(
        new DemoTrafficCommand(Map.of("TOKENLEDGER_ADMIN_KEY", "admin-k"), fast, fast,
            Duration.ofSeconds(5))));

    try {
      int code = run(cli, "demo-traffic", "--ingest", base, "--key", "pub-k",
          "--admin-url", base, "--rate", "4", "--duration", "2");

      assertThat(code).isZero();
    } finally {
      server.stop(0);
    }
    assertThat(quotas).hasSize(2);
    assertThat(adminAuth).containsOnly("Bearer admin-k");
    assertThat(quotas.get(1)).isEqualTo(mapper.readTree("{\"subject\":\"user:bob\","
        + "\"metric\":\"tokens\",\"period\":\"day\",\"limit\":200000,"
        + "\"thresholds\":[0.8,0.9,1.0],\"action\":\"block\"}"));
    assertThat(eventsReceived).hasValue(8); // 4/s for 2 s
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("quota demo-bob-daily defined", "sent=8 accepted=8 rejected=0 httpErrors=0");
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }
}
