package dev.tokenledger.schemas;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition Kafka's default partitioner picks for a string key (murmur2 of its UTF-8 bytes):
 * where {@code tokens.consumed} keeps a user's events when keyed by userId, and {@code
 * usage.aggregates} a subject's buckets. Producers of other clients may hash differently (librdkafka's
 * default is CRC32): the aggregator reroutes what is not where this says.
 */
public final class KeyPartitioner {

  private KeyPartitioner() {}

  public static int partition(String key, int partitions) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
  }
}
