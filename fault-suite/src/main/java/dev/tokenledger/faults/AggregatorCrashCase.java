package dev.tokenledger.faults;

import dev.tokenledger.schemas.avro.TokensConsumed;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Two aggregator instances; one of them SIGKILLed and restarted, again and again, while events stream in. */
final class AggregatorCrashCase implements FaultCase {

  @Override
  public String name() {
    return "aggregator-crash";
  }

  @Override
  public String description() {
    return "kill -9 an aggregator instance repeatedly during a stream (10 % retried), restart it: every total exact";
  }

  @Override
  public void run(SuiteEnvironment environment, Scale scale, CaseResult result) throws Exception {
    var settings = environment.caseSettings(name());
    String topic = environment.topics(settings).tokensConsumed().name();
    List<AppProcess> aggregators = List.of(
        environment.app(AppProcess.Kind.AGGREGATOR, name() + "-a", settings).start(),
        environment.app(AppProcess.Kind.AGGREGATOR, name() + "-b", settings).start());

    List<TokensConsumed> events = Workload.events(name(), scale.events(), scale.users(), 11);
    Ledger ledger = new Ledger();
    events.forEach(ledger::record);
    List<TokensConsumed> sends = Workload.withRetries(events, 10, 12);
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    double longestRestartSeconds;
    long streamStart = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer = KafkaIo.producer(environment.bootstrap())) {
      PacedStream<TokensConsumed> stream = PacedStream.start(sends, scale.eventsPerSecond(), e -> acks.add(producer.send(KafkaIo.event(topic, e))));
      List<Double> restartSeconds = new ArrayList<>();
      for (int kill = 1; kill <= scale.kills(); kill++) {
        stream.awaitShare((double) kill / (scale.kills() + 1));
        AppProcess victim = aggregators.get(kill % 2);
        victim.kill();
        long restart = System.nanoTime();
        victim.start();
        restartSeconds.add((System.nanoTime() - restart) / 1e9);
      }
      stream.awaitDone();
      KafkaIo.awaitAcks(acks);
      longestRestartSeconds = restartSeconds.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }
    double streamSeconds = (System.nanoTime() - streamStart) / 1e9;
    ServedTotals.Settled settled = ServedTotals.awaitExact(ledger, aggregators, environment.readKey);

    result.figure("events", events.size())
        .figure("retried (same eventId)", sends.size() - events.size())
        .figure("aggregator kills", scale.kills())
        .figure("longest restart to ready (s)", CaseResult.seconds(longestRestartSeconds))
        .figure("stream (s)", CaseResult.seconds(streamSeconds))
        .figure("totals compared", ServedTotals.totalsCompared(ledger))
        .figure("lost", settled.last().lost())
        .figure("double counted", settled.last().doubleCounted())
        .figure("keys differing", settled.last().keysDiffering())
        .figure("exact after stream end (s)", CaseResult.seconds(settled.seconds()))
        .check(settled.exact(), "totals not exact (stopped moving) after the stream: "
            + settled.last().firstDifference().orElse(""));
    for (AppProcess aggregator : aggregators) {
      result.check(Metrics.droppedRecords(aggregator) == 0, aggregator.name() + " dropped records");
    }
  }
}
