package dev.tokenledger.runtime;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * The API keys an app accepts, stored as SHA-256 hashes: a properties file of {@code
 * name=role:sha256-hex} lines, e.g. {@code chat-api=publish:9f86d0…}. For a publish key the name
 * is the service stamped on its events. Every presented key is compared against every stored hash
 * in constant time.
 */
public final class ApiKeys {

  /** Who a key belongs to. */
  public record Principal(String name, Role role) {}

  private record StoredKey(Principal principal, byte[] sha256) {}

  private final List<StoredKey> keys;

  private ApiKeys(List<StoredKey> keys) {
    this.keys = List.copyOf(keys);
  }

  public static ApiKeys load(Path file) {
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(reader);
    } catch (IOException e) {
      throw new ConfigException("tokenledger.auth.keys-file", "cannot read " + file + ": " + e.getMessage());
    }
    List<StoredKey> keys = new ArrayList<>();
    for (String name : props.stringPropertyNames()) {
      String entry = props.getProperty(name).trim();
      int colon = entry.indexOf(':');
      String where = "tokenledger.auth.keys-file";
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
    return new ApiKeys(keys);
  }

  /** The line to put in a keys file for this key. */
  public static String entry(String name, Role role, String key) {
    return name + "=" + role.name().toLowerCase(Locale.ROOT) + ":" + HexFormat.of().formatHex(sha256(key));
  }

  public Optional<Principal> authenticate(String presentedKey) {
    byte[] presented = sha256(presentedKey);
    Principal match = null;
    for (StoredKey key : keys) {
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
