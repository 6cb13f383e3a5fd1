package dev.tokenledger.faults;

import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * One broker frozen (SIGSTOP, as a long GC pause or a frozen VM does) mid-stream, twice, another
 * each time, with a producer that gives a send two seconds: the aggregator's sends to the
 * partitions the frozen broker leads time out while events keep coming from the others, and
 * Kafka Streams marks the task corrupted, closes it dirty and revives it
 * ({@code TaskCorruptedException}). Under exactly-once v2 it then commits the thread's other
 * tasks on the same producer, which the timed-out sends left in an error state: the thread dies
 * and is replaced ({@code StreamThreadFailures}). A JVM killed and restarted takes neither path,
 * and freezing every broker takes neither either (the input stops, and a commit's flush waits for
 * ever); every total must still be exact.
 */
final class StallCase implements FaultCase {

  /** Longer than a send may take (below), shorter than the session and transaction timeouts (10 s). */
  private static final Duration STALL = Duration.ofSeconds(5);
  /**
   * How long Kafka Streams' producer waits for an answer, and tries a record in all, before the
   * send fails as timed out: the production handler answers RETRY, and Kafka Streams revives the
   * task (a commit itself does not time out: it first flushes, and a flush waits for ever).
   */
  private static final Map<String, String> IMPATIENT_PRODUCER = Map.of("kafka.producer.request.timeout.ms", "1000",
      "kafka.producer.delivery.timeout.ms", "2000", "kafka.producer.max.block.ms", "2000");
  /** What Kafka Streams logs when it revives corrupted tasks (StreamThread, 4.4). */
  static final String REVIVED = "Detected the states of tasks";

  @Override
  public String name() {
    return "stall";
  }

  @Override
  public String description() {
    return "freeze a broker (SIGSTOP) mid-stream, twice: sends time out, a task revived and its thread replaced, totals exact";
  }

  @Override
  public void run(SuiteEnvironment environment, Scale scale, CaseResult result) throws Exception {
    Map<String, String> settings = new LinkedHashMap<>(environment.caseSettings(name()));
    settings.putAll(IMPATIENT_PRODUCER);
    String topic = environment.topics(settings).tokensConsumed().name();
    AppProcess aggregator = environment.app(AppProcess.Kind.AGGREGATOR, name() + "-aggregator", settings).start();

    List<TokensConsumed> events = Workload.events(name(), scale.events(), scale.users(), 81);
    Ledger ledger = new Ledger();
    events.forEach(ledger::record);
    List<TokensConsumed> sends = Workload.withRetries(events, 10, 82);
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    int stalls = 2;
    try (KafkaProducer<byte[], byte[]> producer = KafkaIo.producer(environment.bootstrap())) {
      PacedStream<TokensConsumed> stream = PacedStream.start(sends, scale.eventsPerSecond(),
          e -> acks.add(producer.send(KafkaIo.event(topic, e))));
      for (int stall = 1; stall <= stalls; stall++) {
        stream.awaitShare((double) stall / (stalls + 1));
        environment.cluster().pause(stall);
        // The fault itself lasts this long; nothing is awaited.
        Thread.sleep(STALL.toMillis());
        environment.cluster().resume(stall);
      }
      stream.awaitDone();
      KafkaIo.awaitAcks(acks);
    }
    ServedTotals.Settled settled = ServedTotals.awaitExact(ledger, List.of(aggregator), environment.readKey);
    long revivals = aggregator.logLines(REVIVED);

    result.figure("events", events.size())
        .figure("retried (same eventId)", sends.size() - events.size())
        .figure("brokers frozen, one at a time", stalls + " × " + STALL.toSeconds() + " s")
        .figure("task revivals (TaskCorruptedException)", revivals)
        .figure("stream threads replaced", aggregator.logLines("a stream thread failed; replacing it"))
        .figure("totals compared", ServedTotals.totalsCompared(ledger))
        .figure("lost", settled.last().lost())
        .figure("double counted", settled.last().doubleCounted())
        .figure("exact after stream end (s)", CaseResult.seconds(settled.seconds()))
        .check(aggregator.alive(), "the aggregator stopped")
        .check(revivals > 0, "no task was revived: the stall did not take the path this case is for")
        .check(settled.exact(), "totals not exact: " + settled.last().firstDifference().orElse(""));
  }
}
