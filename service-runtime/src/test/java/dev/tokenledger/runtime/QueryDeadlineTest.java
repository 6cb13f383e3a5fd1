package dev.tokenledger.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class QueryDeadlineTest {

  @Test
  void shouldAnswer503InsteadOfHangingOnAStuckQuery() {
    CountDownLatch never = new CountDownLatch(1);

    assertThatThrownBy(() -> QueryDeadline.call("the test store", () -> {
      never.await();
      return "unreachable";
    })).isInstanceOfSatisfying(ProblemException.class, e -> {
      assertThat(e.problem().status()).isEqualTo(503);
      assertThat(e.headers()).containsKey("Retry-After");
      assertThat(e.getMessage()).startsWith("the test store did not answer within 5 s");
    });
  }

  @Test
  void shouldPassResultsAndFailuresThrough() {
    assertThat(QueryDeadline.call("a store", () -> 42)).isEqualTo(42);
    assertThatThrownBy(() -> QueryDeadline.call("a store", () -> {
      throw ProblemException.notFound("nothing here");
    })).hasMessage("nothing here");
  }
}
