package dev.tokenledger.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SubjectTest {

  private static TokensConsumed.Builder event() {
    return TokensConsumed.newBuilder().setEventId("e-1").setOccurredAt(Instant.parse("2026-12-07T10:00:00Z"))
        .setUserId("alice").setService("chat-api").setProvider("openai").setModel("gpt-4o").setInputTokens(10)
        .setOutputTokens(2);
  }

  @Test
  void shouldCountAnEventTowardOneSubjectOfEachDimension() {
    TokensConsumed event = event().setFeature("search").setTenantId("acme").build();

    assertThat(Subject.of(event)).extracting(Subject::toString).containsExactly("user:alice", "model:openai/gpt-4o",
        "provider:openai", "feature:search", "tenant:acme", "all:_", "user_model:alice/openai/gpt-4o");
    assertThat(Subject.of(event)).extracting(Subject::dimension).containsExactlyInAnyOrder(Dimension.values());
  }

  @Test
  void shouldCountAMissingOrBlankFeatureAndTenantAsUnassigned() {
    TokensConsumed event = event().setFeature(null).setTenantId("  ").build();

    assertThat(Subject.of(event)).extracting(Subject::toString)
        .contains("feature:unassigned", "tenant:unassigned");
  }

  @Test
  void shouldParseWhatItWrites() {
    Subject subject = Subject.parse("user_model:team/erin/openai/gpt-4o");

    assertThat(subject).isEqualTo(new Subject(Dimension.USER_MODEL, "team/erin/openai/gpt-4o"));
    assertThat(Subject.parse(subject.toString())).isEqualTo(subject);
    assertThatThrownBy(() -> Subject.parse("user:")).isInstanceOf(IllegalArgumentException.class);
  }
}
