package dev.tokenledger.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What every command shares: where the apps are and with which key (flags, then environment, then
 * the demo's defaults), and how to print: tables, or the API's JSON with {@code --json}.
 */
final class Session {

  /** The options every command takes. */
  static final Set<String> CONNECTION_OPTIONS = Set.of("aggregator", "alerting", "key", "zone");

  static final String AGGREGATOR_URL_ENV = "TOKENLEDGER_AGGREGATOR_URL";
  static final String ALERTING_URL_ENV = "TOKENLEDGER_ALERTING_URL";
  static final String RESTATED_URL_ENV = "TOKENLEDGER_RESTATED_URL";
  static final String READ_KEY_ENV = "TOKENLEDGER_READ_KEY";
  static final String ADMIN_KEY_ENV = "TOKENLEDGER_ADMIN_KEY";

  /** The role a request needs: reads take the read key (or the admin key, which implies read). */
  enum Access { READ, ADMIN }

  private final Arguments args;
  private final Map<String, String> environment;
  private final PrintStream out;
  private final HttpClient http;
  private final ZoneId zone;

  Session(Arguments args, Map<String, String> environment, PrintStream out) {
    this.args = args;
    this.environment = environment;
    this.out = out;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    this.zone = args.option("zone").map(Session::zone).orElse(null);
  }

  Arguments args() {
    return args;
  }

  ApiClient aggregator(Access access) {
    return client("aggregator", "aggregator", AGGREGATOR_URL_ENV, "http://127.0.0.1:8082", access);
  }

  /** A second aggregator, restating history under another application id, to compare with. */
  ApiClient restatedAggregator(Access access) {
    if (args.option("restated").isEmpty() && env(RESTATED_URL_ENV).isEmpty()) {
      throw CliError.usage("--restated is required: the restating aggregator's URL, e.g. http://127.0.0.1:18082 (or set "
          + RESTATED_URL_ENV + ")");
    }
    return client("restating aggregator", "restated", RESTATED_URL_ENV, "http://127.0.0.1:18082", access);
  }

  ApiClient alerting(Access access) {
    return client("alerting app", "alerting", ALERTING_URL_ENV, "http://127.0.0.1:8083", access);
  }

  boolean json() {
    return args.flag("json");
  }

  /** The zone to show times in; null shows them as the API wrote them (UTC). */
  ZoneId zone() {
    return zone;
  }

  void print(String text) {
    out.print(text.endsWith("\n") ? text : text + "\n");
  }

  /** The API's answer, pretty-printed, every field and number as the app wrote it. */
  void printJson(JsonNode answer) {
    try {
      out.println(ApiClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JsonNode that Jackson read cannot be written back", e);
    }
  }

  private ApiClient client(String app, String option, String urlEnv, String fallback, Access access) {
    String url = args.option(option).or(() -> Optional.ofNullable(environment.get(urlEnv)).filter(s -> !s.isBlank()))
        .orElse(fallback);
    URI base;
    try {
      base = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw CliError.usage("--" + option + " must be a URL like " + fallback + " (got " + url + ")");
    }
    if (base.getScheme() == null || base.getHost() == null || !base.getScheme().startsWith("http")) {
      throw CliError.usage("--" + option + " must be a URL like " + fallback + " (got " + url + ")");
    }
    return new ApiClient(http, app, base, key(access), "--" + option + " or " + urlEnv);
  }

  private String key(Access access) {
    Optional<String> key = args.option("key");
    if (access == Access.READ) {
      key = key.or(() -> env(READ_KEY_ENV)).or(() -> env(ADMIN_KEY_ENV));
    } else {
      key = key.or(() -> env(ADMIN_KEY_ENV));
    }
    return key.orElseThrow(() -> CliError.usage("no API key: give --key or set " + (access == Access.READ
        ? READ_KEY_ENV + " (or " + ADMIN_KEY_ENV + ")" : ADMIN_KEY_ENV)
        + "; the demo's keys are in .tokenledger/demo.env"));
  }

  private Optional<String> env(String name) {
    return Optional.ofNullable(environment.get(name)).filter(s -> !s.isBlank());
  }

  private static ZoneId zone(String id) {
    try {
      return ZoneId.of(id);
    } catch (DateTimeException e) {
      throw CliError.usage("--zone must be a zone like UTC or Europe/Berlin (got " + id + ")");
    }
  }
}
