package dev.tokenledger.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

/** The URI a request is forwarded to: what Jetty took raw, carried on as a URI may hold it. */
class InstanceRouterTest {

  private static final HostInfo OWNER = new HostInfo("10.0.0.2", 8082);

  @Test
  void shouldEncodeWhatAUriMayNotHoldRawAndKeepEscapesAsTheyAre() {
    assertThat(InstanceRouter.uri(OWNER, "/v1/usage?dimension=user&key=a|b").toString())
        .isEqualTo("http://10.0.0.2:8082/v1/usage?dimension=user&key=a%7Cb");
    assertThat(InstanceRouter.uri(OWNER, "/v1/top?prefix=a^{}\"<>`\\ #x").toString())
        .isEqualTo("http://10.0.0.2:8082/v1/top?prefix=a%5E%7B%7D%22%3C%3E%60%5C%20%23x");
    assertThat(InstanceRouter.uri(OWNER, "/v1/usage?dimension=user&key=caf%C3%A9&user=team%2Ferin").toString())
        .isEqualTo("http://10.0.0.2:8082/v1/usage?dimension=user&key=caf%C3%A9&user=team%2Ferin");
    assertThat(InstanceRouter.uri(OWNER, "/v1/usage?key=café").toString())
        .isEqualTo("http://10.0.0.2:8082/v1/usage?key=caf%C3%A9");
  }

  @Test
  void shouldAnswer400ForABrokenEscape() {
    assertThatThrownBy(() -> InstanceRouter.uri(OWNER, "/v1/usage?key=100%"))
        .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().status()).isEqualTo(400));
  }
}
