package dev.tokenledger.cli;

import java.util.HashSet;
import java.util.Set;

/** One command of the CLI: its help text and what it does. */
interface Command {

  /** The full help: synopsis, options, an example. */
  String help();

  void run(Session session);

  /** A command's own options plus the connection options every command takes. */
  static Set<String> withConnection(String... own) {
    Set<String> all = new HashSet<>(Session.CONNECTION_OPTIONS);
    all.addAll(Set.of(own));
    return all;
  }
}
