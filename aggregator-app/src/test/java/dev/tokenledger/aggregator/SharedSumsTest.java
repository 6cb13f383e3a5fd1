package dev.tokenledger.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.schemas.CalendarWindow;
import dev.tokenledger.schemas.EventRules;
import dev.tokenledger.schemas.Pricing;
import dev.tokenledger.schemas.Subject;
import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.Period;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SharedSumsTest {

  private static final CalendarWindow MINUTE =
      CalendarWindow.containing(Period.MINUTE, Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);

  /** What the sums handed over: subject, minute, sum. */
  private record Sent(Subject subject, CalendarWindow window, Totals sum) {}

  private final List<Sent> sent = new ArrayList<>();

  private static TokensConsumed event(String provider, String model, String tenant) {
    return AggregatorDriver.event("e", "2026-12-07T10:00:05Z").setProvider(provider).setModel(model)
        .setTenantId(tenant).setFeature(null).build();
  }

  private void add(SharedSums sums, TokensConsumed event, long costNanos) {
    Totals totals = Totals.of(event, Optional.of(Pricing.Cost.ofNanos(costNanos)), null);
    sums.add(event, event.getProvider() + "/" + event.getModel(), MINUTE, totals,
        (subject, window, sum) -> sent.add(new Sent(subject, window, sum)));
  }

  @Test
  void shouldSumEachSharedSubjectsMinuteAndHandThemOverOnce() {
    SharedSums sums = new SharedSums();
    add(sums, event("openai", "gpt-4o", "acme"), 10);
    add(sums, event("openai", "gpt-4o", null), 20);
    add(sums, event("anthropic", "claude-sonnet-4-5", "acme"), 40);

    sums.drain((subject, window, sum) -> sent.add(new Sent(subject, window, sum)));

    assertThat(sent).extracting(e -> e.subject().toString()).containsExactlyInAnyOrder("all:_", "provider:openai",
        "provider:anthropic", "model:openai/gpt-4o", "model:anthropic/claude-sonnet-4-5", "feature:unassigned",
        "tenant:acme", "tenant:unassigned");
    assertThat(sent).filteredOn(e -> e.subject().dimension() == Dimension.ALL).singleElement()
        .satisfies(e -> assertThat(e.sum().get(Totals.COST_NANOS)).isEqualTo(70))
        .satisfies(e -> assertThat(e.window()).isEqualTo(MINUTE));
    assertThat(sums.isEmpty()).isTrue();
  }

  @Test
  void shouldSumEveryWindowOfAReplaySpreadOverHundredsOfThem() {
    // Past a few windows a subject's sums are indexed: each window still summed apart, exactly.
    SharedSums sums = new SharedSums();
    TokensConsumed event = event("openai", "gpt-4o", "acme");
    Totals totals = Totals.of(event, Optional.of(Pricing.Cost.ofNanos(5)), null);
    List<CalendarWindow> hours = new ArrayList<>();
    for (int h = 0; h < 900; h++) {
      hours.add(CalendarWindow.containing(Period.HOUR, Instant.parse("2026-11-01T00:00:00Z").plusSeconds(3600L * h),
          ZoneOffset.UTC));
    }
    for (int round = 0; round < 2; round++) {
      for (CalendarWindow hour : hours) {
        sums.add(event, "openai/gpt-4o", hour, totals, (subject, window, sum) -> sent.add(new Sent(subject, window, sum)));
      }
    }

    sums.drain((subject, window, sum) -> sent.add(new Sent(subject, window, sum)));

    List<Sent> all = sent.stream().filter(e -> e.subject().dimension() == Dimension.ALL).toList();
    assertThat(all).extracting(Sent::window).containsExactlyElementsOf(hours);
    assertThat(all).allSatisfy(e -> assertThat(e.sum().get(Totals.COST_NANOS)).isEqualTo(10));
  }

  @Test
  void shouldSendTheSumsEarlyRatherThanLetOneOverflow() {
    SharedSums sums = new SharedSums();
    // Each event costs the most one call may; 9,224 of them overflow a long of nano-USD.
    int events = (int) (Long.MAX_VALUE / EventRules.MAX_COST_NANOS) + 2;
    for (int i = 0; i < events; i++) {
      add(sums, event("openai", "gpt-4o", "acme"), EventRules.MAX_COST_NANOS);
    }
    sums.drain((subject, window, sum) -> sent.add(new Sent(subject, window, sum)));

    List<Totals> all = sent.stream().filter(e -> e.subject().dimension() == Dimension.ALL).map(Sent::sum).toList();
    assertThat(all).hasSizeGreaterThan(1);
    assertThat(all.stream().mapToLong(t -> t.get(Totals.REQUESTS)).sum()).isEqualTo(events);
    assertThat(all).allSatisfy(t -> assertThat(t.get(Totals.COST_NANOS)).isPositive());
  }
}
