package dev.tokenledger.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import dev.tokenledger.schemas.ModelResolver;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * An app's configuration, loaded in one place: defaults in the jar ({@code
 * tokenledger-defaults.properties}, then the app's own), overridden by an optional properties file
 * ({@code --config FILE}), overridden by environment variables ({@code TOKENLEDGER_} + the key
 * without its {@code tokenledger.} prefix, upper-case, {@code .} and {@code -} as {@code _}).
 * Any {@code kafka.*} key passes through to the Kafka clients. Every typed getter fails with the
 * key's name and the offending value, so a wrong value stops the app at start.
 */
public final class Settings {

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
  private static final String KAFKA_PREFIX = "kafka.";

  private final Map<String, String> values;

  private Settings(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  /**
   * Loads the settings of one app.
   *
   * @param appDefaultsResource the app's defaults on the classpath, e.g. {@code /ingest-app.properties}
   * @param args the command line; {@code --config FILE} names the optional file
   * @param environment usually {@code System.getenv()}
   */
  public static Settings load(String appDefaultsResource, String[] args, Map<String, String> environment) {
    Map<String, String> values = new TreeMap<>();
    values.putAll(resource("/tokenledger-defaults.properties"));
    values.putAll(resource(appDefaultsResource));
    Optional<Path> file = configFile(args);
    if (file.isPresent()) {
      Map<String, String> fromFile = file(file.get());
      for (String key : fromFile.keySet()) {
        if (!key.startsWith(KAFKA_PREFIX) && !values.containsKey(key)) {
          throw new ConfigException(key, "is not a TokenLedger setting (in " + file.get() + ")");
        }
      }
      values.putAll(fromFile);
    }
    for (String key : Map.copyOf(values).keySet()) {
      String fromEnv = environment.get(environmentName(key));
      if (fromEnv != null) {
        values.put(key, fromEnv);
      }
    }
    // Kafka client keys not in the defaults, e.g. TOKENLEDGER_KAFKA_SASL_MECHANISM → kafka.sasl.mechanism.
    Set<String> known = values.keySet().stream().map(Settings::environmentName).collect(Collectors.toSet());
    environment.forEach((name, value) -> {
      if (name.startsWith("TOKENLEDGER_KAFKA_") && !known.contains(name)) {
        values.put(name.substring("TOKENLEDGER_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
      }
    });
    return new Settings(values);
  }

  /** Settings from explicit values, for tests and embedding: defaults, then the given values. */
  public static Settings of(String appDefaultsResource, Map<String, String> overrides) {
    Map<String, String> values = new TreeMap<>(resource("/tokenledger-defaults.properties"));
    values.putAll(resource(appDefaultsResource));
    values.putAll(overrides);
    return new Settings(values);
  }

  /** This key's environment variable: {@code kafka.bootstrap.servers} → {@code TOKENLEDGER_KAFKA_BOOTSTRAP_SERVERS}. */
  public static String environmentName(String key) {
    String withoutPrefix = key.startsWith("tokenledger.") ? key.substring("tokenledger.".length()) : key;
    return "TOKENLEDGER_" + withoutPrefix.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  public Settings with(Map<String, String> overrides) {
    Map<String, String> merged = new TreeMap<>(values);
    merged.putAll(overrides);
    return new Settings(merged);
  }

  public Map<String, String> asMap() {
    return values;
  }

  public Optional<String> optional(String key) {
    String value = values.get(key);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  public String string(String key) {
    return optional(key).orElseThrow(() -> new ConfigException(key, "is required"));
  }

  public int intValue(String key, int min, int max) {
    String raw = string(key);
    try {
      int value = Integer.parseInt(raw);
      if (value < min || value > max) {
        throw new ConfigException(key, "must be between " + min + " and " + max + " (got " + raw + ")");
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "must be a whole number (got " + raw + ")");
    }
  }

  public int port(String key) {
    return intValue(key, 0, 65535);
  }

  public boolean bool(String key) {
    String raw = string(key).toLowerCase(Locale.ROOT);
    return switch (raw) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw new ConfigException(key, "must be true or false (got " + raw + ")");
    };
  }

  /** A duration as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d} or ISO-8601 ({@code PT5M}). */
  public Duration duration(String key) {
    String raw = string(key);
    Matcher m = DURATION.matcher(raw.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      };
    }
    try {
      return Duration.parse(raw);
    } catch (RuntimeException e) {
      throw new ConfigException(key, "must be a duration like 30s, 5m, 2h, 7d or PT5M (got " + raw + ")");
    }
  }

  public ZoneId zone(String key) {
    String raw = string(key);
    try {
      return ZoneId.of(raw);
    } catch (DateTimeException e) {
      throw new ConfigException(key, "must be a time zone like UTC, Europe/Berlin or Asia/Kolkata (got " + raw + ")");
    }
  }

  /** Model-id aliases for pricing, {@code provider/model=provider/model,…} (empty: none). */
  public ModelResolver modelResolver(String key) {
    try {
      return ModelResolver.withAliases(optional(key).orElse(""));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, e.getMessage());
    }
  }

  public Path path(String key) {
    return Path.of(string(key));
  }

  /** Every {@code kafka.*} key without its prefix: these go to the Kafka clients as they are. */
  public Properties kafka() {
    Properties props = new Properties();
    values.forEach((key, value) -> {
      if (key.startsWith(KAFKA_PREFIX) && !value.isBlank()) {
        props.put(key.substring(KAFKA_PREFIX.length()), value.trim());
      }
    });
    return props;
  }

  private static Optional<Path> configFile(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config")) {
        if (i + 1 >= args.length) {
          throw new ConfigException("--config", "needs a file name");
        }
        return Optional.of(Path.of(args[i + 1]));
      }
      if (args[i].startsWith("--config=")) {
        return Optional.of(Path.of(args[i].substring("--config=".length())));
      }
    }
    return Optional.empty();
  }

  private static Map<String, String> resource(String name) {
    try (InputStream in = Settings.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing defaults resource " + name);
      }
      Properties props = new Properties();
      props.load(in);
      return toMap(props);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, String> file(Path path) {
    if (!Files.isReadable(path)) {
      throw new ConfigException("--config", "cannot read " + path);
    }
    try (Reader reader = Files.newBufferedReader(path)) {
      Properties props = new Properties();
      props.load(reader);
      return toMap(props);
    } catch (IOException e) {
      throw new ConfigException("--config", "cannot read " + path + ": " + e.getMessage());
    }
  }

  private static Map<String, String> toMap(Properties props) {
    Map<String, String> map = new LinkedHashMap<>();
    props.stringPropertyNames().forEach(name -> map.put(name, props.getProperty(name)));
    return map;
  }
}
