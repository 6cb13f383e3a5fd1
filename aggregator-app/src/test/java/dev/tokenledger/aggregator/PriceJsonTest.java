package dev.tokenledger.aggregator;

import dev.tokenledger.schemas.Pricing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenledger.runtime.ProblemException;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.PriceVersion;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriceJsonTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  @Test
  void shouldShipListPricesOfEveryMajorProviderWithTheirSources() {
    List<ModelPrice> catalog = PriceJson.defaultCatalog();

    assertThat(catalog).extracting(ModelPrice::getProvider)
        .contains("openai", "anthropic", "google", "xai", "mistral");
    ModelPrice gpt4o = catalog.stream().filter(p -> p.getModel().equals("gpt-4o")).findFirst().orElseThrow();
    PriceVersion version = gpt4o.getVersions().get(0);
    assertThat(version.getEffectiveFrom()).isEqualTo(Instant.EPOCH);
    assertThat(version.getInputPerMillionNanos()).isEqualTo(2_500_000_000L);
    assertThat(version.getOutputPerMillionNanos()).isEqualTo(10_000_000_000L);
    assertThat(version.getSource()).isNotBlank();
    assertThat(catalog).anySatisfy(free -> {
      assertThat(free.getVersions().get(0).getInputPerMillionNanos()).isZero();
      assertThat(free.getVersions().get(0).getOutputPerMillionNanos()).isZero();
    });
    assertThat(catalog).extracting(p -> Pricing.key(p.getProvider(), p.getModel())).doesNotHaveDuplicates();
  }

  @Test
  void shouldAddAVersionFromItsEffectiveDateAndKeepTheOlderOnes() throws Exception {
    ModelPrice current = PriceJson.defaultCatalog().stream().filter(p -> p.getModel().equals("gpt-4o")).findFirst().orElseThrow();

    ModelPrice updated = PriceJson.withVersion(current, "openai", "gpt-4o", JSON.valueToTree(Map.of(
        "effectiveFrom", "2026-12-01T00:00:00Z", "inputPerMillionUsd", "2.00", "outputPerMillionUsd", "8.00",
        "cachedInputPerMillionUsd", "0.50")), NOW);

    assertThat(updated.getVersions()).extracting(v -> v.getEffectiveFrom().toString())
        .containsExactly("1970-01-01T00:00:00Z", "2026-12-01T00:00:00Z");
    assertThat(Pricing.inForceAt(updated, Instant.parse("2026-12-01T00:00:00Z")).orElseThrow().getInputPerMillionNanos())
        .isEqualTo(2_000_000_000L);
    assertThat(updated.getContextWindow()).isEqualTo(current.getContextWindow());
  }

  @Test
  void shouldNameEveryWrongField() {
    assertThatThrownBy(() -> PriceJson.withVersion(null, "openai", "gpt-x", JSON.valueToTree(Map.of(
        "inputPerMillionUsd", "-1", "outputPerMilionUsd", "8")), NOW))
        .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().errors())
            .extracting(error -> error.field() + ": " + error.message())
            .containsExactlyInAnyOrder(
                "outputPerMilionUsd: is not a price field (expected one of [cacheWritePerMillionUsd, cachedInputPerMillionUsd, contextWindow, effectiveFrom, inputPerMillionUsd, outputPerMillionUsd, reasoningPerMillionUsd, source])",
                "inputPerMillionUsd: must be ≥ 0 (got -1)",
                "outputPerMillionUsd: is required: USD per million tokens, like \"2.50\""));
  }
}
