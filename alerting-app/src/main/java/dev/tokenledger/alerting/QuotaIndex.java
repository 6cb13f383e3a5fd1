package dev.tokenledger.alerting;

import dev.tokenledger.runtime.GlobalStoreWriter;
import dev.tokenledger.schemas.avro.QuotaDefinition;
import dev.tokenledger.schemas.avro.QuotaRule;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Every quota by the subject it names ({@code user:alice}, or {@code user:*} for every user),
 * kept equal to the quota store by its global-store writer. What binds a subject is two map
 * lookups, so evaluation, admission and status cost the quotas of that subject, not the number
 * of quotas. Written by the global stream thread, read by stream threads and HTTP handlers: a read
 * sees the index before or after an edit, never halfway (a quota being edited or moved to
 * another subject is never missing), through a sequence number the writer makes odd meanwhile.
 */
final class QuotaIndex implements GlobalStoreWriter.Mirror<QuotaDefinition> {

  /** subject → quotaId → quota; each inner map is immutable, replaced on change. */
  private final Map<String, Map<String, QuotaDefinition>> bySubject = new ConcurrentHashMap<>();
  private final Map<String, String> subjectOf = new ConcurrentHashMap<>();
  private final Map<QuotaRule, AtomicInteger> countByRule = new EnumMap<>(QuotaRule.class);
  private final AtomicLong edits = new AtomicLong();

  QuotaIndex() {
    for (QuotaRule rule : QuotaRule.values()) {
      countByRule.put(rule, new AtomicInteger());
    }
  }

  /** The quotas of {@code rule} binding the subject: its own, then the defaults it does not override. */
  List<QuotaDefinition> binding(String subject, QuotaRule rule) {
    return consistent(() -> bindingNow(subject, rule));
  }

  private List<QuotaDefinition> bindingNow(String subject, QuotaRule rule) {
    if (countByRule.get(rule).get() == 0) {
      return List.of();
    }
    Map<String, QuotaDefinition> own = bySubject.getOrDefault(subject, Map.of());
    Map<String, QuotaDefinition> defaults = bySubject.getOrDefault(wildcardOf(subject), Map.of());
    if (own.isEmpty() && defaults.isEmpty()) {
      return List.of();
    }
    List<QuotaDefinition> candidates = new ArrayList<>(own.size() + defaults.size());
    candidates.addAll(own.values());
    candidates.addAll(defaults.values());
    return QuotaBook.binding(candidates, subject, rule);
  }

  /** Whether any quota of {@code rule} exists at all (per-request checks skip decoding without one). */
  boolean any(QuotaRule rule) {
    return consistent(() -> countByRule.get(rule).get() > 0);
  }

  /** {@code reads} from one state of the index: run again if an edit began or ended meanwhile. */
  private <T> T consistent(Supplier<T> reads) {
    while (true) {
      long before = edits.get();
      if ((before & 1) == 0) {
        T result = reads.get();
        if (edits.get() == before) {
          return result;
        }
      }
      Thread.onSpinWait();
    }
  }

  /** Runs an edit with the sequence number odd, so readers wait it out. */
  private void edit(Runnable change) {
    edits.incrementAndGet();
    try {
      change.run();
    } finally {
      edits.incrementAndGet();
    }
  }

  /** Replaces the index with the store's quotas. */
  @Override
  public synchronized void reload(KeyValueStore<String, QuotaDefinition> store) {
    Map<String, Map<String, QuotaDefinition>> loaded = new HashMap<>();
    Map<String, String> loadedSubjects = new HashMap<>();
    Map<QuotaRule, Integer> loadedCounts = new EnumMap<>(QuotaRule.class);
    try (KeyValueIterator<String, QuotaDefinition> all = store.all()) {
      all.forEachRemaining(entry -> {
        loaded.computeIfAbsent(entry.value.getSubject(), s -> new HashMap<>()).put(entry.key, entry.value);
        loadedSubjects.put(entry.key, entry.value.getSubject());
        loadedCounts.merge(entry.value.getRule(), 1, Integer::sum);
      });
    }
    edit(() -> {
      bySubject.clear();
      subjectOf.clear();
      loaded.forEach((subject, quotas) -> bySubject.put(subject, Map.copyOf(quotas)));
      subjectOf.putAll(loadedSubjects);
      countByRule.forEach((rule, count) -> count.set(loadedCounts.getOrDefault(rule, 0)));
    });
  }

  @Override
  public synchronized void put(String quotaId, QuotaDefinition quota) {
    edit(() -> {
      removeNow(quotaId);
      Map<String, QuotaDefinition> quotas = new HashMap<>(bySubject.getOrDefault(quota.getSubject(), Map.of()));
      quotas.put(quotaId, quota);
      bySubject.put(quota.getSubject(), Map.copyOf(quotas));
      subjectOf.put(quotaId, quota.getSubject());
      countByRule.get(quota.getRule()).incrementAndGet();
    });
  }

  @Override
  public synchronized void delete(String quotaId) {
    edit(() -> removeNow(quotaId));
  }

  private void removeNow(String quotaId) {
    String subject = subjectOf.remove(quotaId);
    if (subject == null) {
      return;
    }
    Map<String, QuotaDefinition> quotas = new HashMap<>(bySubject.getOrDefault(subject, Map.of()));
    QuotaDefinition removed = quotas.remove(quotaId);
    if (removed != null) {
      countByRule.get(removed.getRule()).decrementAndGet();
    }
    if (quotas.isEmpty()) {
      bySubject.remove(subject);
    } else {
      bySubject.put(subject, Map.copyOf(quotas));
    }
  }

  private static String wildcardOf(String subject) {
    return subject.substring(0, subject.indexOf(':') + 1) + "*";
  }
}
