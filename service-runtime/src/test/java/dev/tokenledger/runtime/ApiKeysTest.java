package dev.tokenledger.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {

  @TempDir Path dir;

  @Test
  void shouldStoreOnlyTheHashAndRecogniseTheKey() throws Exception {
    Path file = dir.resolve("keys.properties");
    String line = ApiKeys.entry("billing", Role.PUBLISH, "s3cret");
    Files.write(file, List.of(line));

    assertThat(line).doesNotContain("s3cret").startsWith("billing=publish:");
    ApiKeys keys = ApiKeys.load(file);
    assertThat(keys.authenticate("s3cret")).contains(new ApiKeys.Principal("billing", Role.PUBLISH));
    assertThat(keys.authenticate("s3cret ")).isEmpty();
  }

  @Test
  void shouldNameTheBrokenEntry() throws Exception {
    Path file = dir.resolve("keys.properties");
    Files.writeString(file, "ops=superuser:" + "a".repeat(64) + "\n");

    assertThatThrownBy(() -> ApiKeys.load(file))
        .hasMessage("tokenledger.auth.keys-file entry ops has an unknown role (publish, read or admin)");
  }
}
