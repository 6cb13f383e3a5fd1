package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The key of the same buckets ordered by time: {@code (dimension, period, bucketStart, key)}. All
 * keys of one dimension in a run of windows are one contiguous range, which is what top-N and
 * stats read.
 */
public record WindowKey(Dimension dimension, Period period, Instant start, String key) {

  public static final Serde<WindowKey> SERDE = Serdes.serdeFrom(new KeySerializer(), new KeyDeserializer());

  /** The lowest key of a window: every real key sorts after it (keys are never empty). */
  static WindowKey first(Dimension dimension, Period period, Instant start) {
    return new WindowKey(dimension, period, start, "");
  }

  static WindowKey of(BucketKey bucket) {
    return new WindowKey(bucket.dimension(), bucket.period(), bucket.start(), bucket.key());
  }

  private static final class KeySerializer implements Serializer<WindowKey> {
    @Override
    public byte[] serialize(String topic, WindowKey window) {
      byte[] key = window.key().getBytes(StandardCharsets.UTF_8);
      return ByteBuffer.allocate(1 + 1 + 8 + key.length)
          .put((byte) window.dimension().ordinal())
          .put((byte) window.period().ordinal())
          // Offset by Long.MIN_VALUE so unsigned byte order equals signed time order.
          .putLong(window.start().toEpochMilli() ^ Long.MIN_VALUE)
          .put(key)
          .array();
    }
  }

  private static final class KeyDeserializer implements Deserializer<WindowKey> {
    @Override
    public WindowKey deserialize(String topic, byte[] bytes) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      Dimension dimension = Dimension.values()[buffer.get()];
      Period period = Period.values()[buffer.get()];
      Instant start = Instant.ofEpochMilli(buffer.getLong() ^ Long.MIN_VALUE);
      byte[] key = new byte[buffer.remaining()];
      buffer.get(key);
      return new WindowKey(dimension, period, start, new String(key, StandardCharsets.UTF_8));
    }
  }
}
