package dev.tokenledger.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenledger.schemas.avro.AlertAction;
import dev.tokenledger.schemas.avro.ModelPrice;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaExceeded;
import dev.tokenledger.schemas.avro.TokensConsumed;
import dev.tokenledger.schemas.avro.UsageAggregate;
import dev.tokenledger.schemas.avro.UsageAlert;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SchemaHistoryTest {

  static Stream<Schema> currentSchemas() {
    return Stream.of(TokensConsumed.getClassSchema(), UsageAggregate.getClassSchema(),
        ModelPrice.getClassSchema(), QuotaDefinition.getClassSchema(), UsageAlert.getClassSchema(),
        QuotaExceeded.getClassSchema(), AlertAction.getClassSchema());
  }

  @ParameterizedTest
  @MethodSource("currentSchemas")
  void shouldHaveReleasedTheCurrentSchemaAsTheNewestVersion(Schema current) {
    List<Schema> versions = SchemaHistory.versions(current.getName());

    assertThat(versions).as("released versions of %s", current.getName()).isNotEmpty();
    Schema newest = versions.get(versions.size() - 1);
    assertThat(SchemaNormalization.parsingFingerprint64(newest))
        .as("%s changed: release it as schemas/src/main/resources/schema-history/%s/v%d.avsc with this content:%n%s",
            current.getName(), current.getName(), versions.size() + 1, current.toString(true))
        .isEqualTo(SchemaNormalization.parsingFingerprint64(current));
  }

  @ParameterizedTest
  @MethodSource("currentSchemas")
  void shouldReadEveryReleasedVersion(Schema current) {
    for (Schema writer : SchemaHistory.versions(current.getName())) {
      var result = SchemaCompatibility.checkReaderWriterCompatibility(current, writer);
      assertThat(result.getType())
          .as("%s reading an older version: %s", current.getName(), result.getDescription())
          .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }
  }
}
