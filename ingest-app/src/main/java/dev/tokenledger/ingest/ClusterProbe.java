package dev.tokenledger.ingest;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the events topic can be reached, for {@code /ready}: described through an Admin client
 * at start and then periodically, so a request never waits on the check and a lost cluster shows
 * up as not ready within one interval.
 */
final class ClusterProbe implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ClusterProbe.class);

  private final Admin admin;
  private final String topic;
  private final Duration timeout;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "ingest-cluster-probe");
    thread.setDaemon(true);
    return thread;
  });
  private volatile Optional<String> notReadyReason = Optional.of("Kafka has not been checked yet");

  ClusterProbe(Admin admin, String topic, Duration timeout) {
    this.admin = admin;
    this.topic = topic;
    this.timeout = timeout;
  }

  /** Checks now, then every {@code interval}. */
  ClusterProbe start(Duration interval) {
    check();
    scheduler.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Empty when the topic was reachable at the last check, else why not. */
  Optional<String> notReadyReason() {
    return notReadyReason;
  }

  void check() {
    Optional<String> reason;
    try {
      admin.describeTopics(List.of(topic), new DescribeTopicsOptions().timeoutMs((int) timeout.toMillis()))
          .allTopicNames().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
      reason = Optional.empty();
    } catch (ExecutionException e) {
      reason = Optional.of("cannot describe topic " + topic + ": " + e.getCause().getMessage());
    } catch (TimeoutException e) {
      reason = Optional.of("Kafka did not answer within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (!reason.equals(notReadyReason)) {
      if (reason.isPresent()) {
        log.warn("not ready: {}", reason.get());
      } else {
        log.info("Kafka reachable, topic {} present: ready", topic);
      }
    }
    notReadyReason = reason;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    admin.close(Duration.ofSeconds(5));
  }
}
