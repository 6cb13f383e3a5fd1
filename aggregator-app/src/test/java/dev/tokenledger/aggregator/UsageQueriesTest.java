package dev.tokenledger.aggregator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenledger.runtime.ProblemException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A cross-key scan stops once its query's deadline passed, instead of holding a query thread to the end. */
class UsageQueriesTest {

  private final KeyValueStore<String, String> store = Stores.keyValueStoreBuilder(
      Stores.inMemoryKeyValueStore("entries"), Serdes.String(), Serdes.String()).withLoggingDisabled().build();

  {
    MockProcessorContext<String, String> context = new MockProcessorContext<>();
    store.init(context.getStateStoreContext(), store);
    for (int i = 0; i < 1_000; i++) {
      store.put("user:" + i, "v");
    }
  }

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  @Test
  void shouldReadTheRangeAndStopOnceInterrupted() {
    List<String> read = new ArrayList<>();
    assertThat(UsageQueries.readAll(store, "user:", "user;", entry -> read.add(entry.key))).isTrue();
    assertThat(read).hasSize(1_000);

    read.clear();
    Thread.currentThread().interrupt(); // what QueryDeadline does to a query past its deadline
    assertThatThrownBy(() -> UsageQueries.readAll(store, "user:", "user;", entry -> read.add(entry.key)))
        .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().status()).isEqualTo(503));
    assertThat(read).isEmpty();
  }
}
