package dev.tokenledger.faults;

import static org.awaitility.Awaitility.await;

import dev.tokenledger.schemas.AvroSerdes;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;

/**
 * Ingest takes batches over HTTP while the broker leading a partition of {@code tokens.consumed}
 * is SIGKILLed, then brought back. Every event answered 202 must be on the topic; a batch may
 * wait (503, retried by the client) only seconds.
 */
final class BrokerCrashCase implements FaultCase {

  private static final int BATCH = 10;

  @Override
  public String name() {
    return "broker-crash";
  }

  @Override
  public String description() {
    return "kill -9 a broker during ingestion, bring it back: no acknowledged event lost, a stall of seconds";
  }

  @Override
  public void run(SuiteEnvironment environment, Scale scale, CaseResult result) throws Exception {
    var settings = environment.caseSettings(name());
    String topic = environment.topics(settings).tokensConsumed().name();
    AppProcess ingest = environment.app(AppProcess.Kind.INGEST, name() + "-ingest", settings).start();
    IngestPoster poster = new IngestPoster(ingest::port, environment.publishKey);

    List<TokensConsumed> events = Workload.events(name(), scale.events(), scale.users(), 31);
    List<List<TokensConsumed>> batches = new ArrayList<>();
    for (int i = 0; i < events.size(); i += BATCH) {
      batches.add(events.subList(i, Math.min(events.size(), i + BATCH)));
    }
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    List<Double> stalls = new ArrayList<>();
    AtomicInteger retriedBatches = new AtomicInteger();
    PacedStream<List<TokensConsumed>> stream = PacedStream.start(batches, Math.max(1, scale.eventsPerSecond() / BATCH), batch -> {
      IngestPoster.Delivery delivery = poster.post(batch);
      batch.forEach(e -> acknowledged.add(e.getEventId()));
      synchronized (stalls) {
        stalls.add(delivery.seconds());
      }
      if (delivery.attempts() > 1) {
        retriedBatches.incrementAndGet();
      }
    });
    double longestBackInSync = 0;
    try (Admin admin = environment.admin()) {
      for (int kill = 1; kill <= scale.kills(); kill++) {
        stream.awaitShare((double) kill / (scale.kills() + 1));
        int leader = leaderOfPartitionZero(admin, topic);
        environment.cluster().kill(leader);
        // Ingestion must go on while the node is down: wait for more acknowledged batches first.
        int ackedAtKill = acknowledged.size();
        await().atMost(Duration.ofMinutes(2)).until(() -> acknowledged.size() >= ackedAtKill + 5 * BATCH
            || stream.sent() == batches.size());
        long restart = System.nanoTime();
        environment.cluster().restart(leader);
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
            .until(() -> fullyReplicated(admin, topic));
        longestBackInSync = Math.max(longestBackInSync, (System.nanoTime() - restart) / 1e9);
      }
    }
    stream.awaitDone();

    Set<String> onTopic = new HashSet<>();
    int records = 0;
    for (var record : KafkaIo.readAll(environment.bootstrap(), topic)) {
      onTopic.add(AvroSerdes.tokensConsumed().decode(record.value()).getEventId());
      records++;
    }
    long lost = acknowledged.stream().filter(id -> !onTopic.contains(id)).count();
    double longestStall = stalls.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    result.figure("events acknowledged", acknowledged.size())
        .figure("broker kills", scale.kills())
        .figure("lost", lost)
        .figure("batches retried after 503", retriedBatches.get())
        .figure("records on topic (retries incl.)", records)
        .figure("longest stall (s)", CaseResult.seconds(longestStall))
        .figure("restarted broker in sync after (s)", CaseResult.seconds(longestBackInSync))
        .check(acknowledged.size() == events.size(), "not every event was acknowledged")
        .check(lost == 0, lost + " acknowledged events are not on " + topic)
        .check(longestStall < 30, "ingestion stalled " + longestStall + " s");
  }

  private static int leaderOfPartitionZero(Admin admin, String topic) throws Exception {
    TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
    return description.partitions().get(0).leader().id();
  }

  private static boolean fullyReplicated(Admin admin, String topic) throws Exception {
    TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
    return description.partitions().stream().allMatch(p -> p.isr().size() == SuiteEnvironment.NODES);
  }
}
