package dev.tokenledger.runtime;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps a global store equal to its compacted topic (quotas, prices): a value puts, a tombstone
 * deletes. Every instance holds the whole topic, so lookups never leave the instance. A {@link
 * Mirror} (an in-memory index) is kept equal to the store as well.
 */
public final class GlobalStoreWriter<V> implements Processor<String, V, Void, Void> {

  /** An in-memory view of a global store, updated with it. */
  public interface Mirror<V> {
    /**
     * The whole store, after it was restored: Kafka Streams restores a persistent global store
     * from its checkpoint on, so earlier records never reach {@link #put}.
     */
    void reload(KeyValueStore<String, V> store);

    void put(String key, V value);

    void delete(String key);
  }

  private final String storeName;
  private final Mirror<V> mirror;
  private KeyValueStore<String, V> store;

  public GlobalStoreWriter(String storeName) {
    this(storeName, null);
  }

  public GlobalStoreWriter(String storeName, Mirror<V> mirror) {
    this.storeName = storeName;
    this.mirror = mirror;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    store = context.getStateStore(storeName);
    if (mirror != null) {
      mirror.reload(store);
    }
  }

  @Override
  public void process(Record<String, V> record) {
    if (record.value() == null) {
      store.delete(record.key());
      if (mirror != null) {
        mirror.delete(record.key());
      }
    } else {
      store.put(record.key(), record.value());
      if (mirror != null) {
        mirror.put(record.key(), record.value());
      }
    }
  }
}
