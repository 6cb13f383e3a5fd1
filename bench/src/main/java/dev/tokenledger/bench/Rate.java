package dev.tokenledger.bench;

/** What one contestant of a benchmark did: records, in seconds, at records per second. */
record Rate(long records, double seconds, double recordsPerSecond) {

  static Rate of(long records, double seconds) {
    return new Rate(records, seconds, records / seconds);
  }
}
