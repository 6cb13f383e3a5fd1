package dev.tokenledger.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.PriceRates;
import dev.tokenledger.schemas.avro.PriceVersion;
import dev.tokenledger.schemas.avro.PromptTier;
import dev.tokenledger.schemas.avro.ServiceTierPrice;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class PricingTest {

  private static final long USD = 1_000_000_000L;

  /** Claude Sonnet 4.5 as Anthropic lists it: everything doubles (output ×1.5) above 200k input tokens. */
  private static PriceVersion sonnet45() {
    return PriceVersion.newBuilder().setEffectiveFrom(Instant.EPOCH)
        .setInputPerMillionNanos(3 * USD).setOutputPerMillionNanos(15 * USD)
        .setCachedInputPerMillionNanos(300_000_000L).setCacheWritePerMillionNanos(3_750_000_000L)
        .setCacheWrite1hPerMillionNanos(6 * USD)
        .setPromptTiers(List.of(new PromptTier(200_000L, PriceRates.newBuilder()
            .setInputPerMillionNanos(6 * USD).setOutputPerMillionNanos(22_500_000_000L)
            .setCachedInputPerMillionNanos(600_000_000L).setCacheWritePerMillionNanos(7_500_000_000L)
            .setCacheWrite1hPerMillionNanos(12 * USD).build())))
        .build();
  }

  /** GPT-4o mini: batch at half price, priority at a price list of its own. */
  private static PriceVersion gpt4oMini() {
    return PriceVersion.newBuilder().setEffectiveFrom(Instant.EPOCH)
        .setInputPerMillionNanos(150_000_000L).setOutputPerMillionNanos(600_000_000L)
        .setCachedInputPerMillionNanos(75_000_000L)
        .setServiceTiers(Map.of(
            "batch", new ServiceTierPrice(500_000L, null),
            "priority", new ServiceTierPrice(null, PriceRates.newBuilder().setInputPerMillionNanos(250_000_000L)
                .setOutputPerMillionNanos(USD).setCachedInputPerMillionNanos(125_000_000L).build())))
        .build();
  }

  private static TokensConsumed.Builder event(long input, long output) {
    return TokensConsumed.newBuilder().setEventId("e").setOccurredAt(Instant.EPOCH).setUserId("u").setService("s")
        .setProvider("anthropic").setModel("m").setInputTokens(input).setOutputTokens(output);
  }

  private static BigInteger femtos(Pricing.Cost cost) {
    return BigInteger.valueOf(cost.nanos()).multiply(BigInteger.valueOf(Pricing.FEMTOS_PER_NANO))
        .add(BigInteger.valueOf(cost.remainderFemtos()));
  }

  @Test
  void shouldPriceAPromptAtTheThresholdAtTheBasePriceAndOneTokenMoreWhollyAtTheLongContextPrice() {
    // 200 000 × $3 + 1 000 × $15, per million
    assertThat(Pricing.cost(event(200_000, 1_000).build(), sonnet45())).isEqualTo(Pricing.Cost.ofNanos(615_000_000L));
    // 200 001 × $6 + 1 000 × $22.50: every token, not only those above 200k
    assertThat(Pricing.cost(event(200_001, 1_000).build(), sonnet45())).isEqualTo(Pricing.Cost.ofNanos(1_222_506_000L));
  }

  @Test
  void shouldCountCacheReadsAndWritesTowardsThePromptSize() {
    // 150k cached + 60k written = 210k input > 200k: 0.60 and 7.50 per million
    TokensConsumed e = event(210_000, 0).setCachedInputTokens(150_000).setCacheWriteTokens(60_000).build();
    assertThat(Pricing.cost(e, sonnet45())).isEqualTo(Pricing.Cost.ofNanos(90_000_000L + 450_000_000L));
  }

  @Test
  void shouldPriceHourLongCacheWritesApartFromFiveMinuteOnes() {
    // 3 000 uncached × $3 + 3 000 reads × $0.30 + 3 000 5-minute writes × $3.75 + 1 000 1-hour writes × $6
    TokensConsumed e = event(10_000, 0).setCachedInputTokens(3_000).setCacheWriteTokens(4_000).setCacheWrite1hTokens(1_000)
        .build();
    assertThat(Pricing.cost(e, sonnet45())).isEqualTo(Pricing.Cost.ofNanos(27_150_000L));

    PriceVersion no1hPrice = PriceVersion.newBuilder(sonnet45()).setCacheWrite1hPerMillionNanos(null).build();
    assertThat(Pricing.cost(e, no1hPrice)).isEqualTo(Pricing.Cost.ofNanos(24_900_000L));
  }

  @Test
  void shouldPriceAudioInAndOutAtTheirOwnPricesAndTheRestAsText() {
    // GPT-4o realtime: text 5/20, audio 40/80, cache reads 2.50
    PriceVersion realtime = PriceVersion.newBuilder().setEffectiveFrom(Instant.EPOCH)
        .setInputPerMillionNanos(5 * USD).setOutputPerMillionNanos(20 * USD).setCachedInputPerMillionNanos(2_500_000_000L)
        .setInputAudioPerMillionNanos(40 * USD).setOutputAudioPerMillionNanos(80 * USD).build();
    TokensConsumed e = event(1_000, 500).setCachedInputTokens(100).setInputAudioTokens(600).setOutputAudioTokens(400)
        .build();
    // 300 text × 5 + 600 audio × 40 + 100 cached × 2.50 + 100 text × 20 + 400 audio × 80
    assertThat(Pricing.cost(e, realtime)).isEqualTo(Pricing.Cost.ofNanos(59_750_000L));
  }

  @Test
  void shouldPriceCachedTokensAtTheCachePriceWhenAudioAndCacheOverlap() {
    PriceVersion realtime = PriceVersion.newBuilder().setEffectiveFrom(Instant.EPOCH)
        .setInputPerMillionNanos(5 * USD).setOutputPerMillionNanos(20 * USD).setCachedInputPerMillionNanos(2_500_000_000L)
        .setInputAudioPerMillionNanos(40 * USD).build();
    // 800 cached + 600 audio > 1 000: the 200 uncached are the audio ones, none is text.
    TokensConsumed e = event(1_000, 0).setCachedInputTokens(800).setInputAudioTokens(600).build();
    assertThat(Pricing.cost(e, realtime)).isEqualTo(Pricing.Cost.ofNanos(800 * 2_500L + 200 * 40_000L));
  }

  @Test
  void shouldPriceImageTokensInAndOut() {
    // gpt-image-1.5: text 5/10, image 8/32
    PriceVersion image = PriceVersion.newBuilder().setEffectiveFrom(Instant.EPOCH)
        .setInputPerMillionNanos(5 * USD).setOutputPerMillionNanos(10 * USD)
        .setInputImagePerMillionNanos(8 * USD).setOutputImagePerMillionNanos(32 * USD).build();
    TokensConsumed e = event(300, 1_000).setInputImageTokens(200).setOutputImageTokens(1_000).build();
    assertThat(Pricing.cost(e, image)).isEqualTo(Pricing.Cost.ofNanos(34_100_000L));
  }

  @Test
  void shouldPriceEachServiceTierAndAnUnpricedTierAtTheStandardPrice() {
    // 800k uncached × 0.15 + 200k cached × 0.075 + 100k out × 0.60 = $0.195
    TokensConsumed.Builder e = event(1_000_000, 100_000).setCachedInputTokens(200_000);
    assertThat(Pricing.cost(e.setServiceTier(null).build(), gpt4oMini())).isEqualTo(Pricing.Cost.ofNanos(195_000_000L));
    assertThat(Pricing.cost(e.setServiceTier("standard").build(), gpt4oMini())).isEqualTo(Pricing.Cost.ofNanos(195_000_000L));
    assertThat(Pricing.cost(e.setServiceTier("flex").build(), gpt4oMini())).isEqualTo(Pricing.Cost.ofNanos(195_000_000L));
    assertThat(Pricing.cost(e.setServiceTier("batch").build(), gpt4oMini())).isEqualTo(Pricing.Cost.ofNanos(97_500_000L));
    // 800k × 0.25 + 200k × 0.125 + 100k × 1.00
    assertThat(Pricing.cost(e.setServiceTier("priority").build(), gpt4oMini())).isEqualTo(Pricing.Cost.ofNanos(325_000_000L));
  }

  @Test
  void shouldMultiplyTheLongContextPriceOnATierWithAMultiplier() {
    PriceVersion gemini25Pro = PriceVersion.newBuilder().setEffectiveFrom(Instant.EPOCH)
        .setInputPerMillionNanos(1_250_000_000L).setOutputPerMillionNanos(10 * USD)
        .setPromptTiers(List.of(new PromptTier(200_000L, PriceRates.newBuilder()
            .setInputPerMillionNanos(2_500_000_000L).setOutputPerMillionNanos(15 * USD).build())))
        .setServiceTiers(Map.of("batch", new ServiceTierPrice(500_000L, null))).build();
    // (300 000 × 2.50 + 1 000 × 15) / 2
    assertThat(Pricing.cost(event(300_000, 1_000).setServiceTier("batch").build(), gemini25Pro))
        .isEqualTo(Pricing.Cost.ofNanos(382_500_000L));
  }

  @Test
  void shouldNameEveryPriceAMultiplierWouldLeaveWithAFractionOfANano() {
    PriceVersion odd = PriceVersion.newBuilder(gpt4oMini()).setOutputPerMillionNanos(600_000_001L).build();

    assertThat(Pricing.inexactMultiplied(gpt4oMini())).isEmpty();
    assertThat(Pricing.inexactMultiplied(odd))
        .containsExactly("batch: 0.600000001 USD (outputPerMillionNanos) × 0.5 is not a whole nano-USD");
  }

  @Test
  void shouldReadAPriceWrittenBeforeTiersAndPriceItAsBefore() throws Exception {
    Schema v1 = SchemaHistory.versions("ModelPrice").get(0);
    Schema versionV1 = v1.getField("versions").schema().getElementType();
    GenericRecord version = new GenericData.Record(versionV1);
    version.put("effectiveFrom", 0L);
    version.put("inputPerMillionNanos", 3 * USD);
    version.put("outputPerMillionNanos", 15 * USD);
    version.put("cachedInputPerMillionNanos", 300_000_000L);
    version.put("cacheWritePerMillionNanos", 3_750_000_000L);
    GenericRecord price = new GenericData.Record(v1);
    price.put("provider", "anthropic");
    price.put("model", "claude-sonnet-4-5");
    price.put("versions", List.of(version));
    ByteBuffer buffer = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(price);
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);

    ModelPrice read = AvroSerdes.modelPrice().decode(bytes);

    PriceVersion old = read.getVersions().get(0);
    assertThat(old.getPromptTiers()).isEmpty();
    assertThat(old.getServiceTiers()).isEmpty();
    assertThat(old.getCacheWrite1hPerMillionNanos()).isNull();
    // 1h writes at the 5-minute price, audio at the input price, a long prompt at the one price
    TokensConsumed e = event(300_000, 1_000).setCacheWriteTokens(100_000).setCacheWrite1hTokens(50_000)
        .setInputAudioTokens(1_000).build();
    assertThat(Pricing.cost(e, old)).isEqualTo(Pricing.Cost.ofNanos(600_000_000L + 375_000_000L + 15_000_000L));
  }

  @Property
  void halfPriceTierCostsExactlyHalfOfEveryCall(@ForAll @LongRange(max = 1_000_000_000L) long input,
      @ForAll @LongRange(max = 1_000_000_000L) long output, @ForAll @LongRange(max = 1_000_000) long cachedPpm,
      @ForAll @LongRange(max = 1_000_000) long reasoningPpm) {
    TokensConsumed.Builder e = event(input, output).setCachedInputTokens(input / 1_000_000 * cachedPpm)
        .setReasoningTokens(output / 1_000_000 * reasoningPpm);

    BigInteger standard = femtos(Pricing.cost(e.setServiceTier(null).build(), gpt4oMini()));
    BigInteger batch = femtos(Pricing.cost(e.setServiceTier("batch").build(), gpt4oMini()));

    assertThat(batch.shiftLeft(1)).isEqualTo(standard);
  }

  @Property
  void pricesLeftOutCostTheSameAsThePricesTheyFallBackTo(@ForAll @LongRange(max = 100_000_000L) long input,
      @ForAll @LongRange(max = 100_000_000L) long output, @ForAll @LongRange(max = 1_000) long share) {
    long part = input / 1_000 * share;
    TokensConsumed e = event(input, output).setCacheWriteTokens(part / 2).setCacheWrite1hTokens(part / 4)
        .setInputAudioTokens(part / 3).setInputImageTokens(part / 5)
        .setOutputAudioTokens(output / 1_000 * share / 2).setOutputImageTokens(output / 1_000 * share / 3).build();
    PriceVersion implicit = PriceVersion.newBuilder(sonnet45()).setCacheWrite1hPerMillionNanos(null)
        .setPromptTiers(List.of()).build();
    PriceVersion explicit = PriceVersion.newBuilder(implicit).setCacheWrite1hPerMillionNanos(3_750_000_000L)
        .setInputAudioPerMillionNanos(3 * USD).setInputImagePerMillionNanos(3 * USD)
        .setOutputAudioPerMillionNanos(15 * USD).setOutputImagePerMillionNanos(15 * USD).build();

    assertThat(Pricing.cost(e, explicit)).isEqualTo(Pricing.cost(e, implicit));
  }

  @Property
  void twoCallsCostExactlyWhatOneCallOfTheirTokensCosts(@ForAll @LongRange(max = 100_000) long inputA,
      @ForAll @LongRange(max = 100_000) long inputB, @ForAll @LongRange(max = 1_000_000) long outputA,
      @ForAll @LongRange(max = 1_000_000) long outputB) {
    // Both halves and their sum stay at or under the 200k threshold, so one price applies to all three.
    PriceVersion odd = PriceVersion.newBuilder(sonnet45()).setInputPerMillionNanos(3_000_000_007L).build();
    BigInteger apart = femtos(Pricing.cost(event(inputA, outputA).setCacheWriteTokens(inputA / 2).build(), odd))
        .add(femtos(Pricing.cost(event(inputB, outputB).setCacheWriteTokens(inputB / 2).build(), odd)));
    BigInteger together = femtos(Pricing.cost(event(inputA + inputB, outputA + outputB)
        .setCacheWriteTokens(inputA / 2 + inputB / 2).build(), odd));

    assertThat(apart).isEqualTo(together);
  }
}
