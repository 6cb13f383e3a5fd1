package dev.tokenledger.faults;

import static org.awaitility.Awaitility.await;

import dev.tokenledger.runtime.RunningApp;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.awaitility.core.ConditionTimeoutException;

/**
 * An instance whose Kafka Streams fails for good (its input topic deleted under it: no record
 * can cause this, the exception handlers route those): {@code /health} must fail and the process
 * exit with {@link RunningApp#FAILED_WHILE_RUNNING}, so an orchestrator restarts it, instead of a
 * process that answers "up" while counting nothing.
 */
final class FailedInstanceCase implements FaultCase {

  private static final Duration FAILURE_LIMIT = Duration.ofMinutes(3);

  @Override
  public String name() {
    return "failed-instance";
  }

  @Override
  public String description() {
    return "delete the aggregator's input topic under it: /health fails and the process exits 3 for a restart";
  }

  @Override
  public void run(SuiteEnvironment environment, Scale scale, CaseResult result) throws Exception {
    var settings = environment.caseSettings(name());
    String topic = environment.topics(settings).tokensConsumed().name();
    AppProcess aggregator = environment.app(AppProcess.Kind.AGGREGATOR, name() + "-aggregator", settings).start();
    int healthyBefore = Http.get(aggregator.port(), "/health", null).status();

    long start = System.nanoTime();
    try (Admin admin = environment.admin()) {
      admin.deleteTopics(List.of(topic)).all().get(1, TimeUnit.MINUTES);
    }
    // Either answer shows the failure: a 503 from /health while it closes, or the exit itself.
    AtomicBoolean unhealthySeen = new AtomicBoolean();
    try {
      await().atMost(FAILURE_LIMIT).pollInterval(Duration.ofMillis(100)).until(() -> {
        if (aggregator.alive() && Http.get(aggregator.port(), "/health", null).status() == 503) {
          unhealthySeen.set(true);
        }
        return aggregator.exitCode().isPresent();
      });
    } catch (ConditionTimeoutException e) {
      // Reported by the check below.
    }
    Optional<Integer> exit = aggregator.exitCode();
    double seconds = (System.nanoTime() - start) / 1e9;

    result.figure("/health before", healthyBefore)
        .figure("/health 503 seen before the exit", unhealthySeen.get())
        .figure("exit code", exit.map(String::valueOf).orElse("still running"))
        .figure("topic deleted to exit (s)", CaseResult.seconds(seconds))
        .check(healthyBefore == 200, "/health answered " + healthyBefore + " before the failure")
        .check(exit.equals(Optional.of(RunningApp.FAILED_WHILE_RUNNING)), "the aggregator did not exit with "
            + RunningApp.FAILED_WHILE_RUNNING + " within " + FAILURE_LIMIT.toMinutes() + " minutes (exit: " + exit + ")")
        .check(aggregator.logLines("exiting with " + RunningApp.FAILED_WHILE_RUNNING) == 1,
            "the log does not say why the aggregator exited");
  }
}
