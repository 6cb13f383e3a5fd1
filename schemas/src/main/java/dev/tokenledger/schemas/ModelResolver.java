package dev.tokenledger.schemas;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Which catalogue entry a model id, as a response really carries it, prices as. Tried most
 * specific first, the first one in the catalogue wins:
 *
 * <ol>
 *   <li>the id itself ({@code openai/gpt-4o-2024-05-13} has a price of its own);
 *   <li>an explicit alias ({@code azure/my-gpt4o-deployment=openai/gpt-4o});
 *   <li>the id without its provider's wrapping: Gemini's {@code models/}, Bedrock's inference-profile
 *       region ({@code us.}, {@code eu.}, {@code apac.}, {@code global.} …), vendor ({@code
 *       anthropic.}) and version ({@code -v1:0}) parts, Vertex's {@code @20250929} — under the
 *       event's provider, then under the vendor Bedrock names;
 *   <li>for a reseller's id (Vertex, Bedrock, Azure, OpenRouter …): the same under the vendor the
 *       id names ({@code anthropic/claude-…} on OpenRouter) or whose family it is ({@code claude-}
 *       is Anthropic's, {@code gemini-} Google's …) — priced at the vendor's list price unless an
 *       alias or an entry of the reseller's own says otherwise;
 *   <li>each of those without a snapshot suffix: a date ({@code -2024-08-06}, {@code -20250929},
 *       {@code -05-06}), a Gemini revision ({@code -001}), {@code -latest}.
 * </ol>
 */
public final class ModelResolver {

  /**
   * How a model id was priced: the catalogue key, and which rule found it — {@code exact}, {@code
   * alias}, {@code provider-id} (the id unwrapped or without its snapshot suffix, same provider),
   * {@code vendor} (a reseller's id at its vendor's entry).
   */
  public record Resolution(String key, String rule) {}

  private static final Pattern BEDROCK_REGION = Pattern.compile("^(us|eu|apac|global|us-gov|jp|au|ca)\\.");
  private static final Pattern BEDROCK_VENDOR =
      Pattern.compile("^(anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|qwen|writer|twelvelabs|stability)\\.");
  private static final Pattern BEDROCK_VERSION = Pattern.compile("-v\\d+(:\\d+)?$");
  private static final Pattern VERTEX_SNAPSHOT = Pattern.compile("@[0-9a-z.-]+$");
  private static final List<Pattern> SNAPSHOT_SUFFIXES = List.of(
      Pattern.compile("-\\d{4}-\\d{2}-\\d{2}$"), // OpenAI: gpt-4o-2024-08-06
      Pattern.compile("-\\d{8}$"), // Anthropic: claude-sonnet-4-5-20250929
      Pattern.compile("-\\d{2}-\\d{2}$"), // Gemini previews: gemini-2.5-pro-preview-05-06
      Pattern.compile("-\\d{4}$"), // OpenAI's and xAI's older form: gpt-4-0613, grok-4-0709
      Pattern.compile("-\\d{3}$"), // Gemini revisions: gemini-2.0-flash-001
      Pattern.compile("-latest$"));

  /** The vendor whose list price a reseller's id of this family is priced at. */
  private static final Map<String, String> FAMILY_VENDORS = Map.of("claude-", "anthropic", "gemini-", "google",
      "gemma-", "google", "gpt-", "openai", "grok-", "xai", "mistral-", "mistral", "codestral-", "mistral");

  private final Map<String, String> aliases;

  /** @param aliases catalogue keys by model key ({@code provider/model}, lower-case both) */
  public ModelResolver(Map<String, String> aliases) {
    this.aliases = Map.copyOf(aliases);
  }

