package dev.tokenledger.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * When a Kafka Streams application has processed everything: its consumer group (the
 * application id) has committed, on the input topic and on each of its repartition topics, the
 * offset its consumer would reach at the end of the log.
 *
 * <p>Under exactly-once the last offset of a partition written transactionally (a repartition
 * topic) is a commit marker, a control record no consumer ever returns. Streams commits the
 * offset after the last record it processed, so a caught-up application may sit at end − 1 for
 * good. The rule used: caught up when committed = end, or when reading the few offsets from the
 * committed one to the end with {@code read_committed}, as the application's consumer does,
 * returns no record (only markers, or records of aborted transactions, are left).
 */
final class CatchUp implements AutoCloseable {

  enum Verdict { CAUGHT_UP, PROBE, BEHIND }

  /** More than this many offsets left cannot all be markers of a quiet application. */
  static final long MAX_MARKERS = 2;

  private final Admin admin;
  private final KafkaConsumer<byte[], byte[]> probe;

  CatchUp(Admin admin, String bootstrap) {
    this.admin = admin;
    this.probe = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** {@code committed} is null when the group has committed nothing on the partition. */
  static Verdict verdict(Long committed, long end) {
    long done = committed == null ? 0 : committed;
    if (done >= end) {
      return Verdict.CAUGHT_UP;
    }
    return committed != null && end - done <= MAX_MARKERS ? Verdict.PROBE : Verdict.BEHIND;
  }

  /** The repartition topics of application {@code appId} that exist now. */
  Set<String> repartitionTopics(String appId) throws ExecutionException, InterruptedException {
    return admin.listTopics().names().get().stream()
        .filter(t -> t.startsWith(appId + "-") && t.endsWith("-repartition")).collect(Collectors.toSet());
  }

  /** Whether group {@code appId} has consumed every record of {@code topics}. */
  boolean caughtUp(String appId, Set<String> topics) throws ExecutionException, InterruptedException {
    // Committed offsets first, end offsets after: an end read later can only be further on.
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get();
    List<TopicPartition> partitions = new ArrayList<>();
    for (var description : admin.describeTopics(topics).allTopicNames().get().values()) {
      description.partitions().forEach(p -> partitions.add(new TopicPartition(description.name(), p.partition())));
    }
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
    Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
    for (TopicPartition partition : partitions) {
      OffsetAndMetadata offset = committed.get(partition);
      Long done = offset == null ? null : offset.offset();
      long end = ends.get(partition).offset();
      Verdict verdict = verdict(done, end);
      if (verdict == Verdict.BEHIND || verdict == Verdict.PROBE && !nothingToRead(partition, done, end)) {
        return false;
      }
    }
    return true;
  }

  private boolean nothingToRead(TopicPartition partition, long from, long end) {
    probe.assign(List.of(partition));
    probe.seek(partition, from);
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (probe.position(partition) < end) {
      if (!probe.poll(Duration.ofMillis(100)).isEmpty()) {
        return false;
      }
      if (System.nanoTime() > deadline) {
        // An open transaction holds the last stable offset back: records may still come.
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    probe.close();
  }
}
