package dev.tokenledger.faults;

import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;

/**
 * Straight onto {@code tokens.consumed}, mixed with valid events and retries: late, future-dated,
 * undecodable, invalid and empty records, with the aggregator SIGKILLed once in the middle. Every
 * record must be counted, rejected to {@code tokens.rejected} with its reason, or routed to
 * {@code tokens.late}: each exactly once.
 */
final class HostileRecordsCase implements FaultCase {

  private static final int EACH_KIND = 50;

  @Override
  public String name() {
    return "hostile-records";
  }

  @Override
  public String description() {
    return "late, future-dated, undecodable, invalid and empty records among valid ones: each counted, rejected or routed once";
  }

  @Override
  public void run(SuiteEnvironment environment, Scale scale, CaseResult result) throws Exception {
    var settings = environment.caseSettings(name());
    TopicCatalog topics = environment.topics(settings);
    String topic = topics.tokensConsumed().name();
    AppProcess aggregator = environment.app(AppProcess.Kind.AGGREGATOR, name() + "-aggregator", settings).start();

    Random random = new Random(61);
    List<TokensConsumed> events = Workload.events(name(), scale.events() / 2, scale.users(), 62);
    Ledger ledger = new Ledger();
    events.forEach(ledger::record);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (TokensConsumed event : Workload.withRetries(events, 10, 63)) {
      records.add(KafkaIo.event(topic, event));
    }
    Map<String, Integer> sentBad = new TreeMap<>();
    for (int i = 0; i < EACH_KIND; i++) {
      TokensConsumed model = events.get(random.nextInt(events.size()));
      TokensConsumed late = TokensConsumed.newBuilder(model).setEventId("late-" + i)
          .setOccurredAt(Instant.parse("2019-03-01T00:00:00Z").plusSeconds(random.nextInt(86_400))).build();
      records.add(KafkaIo.event(topic, late));
      TokensConsumed future = TokensConsumed.newBuilder(model).setEventId("future-" + i)
          .setOccurredAt(Instant.now().plus(Duration.ofDays(1 + random.nextInt(30)))).build();
      records.add(KafkaIo.event(topic, future));
      byte[] garbage = new byte[1 + random.nextInt(200)];
      random.nextBytes(garbage);
      records.add(KafkaIo.record(topic, key(model), garbage));
      TokensConsumed invalid = TokensConsumed.newBuilder(model).setEventId("invalid-" + i)
          .setReasoningTokens(model.getOutputTokens() + 1).build();
      records.add(KafkaIo.event(topic, invalid));
      records.add(KafkaIo.record(topic, key(model), null));
    }
    sentBad.put("late", EACH_KIND);
    sentBad.put("future", EACH_KIND);
    sentBad.put("undecodable", EACH_KIND);
    sentBad.put("invalid", 2 * EACH_KIND); // reasoning > output, and empty values
    Collections.shuffle(records, random);

    List<Future<RecordMetadata>> acks = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = KafkaIo.producer(environment.bootstrap())) {
      PacedStream<ProducerRecord<byte[], byte[]>> stream = PacedStream.start(records, scale.eventsPerSecond(),
          r -> acks.add(producer.send(r)));
      stream.awaitShare(0.5);
      aggregator.kill();
      aggregator.start();
      stream.awaitDone();
      KafkaIo.awaitAcks(acks);
    }
    ServedTotals.Settled settled = ServedTotals.awaitExact(ledger, List.of(aggregator), environment.readKey);

    // Once the totals are exact every record before them is processed, and its output committed.
    Map<String, Integer> routed = new TreeMap<>();
    List<String> withoutReason = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> rejected : KafkaIo.readAll(environment.bootstrap(), topics.tokensRejected().name())) {
      String category = header(rejected, "tl.error.category");
      routed.merge(category, 1, Integer::sum);
      if (header(rejected, "tl.error.reason").isBlank()) {
        withoutReason.add(category);
      }
    }
    List<String> lateIds = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> late : KafkaIo.readAll(environment.bootstrap(), topics.tokensLate().name())) {
      routed.merge("late", 1, Integer::sum);
      lateIds.add(AvroSerdes.tokensConsumed().decode(late.value()).getEventId());
    }
    int input = records.size();
    long counted = settled.last().expectedEvents() - settled.last().lost() + settled.last().doubleCounted();
    int retries = records.size() - events.size() - sentBad.values().stream().mapToInt(Integer::intValue).sum();
    int routedTotal = routed.values().stream().mapToInt(Integer::intValue).sum();
    result.figure("records in", input)
        .figure("counted", counted)
        .figure("retries folded", retries)
        .figure("rejected / late by reason", routed)
        .figure("unaccounted", input - counted - retries - routedTotal)
        .figure("totals compared", ServedTotals.totalsCompared(ledger))
        .figure("aggregator kills", 1)
        .check(settled.exact(), "totals not exact: " + settled.last().firstDifference().orElse(""))
        .check(routed.equals(sentBad), "rejected/late " + routed + ", sent " + sentBad)
        .check(withoutReason.isEmpty(), withoutReason.size() + " rejected records without a tl.error.reason")
        .check(lateIds.stream().allMatch(id -> id.startsWith("late-")), "tokens.late holds events that are not late")
        .check(Metrics.droppedRecords(aggregator) == 0, "the aggregator dropped records");
  }

  private static byte[] key(TokensConsumed event) {
    return event.getUserId().getBytes(StandardCharsets.UTF_8);
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }
}
