package dev.tokenledger.faults;

/**
 * How hard the cases push: the short scale runs in CI on every build; the long one
 * ({@code --long}) streams more events and crashes more often.
 *
 * @param events unique events per case
 * @param users distinct users they come from
 * @param eventsPerSecond the steady rate they are published at
 * @param kills how many times a case crashes its victim
 */
record Scale(String name, int events, int users, int eventsPerSecond, int kills) {

  static final Scale SHORT = new Scale("short", 3_000, 40, 150, 2);
  static final Scale LONG = new Scale("long", 20_000, 400, 300, 4);

  /** Seconds the stream lasts. */
  double streamSeconds() {
    return (double) events / eventsPerSecond;
  }
}
