package dev.tokenledger.faults;

import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.KeyPartitioner;
import dev.tokenledger.schemas.TopicCatalog;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Records that stopped, or could stop, all counting, straight onto {@code tokens.consumed} among
 * valid events and their retries: counts no call has (the request that killed the aggregator on
 * 2026-12-07), a cost priced past the ceiling, undecodable values, bytes after an event, records
 * larger than any event, headers that fill a record, retries keyed otherwise than by user, and a
 * burst of the costliest calls that would overflow a shared month's running total (a record whose
 * processing throws: the exception handler routes the sums it refuses). Every valid event is counted exactly in
 * every dimension and period, each poison record is routed once with its reason, the burst is
 * refused rather than wrapped, and the aggregator never stops.
 */
final class PoisonCase implements FaultCase {

  private static final int EACH_KIND = 20;

  @Override
  public String name() {
    return "poison";
  }

  @Override
  public String description() {
    return "overflowing counts and costs, undecodable, oversized and padded records among valid ones: routed once, totals exact";
  }

  @Override
  public void run(SuiteEnvironment environment, Scale scale, CaseResult result) throws Exception {
    var settings = environment.caseSettings(name());
    TopicCatalog topics = environment.topics(settings);
    String topic = topics.tokensConsumed().name();
    int partitions = topics.tokensConsumed().partitions();
    AppProcess aggregator = environment.app(AppProcess.Kind.AGGREGATOR, name() + "-aggregator", settings).start();

    Random random = new Random(71);
    List<TokensConsumed> events = Workload.events(name(), scale.events() / 2, scale.users(), 72);
    Ledger ledger = new Ledger();
    events.forEach(ledger::record);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    List<TokensConsumed> sends = Workload.withRetries(events, 10, 73);
    for (int i = 0; i < sends.size(); i++) {
      TokensConsumed event = sends.get(i);
      boolean retry = sends.subList(0, i).stream().anyMatch(e -> e.getEventId().equals(event.getEventId()));
      records.add(retry ? keyedOtherwise(topic, event, partitions, i) : KafkaIo.event(topic, event));
    }
    Map<String, Integer> sentBad = new TreeMap<>();
    for (int i = 0; i < EACH_KIND; i++) {
      TokensConsumed model = events.get(random.nextInt(events.size()));
      records.add(KafkaIo.event(topic, TokensConsumed.newBuilder(model).setEventId("huge-count-" + i)
          .setInputTokens(10_000_000_000_000L).build()));
      records.add(KafkaIo.event(topic, TokensConsumed.newBuilder(model).setEventId("huge-cost-" + i)
          .setCostNanos(EventRules.MAX_COST_NANOS + 1).build()));
      // Within every count's ceiling, but gpt-4o's price makes it $2,500,000: more than a call may cost.
      records.add(KafkaIo.event(topic, TokensConsumed.newBuilder(model).setEventId("priced-past-" + i)
          .setProvider("openai").setModel("gpt-4o").setInputTokens(EventRules.MAX_TOKENS).setOutputTokens(0)
          .setCostNanos(null).build()));
      byte[] garbage = new byte[1 + random.nextInt(200)];
      random.nextBytes(garbage);
      records.add(KafkaIo.record(topic, key(model), garbage));
      byte[] valid = AvroSerdes.tokensConsumed().encode(TokensConsumed.newBuilder(model).setEventId("padded-" + i).build());
      records.add(KafkaIo.record(topic, key(model), Arrays.copyOf(valid, valid.length + 10_000)));
      records.add(KafkaIo.record(topic, key(model), new byte[EventRules.MAX_EVENT_BYTES + 1 + random.nextInt(500_000)]));
    }
    sentBad.put("invalid", 3 * EACH_KIND); // counts and costs past the ceilings, records larger than any event
    sentBad.put("overflow", EACH_KIND);
    sentBad.put("undecodable", 2 * EACH_KIND);
    // Valid events whose headers fill most of a record, half of them on another partition than
    // their user's (rerouted): counted, and no copy of them carries the headers.
    for (int i = 0; i < EACH_KIND; i++) {
      TokensConsumed event = Workload.events(name() + "-headers-" + i, 1, scale.users(), 74 + i).get(0);
      ledger.record(event);
      RecordHeaders headers = new RecordHeaders();
      headers.add("baggage", new byte[300_000]);
      int partition = (KeyPartitioner.partition(event.getUserId(), partitions) + i % 2) % partitions;
      records.add(new ProducerRecord<>(topic, partition, key(event), AvroSerdes.tokensConsumed().encode(event), headers));
    }
    Collections.shuffle(records, random);
    // The costliest calls, from 50 users, all in one day 40 days back (a month of its own): no
    // user's running total overflows, but all:_'s would, fed by every task through the repartition.
    int whaleEvents = (int) (Long.MAX_VALUE / EventRules.MAX_COST_NANOS) + 50;
    Instant whaleDay = Instant.now().minus(Duration.ofDays(40)).truncatedTo(ChronoUnit.DAYS);
    int middle = records.size() / 2;
    for (int i = 0; i < whaleEvents; i++) {
      TokensConsumed whale = TokensConsumed.newBuilder(events.get(0)).setEventId("whale-" + i).setUserId("whale-" + i % 50)
          .setOccurredAt(whaleDay.plusMillis(i)).setCostNanos(EventRules.MAX_COST_NANOS).build();
      records.add(middle + i, KafkaIo.event(topic, whale));
    }

    List<Future<RecordMetadata>> acks = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = KafkaIo.producer(environment.bootstrap())) {
      PacedStream<ProducerRecord<byte[], byte[]>> stream = PacedStream.start(records, scale.eventsPerSecond() + whaleEvents / 10,
          r -> acks.add(producer.send(r)));
      stream.awaitDone();
      KafkaIo.awaitAcks(acks);
    }
    ServedTotals.Settled settled = ServedTotals.awaitExact(ledger, List.of(aggregator), environment.readKey);

