package dev.tokenledger.faults;

import dev.tokenledger.schemas.avro.TokensConsumed;
import java.util.ArrayList;
import java.util.List;

/**
 * Events posted to ingest with 10 % sent again (same eventId), some of them after ingest was
 * SIGKILLed and restarted, and every batch cut off by the crash retried: counted once.
 */
final class DuplicatesCase implements FaultCase {

  private static final int BATCH = 20;

  @Override
  public String name() {
    return "duplicates";
  }

  @Override
  public String description() {
    return "10 % of events posted twice, also across an ingest kill -9 and restart: each counted once";
  }

  @Override
  public void run(SuiteEnvironment environment, Scale scale, CaseResult result) throws Exception {
    var settings = environment.caseSettings(name());
    AppProcess aggregator = environment.app(AppProcess.Kind.AGGREGATOR, name() + "-aggregator", settings).start();
    AppProcess ingest = environment.app(AppProcess.Kind.INGEST, name() + "-ingest", settings).start();
    IngestPoster poster = new IngestPoster(ingest::port, environment.publishKey);

    List<TokensConsumed> events = Workload.events(name(), scale.events(), scale.users(), 41);
    Ledger ledger = new Ledger();
    events.forEach(ledger::record);
    List<TokensConsumed> sends = Workload.withRetries(events, 10, 42);
    List<List<TokensConsumed>> batches = new ArrayList<>();
    for (int i = 0; i < sends.size(); i += BATCH) {
      batches.add(sends.subList(i, Math.min(sends.size(), i + BATCH)));
    }
    int[] retriedBatches = new int[1];
    PacedStream<List<TokensConsumed>> stream = PacedStream.start(batches, Math.max(1, scale.eventsPerSecond() / BATCH),
        batch -> retriedBatches[0] += poster.post(batch).attempts() > 1 ? 1 : 0);
    for (int kill = 1; kill <= scale.kills(); kill++) {
      stream.awaitShare((double) kill / (scale.kills() + 1));
      ingest.kill();
      ingest.start();
    }
    stream.awaitDone();
    ServedTotals.Settled settled = ServedTotals.awaitExact(ledger, List.of(aggregator), environment.readKey);

    result.figure("events", events.size())
        .figure("posted again (same eventId)", sends.size() - events.size())
        .figure("ingest kills", scale.kills())
        .figure("batches retried after a crash", retriedBatches[0])
        .figure("totals compared", ServedTotals.totalsCompared(ledger))
        .figure("lost", settled.last().lost())
        .figure("double counted", settled.last().doubleCounted())
        .figure("exact after stream end (s)", CaseResult.seconds(settled.seconds()))
        .check(settled.exact(), "totals not exact: " + settled.last().firstDifference().orElse(""));
  }
}
