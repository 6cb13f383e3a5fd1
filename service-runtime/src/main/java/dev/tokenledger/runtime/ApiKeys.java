package dev.tokenledger.runtime;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.nio.file.attribute.FileTime;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API keys an app accepts, stored as SHA-256 hashes: a properties file of {@code
 * name=role:sha256-hex} lines, e.g. {@code chat-api=publish:9f86d0…}. For a publish key the name
 * is the service stamped on its events. Every presented key is compared against every stored hash
 * in constant time.
 *
 * <p>Keys may also be given inline ({@code tokenledger.auth.keys}: the same entries separated by
 * commas), for containers that take their secrets from environment variables; those are fixed
 * until a restart.
 *
 * <p>Keys loaded from a file follow it without a restart: at most every {@link
 * #DEFAULT_CHECK_INTERVAL} (checked when a key is presented) the file's modification time and size
 * are compared with those last read, and a changed file is read again. A changed file that cannot
 * be read or is invalid leaves the previous keys in force, with a warning in the log.
 */
public final class ApiKeys {

  /** How often, at most, a keys file is checked for changes. */
  public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(2);
  private static final String FILE = "tokenledger.auth.keys-file";
  private static final String INLINE = "tokenledger.auth.keys";
  private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);

  /** Who a key belongs to. */
  public record Principal(String name, Role role) {}

  private record StoredKey(Principal principal, byte[] sha256) {}

  /** The keys as read from the file, and which version of the file that was. */
  private record Snapshot(List<StoredKey> keys, FileTime modified, long size) {}

  /** The keys file, or null for inline keys (nothing to reload). */
  private final Path file;
  private final Duration checkInterval;
  private final Clock clock;
  private volatile Snapshot snapshot;
  private volatile Instant nextCheck;

  private ApiKeys(Path file, Snapshot snapshot, Duration checkInterval, Clock clock) {
    this.file = file;
    this.snapshot = snapshot;
    this.checkInterval = checkInterval;
    this.clock = clock;
    this.nextCheck = clock.instant().plus(checkInterval);
  }

  /**
   * Reads the keys file; the keys then follow the file's changes, checked at most every {@link
   * #DEFAULT_CHECK_INTERVAL}.
   *
   * @throws ConfigException when the file cannot be read or an entry is wrong, naming it
   */
  public static ApiKeys load(Path file) {
    return load(file, DEFAULT_CHECK_INTERVAL, Clock.systemUTC());
  }

  /** Like {@link #load(Path)}, checking the file at most every {@code checkInterval} of {@code clock}. */
  public static ApiKeys load(Path file, Duration checkInterval, Clock clock) {
    return new ApiKeys(file, read(file), checkInterval, clock);
  }

  /**
   * Keys given inline: {@code name=role:sha256-hex} entries separated by commas.
   *
   * @throws ConfigException when an entry is wrong, naming it
   */
  public static ApiKeys inline(String entries) {
    Properties props = new Properties();
    for (String entry : entries.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      int equals = entry.indexOf('=');
      if (equals <= 0) {
        throw new ConfigException(INLINE, "entry " + entry.trim() + " must be name=role:sha256-hex");
      }
      props.setProperty(entry.substring(0, equals).trim(), entry.substring(equals + 1).trim());
    }
    if (props.isEmpty()) {
      throw new ConfigException(INLINE, "holds no key");
    }
    return new ApiKeys(null, new Snapshot(parse(props, INLINE), null, 0), DEFAULT_CHECK_INTERVAL, Clock.systemUTC());
  }

  private static Snapshot read(Path file) {
    FileTime modified;
    long size;
    try {
      modified = Files.getLastModifiedTime(file);
      size = Files.size(file);
    } catch (IOException e) {
      throw new ConfigException(FILE, "cannot read " + file + ": " + e.getMessage());
    }
    return new Snapshot(parse(file), modified, size);
  }

  private static List<StoredKey> parse(Path file) {
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(reader);
    } catch (IOException e) {
      throw new ConfigException(FILE, "cannot read " + file + ": " + e.getMessage());
    }
    return parse(props, FILE);
  }

  /** The entries of {@code props}; {@code where} names the setting they came from in errors. */
  private static List<StoredKey> parse(Properties props, String where) {
    List<StoredKey> keys = new ArrayList<>();
    for (String name : props.stringPropertyNames()) {
      String entry = props.getProperty(name).trim();
      int colon = entry.indexOf(':');
      if (colon < 0) {
        throw new ConfigException(where, "entry " + name + " must be role:sha256-hex (got " + entry + ")");
      }
      Role role;
      try {
        role = Role.valueOf(entry.substring(0, colon).trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where, "entry " + name + " has an unknown role (publish, read or admin)");
      }
      byte[] hash;
      try {
        hash = HexFormat.of().parseHex(entry.substring(colon + 1).trim());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where, "entry " + name + " must hold a hex SHA-256 hash");
      }
      if (hash.length != 32) {
        throw new ConfigException(where, "entry " + name + " must hold a 64-hex-digit SHA-256 hash");
      }
      keys.add(new StoredKey(new Principal(name, role), hash));
    }
    return List.copyOf(keys);
  }

  /**
   * Reads the file again if it changed since it was last read and the check interval has passed;
   * called on every authentication, so it costs a clock read except once per interval.
   */
  private List<StoredKey> current() {
    Instant now = clock.instant();
    if (file == null || now.isBefore(nextCheck)) {
      return snapshot.keys();
    }
    synchronized (this) {
      if (now.isBefore(nextCheck)) {
        return snapshot.keys();
      }
      nextCheck = now.plus(checkInterval);
      Snapshot last = snapshot;
      try {
        FileTime modified = Files.getLastModifiedTime(file);
        long size = Files.size(file);
        if (!modified.equals(last.modified()) || size != last.size()) {
          snapshot = new Snapshot(parse(file), modified, size);
          log.info("reloaded {} API keys from {}", snapshot.keys().size(), file);
        }
      } catch (IOException | ConfigException e) {
        log.warn("keeping the previous {} API keys: the changed keys file {} is not usable: {}",
            last.keys().size(), file, e.getMessage());
        // Not read again until it changes once more.
        try {
          snapshot = new Snapshot(last.keys(), Files.getLastModifiedTime(file), Files.size(file));
        } catch (IOException ignored) {
          // gone: checked again next interval
        }
      }
      return snapshot.keys();
    }
  }

  /** The line to put in a keys file for this key. */
  public static String entry(String name, Role role, String key) {
    return name + "=" + role.name().toLowerCase(Locale.ROOT) + ":" + HexFormat.of().formatHex(sha256(key));
  }

  public Optional<Principal> authenticate(String presentedKey) {
    byte[] presented = sha256(presentedKey);
    Principal match = null;
    for (StoredKey key : current()) {
      // No early exit: the time taken does not depend on which key matched.
      if (MessageDigest.isEqual(key.sha256(), presented)) {
        match = key.principal();
      }
    }
    return Optional.ofNullable(match);
  }

  private static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
