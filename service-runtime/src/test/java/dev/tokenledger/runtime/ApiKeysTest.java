package dev.tokenledger.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
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

  @Test
  void shouldTakeInlineKeysFromOneSettingForContainers() {
    String entries = ApiKeys.entry("chat-api", Role.PUBLISH, "pub-key") + ", "
        + ApiKeys.entry("ops", Role.ADMIN, "admin-key");

    ApiKeys keys = ApiKeys.inline(entries);

    assertThat(keys.authenticate("pub-key")).contains(new ApiKeys.Principal("chat-api", Role.PUBLISH));
    assertThat(keys.authenticate("admin-key")).contains(new ApiKeys.Principal("ops", Role.ADMIN));
    assertThat(keys.authenticate("other")).isEmpty();
    assertThatThrownBy(() -> ApiKeys.inline("ops=admin:" + "a".repeat(64) + ",chat-api"))
        .hasMessage("tokenledger.auth.keys entry chat-api must be name=role:sha256-hex");
    assertThatThrownBy(() -> ApiKeys.inline("ops=read:abc"))
        .hasMessage("tokenledger.auth.keys entry ops must hold a hex SHA-256 hash");
  }

  @Test
  void shouldFollowAChangedKeysFileAfterTheCheckInterval() throws Exception {
    Path file = dir.resolve("keys.properties");
    Files.write(file, List.of(ApiKeys.entry("billing", Role.PUBLISH, "old-key")));
    Files.setLastModifiedTime(file, FileTime.from(T0));
    MutableClock clock = new MutableClock(T0);
    ApiKeys keys = ApiKeys.load(file, Duration.ofSeconds(2), clock);

    Files.write(file, List.of(ApiKeys.entry("billing", Role.PUBLISH, "new-key"),
        ApiKeys.entry("ops", Role.ADMIN, "admin-key")));
    Files.setLastModifiedTime(file, FileTime.from(T0.plusSeconds(1)));
    clock.advance(Duration.ofSeconds(1));

    assertThat(keys.authenticate("old-key")).as("not checked again before the interval").isPresent();
    assertThat(keys.authenticate("new-key")).isEmpty();

    clock.advance(Duration.ofSeconds(1));

    assertThat(keys.authenticate("new-key")).contains(new ApiKeys.Principal("billing", Role.PUBLISH));
    assertThat(keys.authenticate("admin-key")).contains(new ApiKeys.Principal("ops", Role.ADMIN));
    assertThat(keys.authenticate("old-key")).as("a removed key stops working").isEmpty();
  }

  @Test
  void shouldKeepThePreviousKeysWhenTheChangedFileIsInvalid() throws Exception {
    Path file = dir.resolve("keys.properties");
    Files.write(file, List.of(ApiKeys.entry("billing", Role.PUBLISH, "s3cret")));
    Files.setLastModifiedTime(file, FileTime.from(T0));
    MutableClock clock = new MutableClock(T0);
    ApiKeys keys = ApiKeys.load(file, Duration.ofSeconds(2), clock);

    Files.writeString(file, "billing=publish:not-hex\n");
    Files.setLastModifiedTime(file, FileTime.from(T0.plusSeconds(5)));
    clock.advance(Duration.ofSeconds(5));

    assertThat(keys.authenticate("s3cret")).contains(new ApiKeys.Principal("billing", Role.PUBLISH));
  }

  @Test
  void shouldNotRereadAnUnchangedFile() throws Exception {
    Path file = dir.resolve("keys.properties");
    Files.write(file, List.of(ApiKeys.entry("billing", Role.PUBLISH, "s3cret")));
    Files.setLastModifiedTime(file, FileTime.from(T0));
    MutableClock clock = new MutableClock(T0);
    ApiKeys keys = ApiKeys.load(file, Duration.ofSeconds(2), clock);
    Files.delete(file);
    clock.advance(Duration.ofSeconds(10));

    assertThat(keys.authenticate("s3cret")).as("a vanished file keeps the keys in force").isPresent();
  }

  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

  /** A clock the test moves forward. */
  private static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
