package dev.tokenledger.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One command line: words in order, {@code --name value} (or {@code --name=value}) options and the
 * two flags {@code --json} and {@code --help}. Options may come anywhere after the command.
 */
final class Arguments {

  private static final Set<String> FLAGS = Set.of("json", "help", "dry-run", "force");
  /** Flags every command takes; the others only the commands that allow them. */
  private static final Set<String> COMMON_FLAGS = Set.of("json", "help");

  private final List<String> words;
  private final Map<String, String> options;
  private final Set<String> flags;

  private Arguments(List<String> words, Map<String, String> options, Set<String> flags) {
    this.words = words;
    this.options = options;
    this.flags = flags;
  }

  static Arguments parse(String[] args) {
    List<String> words = new ArrayList<>();
    Map<String, String> options = new LinkedHashMap<>();
    Set<String> flags = new TreeSet<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-h")) {
        flags.add("help");
      } else if (arg.startsWith("--") && arg.length() > 2) {
        int equals = arg.indexOf('=');
        String name = equals > 0 ? arg.substring(2, equals) : arg.substring(2);
        if (FLAGS.contains(name)) {
          if (equals > 0) {
            throw CliError.usage("--" + name + " takes no value");
          }
          flags.add(name);
          continue;
        }
        String value;
        if (equals > 0) {
          value = arg.substring(equals + 1);
        } else if (i + 1 < args.length) {
          value = args[++i];
        } else {
          throw CliError.usage("--" + name + " needs a value");
        }
        if (options.put(name, value) != null) {
          throw CliError.usage("--" + name + " is given twice");
        }
      } else {
        words.add(arg);
      }
    }
    return new Arguments(List.copyOf(words), options, flags);
  }

  /** The word at {@code index} (0 is the command), if there is one. */
  Optional<String> word(int index) {
    return index < words.size() ? Optional.of(words.get(index)) : Optional.empty();
  }

  /** The word at {@code index}, or a usage error naming what is missing. */
  String requiredWord(int index, String what) {
    return word(index).orElseThrow(() -> CliError.usage(what + " is missing"));
  }

  Optional<String> option(String name) {
    return Optional.ofNullable(options.get(name));
  }

  String requiredOption(String name, String example) {
    return option(name).orElseThrow(() -> CliError.usage("--" + name + " is required, e.g. --" + name + " " + example));
  }

  boolean flag(String name) {
    return flags.contains(name);
  }

  /** A usage error for the first option not in {@code allowed}, or for words beyond {@code maxWords}. */
  void check(Set<String> allowed, int maxWords, String command) {
    for (String name : flags) {
      if (!COMMON_FLAGS.contains(name) && !allowed.contains(name)) {
        throw CliError.usage("--" + name + " is not a flag of " + command);
      }
    }
    for (String name : options.keySet()) {
      if (!allowed.contains(name)) {
        throw CliError.usage("unknown option --" + name + " for " + command + " (it takes "
            + new TreeSet<>(allowed).stream().map(o -> "--" + o).toList() + ")");
      }
    }
    if (words.size() > maxWords) {
      throw CliError.usage("unexpected argument " + words.get(maxWords) + " for " + command);
    }
  }
}
