package dev.tokenledger.runtime;

import java.lang.reflect.Field;
import java.util.Collection;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.internals.StreamTask;

/**
 * Kafka Streams runs {@code init} again on the same processor objects when it suspends a task and
 * resumes it (a rebalance that gives the task back) or revives it. The test driver has no API for
 * that; this drives its one task through suspend, resume and restoration as a stream thread does,
 * through its internals (read by reflection: a Kafka upgrade that changes them fails loudly).
 */
public final class StreamTaskLifecycle {

  private StreamTaskLifecycle() {}

  /** What a stream thread does to a task it keeps over a rebalance: commit, suspend, resume, restore. */
  public static void suspendAndResume(TopologyTestDriver driver) {
    StreamTask task = task(driver);
    task.prepareCommit(true);
    task.postCommit(true);
    task.suspend();
    task.resume();
    task.completeRestoration(partitions -> { });
  }

  /** Wall-clock punctuations the task would still run: scheduled and not cancelled. */
  public static int liveWallClockSchedules(TopologyTestDriver driver) {
    try {
      Object queue = field(StreamTask.class, "systemTimePunctuationQueue").get(task(driver));
      Collection<?> schedules = (Collection<?>) field(queue.getClass(), "pq").get(queue);
      Field cancelled = field(Class.forName("org.apache.kafka.streams.processor.internals.PunctuationSchedule"), "isCancelled");
      int live = 0;
      for (Object schedule : schedules) {
        live += cancelled.getBoolean(schedule) ? 0 : 1;
      }
      return live;
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("Kafka Streams' task internals changed: " + e, e);
    }
  }

  private static StreamTask task(TopologyTestDriver driver) {
    try {
      return (StreamTask) field(TopologyTestDriver.class, "task").get(driver);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("the test driver's internals changed: " + e, e);
    }
  }

  private static Field field(Class<?> type, String name) throws NoSuchFieldException {
    Field field = type.getDeclaredField(name);
    field.setAccessible(true);
    return field;
  }
}
