package dev.tokenledger.faults;

import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Aggregator instances added and removed (SIGTERM, as a scale-in does) while events stream in
 * and a client queries {@code /v1/usage} without pause: the first instance hands tasks over to
 * each one that joins and takes them back as each leaves, the last after the stream. Every answer
 * must be a 200 or a 503 with {@code Retry-After}, and every total exact on the first instance,
 * which by then holds every task again.
 */
final class RebalanceCase implements FaultCase {

  /** A steady 50 queries a second, not a flood competing with the apps for the cores. */
  private static final Duration QUERY_INTERVAL = Duration.ofMillis(20);

  @Override
  public String name() {
    return "rebalance";
  }

  @Override
  public String description() {
    return "add and remove aggregator instances under load while querying: only 200 or 503 + Retry-After, totals exact";
  }

  @Override
  public void run(SuiteEnvironment environment, Scale scale, CaseResult result) throws Exception {
    var settings = environment.caseSettings(name());
    String topic = environment.topics(settings).tokensConsumed().name();
    AppProcess first = environment.app(AppProcess.Kind.AGGREGATOR, name() + "-a", settings).start();
    // The instances a load balancer sends queries to: an instance leaves it before it stops.
    List<AppProcess> serving = new CopyOnWriteArrayList<>(List.of(first));

    List<TokensConsumed> events = Workload.events(name(), scale.events(), scale.users(), 51);
    Ledger ledger = new Ledger();
    events.forEach(ledger::record);
    List<String> users = events.stream().map(TokensConsumed::getUserId).distinct().toList();
    Queries queries = new Queries();
    AtomicBoolean querying = new AtomicBoolean(true);
    CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
      Random random = new Random(52);
      while (querying.get()) {
        AppProcess instance = serving.get(random.nextInt(serving.size()));
        queries.add(Http.get(instance.port(), "/v1/usage?dimension=user&key=" + users.get(random.nextInt(users.size()))
            + "&period=day", environment.readKey), instance.name());
        LockSupport.parkNanos(QUERY_INTERVAL.toNanos());
      }
    }, Executors.newSingleThreadExecutor(task -> new Thread(task, "query-client")));

    List<TokensConsumed> sends = Workload.withRetries(events, 10, 53);
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    List<AppProcess> added = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = KafkaIo.producer(environment.bootstrap())) {
      PacedStream<TokensConsumed> stream = PacedStream.start(sends, scale.eventsPerSecond(), e -> acks.add(producer.send(KafkaIo.event(topic, e))));
      for (int move = 1; move <= scale.kills(); move++) {
        stream.awaitShare((double) move / (scale.kills() + 1));
        AppProcess joining = environment.app(AppProcess.Kind.AGGREGATOR, name() + "-" + (char) ('a' + move), settings).start();
        serving.add(joining);
        added.add(joining);
        if (added.size() > 1) {
          AppProcess leaving = added.get(added.size() - 2);
          serving.remove(leaving);
          leaving.stop();
        }
      }
      stream.awaitDone();
      KafkaIo.awaitAcks(acks);
    }
    // The last to join leaves too: the first instance takes back every task it handed over.
    AppProcess last = added.get(added.size() - 1);
    serving.remove(last);
    last.stop();
    ServedTotals.Settled settled = ServedTotals.awaitExact(ledger, List.copyOf(serving), environment.readKey);
    querying.set(false);
    client.join();

    result.figure("events", events.size())
        .figure("instances added / removed", added.size() + " / " + added.size())
        .figure("totals compared", ServedTotals.totalsCompared(ledger))
        .figure("queries", queries.total.get())
        .figure("answered 200", queries.ok.get())
        .figure("answered 503 + Retry-After", queries.unavailable.get())
        .figure("other answers", queries.other.get())
        .figure("longest without a 200 (s)", CaseResult.seconds(queries.longestGapNanos.get() / 1e9))
        .figure("lost", settled.last().lost())
        .figure("double counted", settled.last().doubleCounted())
        .figure("exact after stream end (s)", CaseResult.seconds(settled.seconds()))
        .check(queries.other.get() == 0, "answers other than 200 or 503 + Retry-After, first: " + queries.firstOther)
        .check(settled.exact(), "totals not exact: " + settled.last().firstDifference().orElse(""));
  }

  /** Tallies of the client's answers; one writer thread, read after it stopped. */
  private static final class Queries {
    final AtomicLong total = new AtomicLong();
    final AtomicLong ok = new AtomicLong();
    final AtomicLong unavailable = new AtomicLong();
    final AtomicLong other = new AtomicLong();
    final AtomicLong longestGapNanos = new AtomicLong();
    private long lastOk = System.nanoTime();
    volatile String firstOther;

    void add(Http.Answer answer, String instance) {
      total.incrementAndGet();
      long now = System.nanoTime();
      if (answer.status() == 200) {
        ok.incrementAndGet();
        longestGapNanos.accumulateAndGet(now - lastOk, Math::max);
        lastOk = now;
      } else if (answer.status() == 503 && answer.retryAfter().isPresent()) {
        unavailable.incrementAndGet();
      } else {
        other.incrementAndGet();
        if (firstOther == null) {
          firstOther = instance + " answered " + answer.status() + ": " + answer.body();
        }
      }
    }
  }
}
