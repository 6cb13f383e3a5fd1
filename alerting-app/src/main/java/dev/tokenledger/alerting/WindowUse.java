package dev.tokenledger.alerting;

import dev.tokenledger.schemas.SaturatedSum;
import dev.tokenledger.schemas.avro.QuotaMetric;
import dev.tokenledger.schemas.avro.UsageAggregate;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What a quota counts of one window of one subject: its tokens (input + output) and cost, and the
 * newest event folded into them. Stored compactly (three varints, ~15 bytes), since alerting
 * writes one per bucket update it reads.
 */
record WindowUse(long tokens, long costNanos, long lastEventAtMs) {

  static WindowUse of(UsageAggregate bucket) {
    return new WindowUse(SaturatedSum.of(bucket.getInputTokens(), bucket.getOutputTokens()),
        bucket.getCostNanos(), bucket.getLastEventAt().toEpochMilli());
  }

  long use(QuotaMetric metric) {
    return metric == QuotaMetric.COST ? costNanos : tokens;
  }

  static Serde<WindowUse> serde() {
    Serializer<WindowUse> serializer = (topic, use) -> {
      if (use == null) {
        return null;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(16);
      writeVarLong(out, use.tokens());
      writeVarLong(out, use.costNanos());
      writeVarLong(out, use.lastEventAtMs());
      return out.toByteArray();
    };
    Deserializer<WindowUse> deserializer = (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      ByteBuffer in = ByteBuffer.wrap(bytes);
      try {
        return new WindowUse(readVarLong(in), readVarLong(in), readVarLong(in));
      } catch (RuntimeException e) {
        throw new SerializationException("not a window use (" + bytes.length + " bytes)", e);
      }
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }

  /** Unsigned LEB128; counts and times here are never negative, but any long round-trips. */
  private static void writeVarLong(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }

  private static long readVarLong(ByteBuffer in) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte b = in.get();
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IllegalArgumentException("varint longer than 10 bytes");
  }
}
