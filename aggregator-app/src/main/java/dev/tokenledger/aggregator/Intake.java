package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.avro.TokensConsumed;

/** What the intake made of one input record: counted, rejected with a reason, or late. */
sealed interface Intake {

  /** A new, valid event to count, with the bytes it came as. */
  record Accepted(TokensConsumed event, byte[] rawValue) implements Intake {}

  /** A record that cannot be counted; it goes to {@code tokens.rejected} as it came, with the reason. */
  record Rejected(byte[] rawKey, byte[] rawValue, String reason) implements Intake {}

  /** An event older than every period's retention; it goes to {@code tokens.late}. */
  record Late(TokensConsumed event, String reason) implements Intake {}
}
