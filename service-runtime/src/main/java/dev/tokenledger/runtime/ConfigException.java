package dev.tokenledger.runtime;

/** A wrong or missing setting; the message starts with the key so the fix is obvious. */
public final class ConfigException extends RuntimeException {

  private final String key;

  public ConfigException(String key, String problem) {
    super(key + " " + problem);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
