package dev.tokenledger.schemas;

import dev.tokenledger.schemas.avro.Dimension;
import dev.tokenledger.schemas.avro.TokensConsumed;
import java.util.List;
import java.util.Locale;

/**
 * What a total is about: a dimension and a key, written {@code user:alice}, {@code
 * model:openai/gpt-4o} or {@code all:_}. It is the key of the repartitioned stream and of {@code
 * usage.aggregates}, so every update of one subject lands on one partition, in order.
 */
public record Subject(Dimension dimension, String key) {

  /** The key of the {@code all} dimension. */
  public static final String ALL_KEY = "_";
  /** The key used when an event has no feature or tenant, so the dimensions still add up to {@code all}. */
  public static final String UNASSIGNED = "unassigned";

  /** A missing or blank feature or tenant counts as {@value #UNASSIGNED}, so every dimension adds up to {@code all}. */
  public static String orUnassigned(String value) {
    return value == null || value.isBlank() ? UNASSIGNED : value;
  }

  /** The key of an event's model subject, {@code provider/model}; its user × model key is {@code userId/} and this. */
  public static String modelKey(TokensConsumed event) {
    return event.getProvider() + "/" + event.getModel();
  }

  /** The seven subjects an event counts toward, one per dimension. */
  public static List<Subject> of(TokensConsumed event) {
    String model = modelKey(event);
    return List.of(new Subject(Dimension.USER, event.getUserId()), new Subject(Dimension.MODEL, model),
        new Subject(Dimension.PROVIDER, event.getProvider()), new Subject(Dimension.FEATURE, orUnassigned(event.getFeature())),
        new Subject(Dimension.TENANT, orUnassigned(event.getTenantId())), new Subject(Dimension.ALL, ALL_KEY),
        new Subject(Dimension.USER_MODEL, event.getUserId() + "/" + model));
  }

  public static Subject parse(String subject) {
    int colon = subject.indexOf(':');
    if (colon <= 0 || colon == subject.length() - 1) {
      throw new IllegalArgumentException("subject must be dimension:key (got " + subject + ")");
    }
    Dimension dimension = Dimension.valueOf(subject.substring(0, colon).toUpperCase(Locale.ROOT));
    return new Subject(dimension, subject.substring(colon + 1));
  }

  @Override
  public String toString() {
    return dimension.name().toLowerCase(Locale.ROOT) + ":" + key;
  }
}