  /**
   * The resolver of a setting: {@code provider/model=provider/model} pairs separated by commas
   * ({@code azure/prod-gpt4o=openai/gpt-4o}); empty for none.
   *
   * @throws IllegalArgumentException naming the pair that is not of that form
   */
  public static ModelResolver withAliases(String setting) {
    Map<String, String> aliases = new java.util.HashMap<>();
    for (String pair : setting.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      String[] sides = pair.split("=", -1);
      if (sides.length != 2 || !isKey(sides[0].trim()) || !isKey(sides[1].trim())) {
        throw new IllegalArgumentException("each alias must be provider/model=provider/model (got " + pair.trim() + ")");
      }
      aliases.put(sides[0].trim().toLowerCase(Locale.ROOT), sides[1].trim().toLowerCase(Locale.ROOT));
    }
    return new ModelResolver(aliases);
  }

  private static boolean isKey(String key) {
    int slash = key.indexOf('/');
    return slash > 0 && slash < key.length() - 1;
  }

  /** The entry {@code provider}/{@code model} prices as, if any of its candidates is in the catalogue. */
  public Optional<Resolution> resolve(String provider, String model, Predicate<String> inCatalogue) {
    String exact = Pricing.key(provider, model);
    if (inCatalogue.test(exact)) {
      return Optional.of(new Resolution(exact, "exact"));
    }
    String alias = aliases.get(exact);
    if (alias != null && inCatalogue.test(alias)) {
      return Optional.of(new Resolution(alias, "alias"));
    }
    for (String candidate : candidates(provider, model)) {
      if (inCatalogue.test(candidate)) {
        return Optional.of(new Resolution(candidate, candidate.startsWith(provider.toLowerCase(Locale.ROOT) + "/")
            ? "provider-id" : "vendor"));
      }
    }
    return Optional.empty();
  }

  /** The catalogue keys a model id may price as, most specific first (the id itself included). */
  static List<String> candidates(String provider, String model) {
    String p = provider.toLowerCase(Locale.ROOT);
    String m = model.toLowerCase(Locale.ROOT).trim();
    Set<String> names = new LinkedHashSet<>();
    names.add(m);
    String unwrapped = m.startsWith("models/") ? m.substring("models/".length()) : m;
    unwrapped = VERTEX_SNAPSHOT.matcher(unwrapped).replaceFirst("");
    String vendor = null;
    String withoutRegion = BEDROCK_REGION.matcher(unwrapped).replaceFirst("");
    var vendorMatch = BEDROCK_VENDOR.matcher(withoutRegion);
    if (vendorMatch.find()) {
      vendor = vendorMatch.group(1);
      unwrapped = BEDROCK_VERSION.matcher(withoutRegion.substring(vendorMatch.end())).replaceFirst("");
    }
    int slash = unwrapped.indexOf('/');
    if (vendor == null && slash > 0) {
      vendor = unwrapped.substring(0, slash);
      unwrapped = unwrapped.substring(slash + 1);
    }
    if (vendor == null) {
      for (Map.Entry<String, String> family : FAMILY_VENDORS.entrySet()) {
        if (unwrapped.startsWith(family.getKey())) {
          vendor = family.getValue();
        }
      }
    }
    names.add(unwrapped);
    List<String> keys = new ArrayList<>();
    for (String name : names) {
      addWithSnapshots(keys, p, name);
    }
    if (vendor != null && !vendor.equals(p)) {
      addWithSnapshots(keys, vendor, unwrapped);
    }
    return List.copyOf(new LinkedHashSet<>(keys));
  }

  private static final int MAX_SUFFIX_ROUNDS = 3;

  private static void addWithSnapshots(List<String> keys, String provider, String name) {
    keys.add(provider + "/" + name);
    String base = name;
    // Suffix after suffix: grok-4-0709 → grok-4; gemini-2.5-pro-preview-05-06 → gemini-2.5-pro-preview.
    // A real id needs one or two rounds; a hostile one ("m-0000-0000-…") no more than a few.
    int rounds = 0;
    for (boolean stripped = true; stripped && rounds++ < MAX_SUFFIX_ROUNDS; ) {
      stripped = false;
      for (Pattern suffix : SNAPSHOT_SUFFIXES) {
        String shorter = suffix.matcher(base).replaceFirst("");
        if (!shorter.equals(base) && !shorter.isEmpty()) {
          base = shorter;
          keys.add(provider + "/" + base);
          stripped = true;
        }
      }
    }
  }
}