    // Once the totals are exact every record before them is processed, and its output committed.
    Map<String, Integer> routed = new TreeMap<>();
    long refusedWhaleRequests = 0;
    List<String> withoutReason = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> rejected : KafkaIo.readAll(environment.bootstrap(), topics.tokensRejected().name())) {
      String category = header(rejected, "tl.error.category");
      if (header(rejected, "tl.error.exception").equals(ArithmeticException.class.getName())) {
        // A task's minute sum of one shared subject that a bucket refused: the all:_ ones account for the whales' calls.
        if ("all:_".equals(new String(rejected.key(), StandardCharsets.UTF_8))) {
          refusedWhaleRequests += AvroSerdes.usageAggregate().decode(rejected.value()).getRequests();
        }
        routed.merge("refused totals", 1, Integer::sum);
        continue;
      }
      routed.merge(category, 1, Integer::sum);
      if (header(rejected, "tl.error.reason").isBlank()) {
        withoutReason.add(category);
      }
    }
    long servedWhale = whaleMonthRequests(aggregator, environment.readKey, whaleDay);
    routed.remove("refused totals");
    double routedByHandlers = Metrics.routedByHandlers(aggregator);
    result.figure("records in", records.size())
        .figure("valid events counted", ledger.events())
        .figure("totals compared", ServedTotals.totalsCompared(ledger))
        .figure("rejected by reason", routed)
        .figure("whale calls counted / refused", servedWhale + " / " + refusedWhaleRequests)
        .figure("routed by the exception handler", (long) routedByHandlers)
        .figure("lost", settled.last().lost())
        .figure("double counted", settled.last().doubleCounted())
        .check(aggregator.alive(), "the aggregator stopped")
        .check(settled.exact(), "totals not exact: " + settled.last().firstDifference().orElse(""))
        .check(routed.equals(sentBad), "rejected " + routed + ", sent " + sentBad)
        .check(withoutReason.isEmpty(), withoutReason.size() + " rejected records without a tl.error.reason")
        .check(servedWhale + refusedWhaleRequests == whaleEvents, "of " + whaleEvents + " whale calls " + servedWhale
            + " counted and " + refusedWhaleRequests + " refused: every one must be one or the other")
        .check(refusedWhaleRequests > 0, "no running total was refused: the overflow was not reached")
        .check(Metrics.droppedRecords(aggregator) == routedByHandlers,
            "Kafka Streams dropped records no exception handler routed");
  }

  /** The whale's month in all:_: its calls counted before the running total refused more. */
  private static long whaleMonthRequests(AppProcess aggregator, String readKey, Instant whaleDay) {
    Http.Answer answer = Http.get(aggregator.port(), "/v1/usage?dimension=all&key=_&period=month&from=" + whaleDay
        + "&to=" + whaleDay.plusMillis(1), readKey);
    var windows = answer.json().get("windows");
    return windows.isEmpty() ? 0 : windows.get(0).get("requests").asLong();
  }

  /** A retry as a producer that does not key by user sends it: no key, another key, or another partition. */
  private static ProducerRecord<byte[], byte[]> keyedOtherwise(String topic, TokensConsumed event, int partitions, int i) {
    byte[] value = AvroSerdes.tokensConsumed().encode(event);
    return switch (i % 3) {
      case 0 -> new ProducerRecord<>(topic, null, value);
      case 1 -> new ProducerRecord<>(topic, ("request-" + i).getBytes(StandardCharsets.UTF_8), value);
      default -> new ProducerRecord<>(topic, (KeyPartitioner.partition(event.getUserId(), partitions) + 1) % partitions,
          key(event), value);
    };
  }

  private static byte[] key(TokensConsumed event) {
    return event.getUserId().getBytes(StandardCharsets.UTF_8);
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }
}
