package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.Subject;
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
 * The key of one calendar bucket in the store: {@code (dimension, key, period, bucketStart)}.
 * Serialized so that RocksDB's byte order is (dimension, period, start, key): all keys of one
 * dimension in a run of windows are one contiguous range, which is what top-N and stats read; a
 * subject's own buckets are point reads, one per window (see {@link UsageQueries}).
 */
public record BucketKey(Dimension dimension, String key, Period period, Instant start) {

  public static final Serde<BucketKey> SERDE = Serdes.serdeFrom(new KeySerializer(), new KeyDeserializer());

  public static BucketKey of(Subject subject, Period period, Instant start) {
    return new BucketKey(subject.dimension(), subject.key(), period, start);
  }

  /** The lowest key of a window: every real key sorts after it (keys are never empty). */
  static BucketKey first(Dimension dimension, Period period, Instant start) {
    return new BucketKey(dimension, "", period, start);
  }

  public Subject subject() {
    return new Subject(dimension, key);
  }

  private static final class KeySerializer implements Serializer<BucketKey> {
    @Override
    public byte[] serialize(String topic, BucketKey bucket) {
      byte[] key = bucket.key().getBytes(StandardCharsets.UTF_8);
      return ByteBuffer.allocate(1 + 1 + 8 + key.length)
          .put((byte) bucket.dimension().ordinal())
          .put((byte) bucket.period().ordinal())
          // Offset by Long.MIN_VALUE so unsigned byte order equals signed time order.
          .putLong(bucket.start().toEpochMilli() ^ Long.MIN_VALUE)
          .put(key)
          .array();
    }
  }

  private static final class KeyDeserializer implements Deserializer<BucketKey> {
    @Override
    public BucketKey deserialize(String topic, byte[] bytes) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      Dimension dimension = Dimension.values()[buffer.get()];
      Period period = Period.values()[buffer.get()];
      Instant start = Instant.ofEpochMilli(buffer.getLong() ^ Long.MIN_VALUE);
      byte[] key = new byte[buffer.remaining()];
      buffer.get(key);
      return new BucketKey(dimension, new String(key, StandardCharsets.UTF_8), period, start);
    }
  }
}
