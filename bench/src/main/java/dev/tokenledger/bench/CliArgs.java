package dev.tokenledger.bench;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} / {@code --name=value} options, checked against the names a command knows. */
final class CliArgs {

  /** Arguments a command cannot run with; the CLI prints the message and the usage, exit 2. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  private final Map<String, String> values = new HashMap<>();

  CliArgs(List<String> args, Set<String> known) {
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument '" + arg + "'");
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new UsageException("--" + name + " needs a value");
      }
      if (!known.contains(name)) {
        throw new UsageException("unknown option --" + name);
      }
      values.put(name, value);
    }
  }

  String string(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  URI url(String name) {
    String value = values.get(name);
    if (value == null) {
      return null;
    }
    try {
      URI uri = URI.create(value);
      if (uri.getScheme() == null || uri.getHost() == null) {
        throw new IllegalArgumentException("no scheme or host");
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new UsageException("--" + name + " must be a URL like http://127.0.0.1:8081 (got '"
          + value + "')");
    }
  }

  long longValue(String name, long fallback, long min) {
    String value = values.get(name);
    if (value == null) {
      return fallback;
    }
    try {
      long parsed = Long.parseLong(value);
      if (parsed >= min) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("--" + name + " must be a whole number ≥ " + min + " (got '" + value + "')");
  }

  double positiveDouble(String name, double fallback) {
    String value = values.get(name);
    if (value == null) {
      return fallback;
    }
    try {
      double parsed = Double.parseDouble(value);
      if (parsed > 0 && Double.isFinite(parsed)) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("--" + name + " must be a number > 0 (got '" + value + "')");
  }
}
