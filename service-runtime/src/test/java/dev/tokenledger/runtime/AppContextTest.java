package dev.tokenledger.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AppContextTest {

  @Test
  void shouldAcceptTheKeysOfAContainersEnvironment() {
    Settings settings = Settings.load("/test-app.properties", new String[0],
        Map.of("TOKENLEDGER_AUTH_KEYS", ApiKeys.entry("chat-api", Role.PUBLISH, "pub-key")));

    AppContext context = AppContext.create("test-app", settings);

    assertThat(context.keys()).hasValueSatisfying(keys ->
        assertThat(keys.authenticate("pub-key")).contains(new ApiKeys.Principal("chat-api", Role.PUBLISH)));
  }

  @Test
  void shouldRefuseAKeysFileAndInlineKeysTogether() {
    Settings settings = Settings.load("/test-app.properties", new String[0], Map.of(
        "TOKENLEDGER_AUTH_KEYS", ApiKeys.entry("chat-api", Role.PUBLISH, "pub-key"),
        "TOKENLEDGER_AUTH_KEYS_FILE", "/etc/tokenledger/keys.properties"));

    assertThatThrownBy(() -> AppContext.create("test-app", settings))
        .hasMessage("tokenledger.auth.keys and tokenledger.auth.keys-file are both set: keep one of them");
  }

  @Test
  void shouldSayHowToGiveKeysWhenNoneAreSet() {
    Settings settings = Settings.load("/test-app.properties", new String[0], Map.of());

    assertThatThrownBy(() -> AppContext.create("test-app", settings)).hasMessageStartingWith(
        "tokenledger.auth.keys-file is required (or tokenledger.auth.keys");
  }
}
