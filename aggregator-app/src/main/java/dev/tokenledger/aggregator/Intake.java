package dev.tokenledger.aggregator;

import dev.tokenledger.runtime.RejectedRecord;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.util.Optional;

/** What the intake made of one input record: each leaves as exactly one of these, or is counted as a duplicate. */
sealed interface Intake {

  /** A valid event on the partition of its user's events, with the bytes it came as. */
  record Checked(TokensConsumed event, byte[] rawValue) implements Intake {}

  /**
   * A valid event on another partition than its user's (its producer keyed it by something else,
   * or used another partitioner): it is rerouted by userId, so it meets its earlier copies.
   */
  record Misplaced(String userId, byte[] rawValue) implements Intake {}

  /** A record that cannot be counted, as it goes to {@code tokens.rejected}. */
  record Rejected(RejectedRecord record) implements Intake {}

  /** An event older than every period's retention; it goes to {@code tokens.late}. */
  record Late(TokensConsumed event) implements Intake {}

  /** A new event to count, priced (empty: unpriced), with the context window it is measured against (or null). */
  record Accepted(TokensConsumed event, byte[] rawValue, Optional<Pricing.Cost> cost, Long contextWindow)
      implements Intake {}
}
