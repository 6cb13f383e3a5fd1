package dev.tokenledger.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenledger.schemas.avro.TokenSource;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

  private static TokensConsumed event() {
    return TokensConsumed.newBuilder()
        .setEventId("evt-1")
        .setOccurredAt(Instant.parse("2026-11-22T10:00:00Z"))
        .setUserId("alice")
        .setService("chat-api")
        .setProvider("openai")
        .setModel("gpt-4o")
        .setInputTokens(1200)
        .setCachedInputTokens(200)
        .setOutputTokens(300)
        .setCostNanos(4_500_000L)
        .setTokenSource(TokenSource.REPORTED)
        .setLabels(Map.of("team", "search"))
        .build();
  }

  @Test
  void shouldRoundTripInSingleObjectEncoding() {
    AvroSerde<TokensConsumed> serde = AvroSerdes.tokensConsumed();

    byte[] bytes = serde.serializer().serialize("tokens.consumed", event());

    // Avro single-object encoding: marker C3 01, then the 8-byte schema fingerprint.
    assertThat(Arrays.copyOf(bytes, 2)).containsExactly(0xC3, 0x01);
    assertThat(serde.deserializer().deserialize("tokens.consumed", bytes)).isEqualTo(event());
  }

  @Test
  void shouldWriteExactlyTheBytesOfAvrosOwnMessageEncoder() throws Exception {
    byte[] avros = TokensConsumed.getEncoder().encode(event()).array();

    assertThat(AvroSerdes.tokensConsumed().encode(event())).isEqualTo(avros);
    assertThat(TokensConsumed.getDecoder().decode(AvroSerdes.tokensConsumed().encode(event()))).isEqualTo(event());
  }

  @Test
  void shouldKeepTombstonesNull() {
    assertThat(AvroSerdes.quotaDefinition().serializer().serialize("quota.definitions", null)).isNull();
    assertThat(AvroSerdes.quotaDefinition().deserializer().deserialize("quota.definitions", null)).isNull();
  }

  @Test
  void shouldExplainBytesThatAreNotAnEvent() {
    byte[] json = "{\"userId\":\"alice\"}".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> AvroSerdes.tokensConsumed().decode(json))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("not an Avro single-object encoded TokensConsumed");
  }

  @Test
  void shouldExplainATruncatedBody() {
    byte[] bytes = AvroSerdes.tokensConsumed().encode(event());

    assertThatThrownBy(() -> AvroSerdes.tokensConsumed().decode(Arrays.copyOf(bytes, 14)))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("corrupt TokensConsumed body");
  }

  @Test
  void shouldNameAnUnknownWriterSchema() throws Exception {
    Schema unreleased = olderTokensConsumedSchema();
    byte[] bytes = encodeWith(unreleased);

    assertThatThrownBy(() -> AvroSerdes.tokensConsumed().decode(bytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("unknown writer schema for TokensConsumed");
  }

  @Test
  void shouldResolveAnOlderWriterFoundInTheSchemaStore() throws Exception {
    Schema older = olderTokensConsumedSchema();
    SchemaStore.Cache store = new SchemaStore.Cache();
    store.addSchema(older);
    var serde = new AvroSerde<>(TokensConsumed.class, TokensConsumed.getClassSchema(), store);

    TokensConsumed decoded = serde.decode(encodeWith(older));

    assertThat(decoded.getUserId()).isEqualTo("alice");
    assertThat(decoded.getInputTokens()).isEqualTo(10);
    // Fields the older writer lacked take the reader's defaults.
    assertThat(decoded.getTokenSource()).isEqualTo(TokenSource.REPORTED);
    assertThat(decoded.getCostNanos()).isNull();
    assertThat(decoded.getSuccess()).isTrue();
  }

  /** A plausible earlier TokensConsumed with only the required fields. */
  private static Schema olderTokensConsumedSchema() {
    return SchemaBuilder.record("TokensConsumed").namespace("dev.tokenledger.schemas.avro").fields()
        .requiredString("eventId")
        .name("occurredAt").type(org.apache.avro.LogicalTypes.timestampMillis()
            .addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
        .requiredString("userId")
        .requiredString("service")
        .requiredString("provider")
        .requiredString("model")
        .requiredLong("inputTokens")
        .requiredLong("outputTokens")
        .endRecord();
  }

  private static byte[] encodeWith(Schema writer) throws Exception {
    GenericRecord record = new GenericData.Record(writer);
    record.put("eventId", "old-1");
    record.put("occurredAt", Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
    record.put("userId", "alice");
    record.put("service", "legacy");
    record.put("provider", "openai");
    record.put("model", "gpt-4");
    record.put("inputTokens", 10L);
    record.put("outputTokens", 5L);
    ByteBuffer buffer = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), writer).encode(record);
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }
  /** The header of the current TokensConsumed schema, then {@code body}: an event as a hostile producer could write it. */
  private static byte[] withHeader(byte[] body) {
    byte[] valid = AvroSerdes.tokensConsumed().encode(event());
    byte[] bytes = Arrays.copyOf(valid, 10 + body.length);
    System.arraycopy(body, 0, bytes, 10, body.length);
    return bytes;
  }

  /** Avro's zig-zag varint of {@code n}. */
  private static byte[] varint(long n) {
    long zigzag = (n << 1) ^ (n >> 63);
    ByteBuffer out = ByteBuffer.allocate(10);
    while ((zigzag & ~0x7FL) != 0) {
      out.put((byte) ((zigzag & 0x7F) | 0x80));
      zigzag >>>= 7;
    }
    out.put((byte) zigzag);
    return Arrays.copyOf(out.array(), out.position());
  }

  @Test
  void shouldRefuseAStringLengthLargerThanTheRecordWithoutAllocatingIt() {
    // eventId claims 2^31 - 9 bytes in a record of a few: a decoder that believed it would
    // allocate 2 GB and take the stream thread down with an OutOfMemoryError.
    byte[] hostile = withHeader(varint(Integer.MAX_VALUE - 8));

    assertThatThrownBy(() -> AvroSerdes.tokensConsumed().decode(hostile))
        .isInstanceOf(SerializationException.class);
  }

  @Test
  void shouldRefuseALabelsMapOfBillionsOfEntriesWithoutAllocatingIt() {
    TokensConsumed noLabels = TokensConsumed.newBuilder(event()).setLabels(Map.of()).build();
    byte[] valid = AvroSerdes.tokensConsumed().encode(noLabels);
    // The labels map is the last field: an empty map is one 0 byte; claim 2^31 - 9 entries instead.
    byte[] claim = varint(Integer.MAX_VALUE - 8);
    byte[] hostile = Arrays.copyOf(valid, valid.length - 1 + claim.length + 2);
    System.arraycopy(claim, 0, hostile, valid.length - 1, claim.length);
    hostile[hostile.length - 2] = 2; // one key of one byte…
    hostile[hostile.length - 1] = 'k'; // …and nothing after it

    assertThatThrownBy(() -> AvroSerdes.tokensConsumed().decode(hostile))
        .isInstanceOf(SerializationException.class);
  }

  @Test
  void shouldRefuseBytesAfterTheEvent() {
    byte[] valid = AvroSerdes.tokensConsumed().encode(event());
    byte[] padded = Arrays.copyOf(valid, valid.length + 100_000);

    assertThatThrownBy(() -> AvroSerdes.tokensConsumed().decode(padded))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("100000 bytes after");
  }
}
