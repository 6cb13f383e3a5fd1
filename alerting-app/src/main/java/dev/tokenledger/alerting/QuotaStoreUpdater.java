package dev.tokenledger.alerting;

import dev.tokenledger.schemas.avro.QuotaDefinition;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Keeps the global quota store equal to the compacted {@code quota.definitions}; a tombstone deletes. */
final class QuotaStoreUpdater implements Processor<String, QuotaDefinition, Void, Void> {

  static final String QUOTA_STORE = "quotas";

  private KeyValueStore<String, QuotaDefinition> quotas;

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    quotas = context.getStateStore(QUOTA_STORE);
  }

  @Override
  public void process(Record<String, QuotaDefinition> record) {
    if (record.value() == null) {
      quotas.delete(record.key());
    } else {
      quotas.put(record.key(), record.value());
    }
  }
}
