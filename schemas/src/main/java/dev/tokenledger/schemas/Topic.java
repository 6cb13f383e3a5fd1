package dev.tokenledger.schemas;

import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serde;

/** A topic: its name, the serdes of its keys and values, and how it is created. */
public record Topic<K, V>(
    String name,
    Serde<K> keySerde,
    Serde<V> valueSerde,
    int partitions,
    short replicationFactor,
    Map<String, String> configs) {

  public NewTopic newTopic() {
    return new NewTopic(name, partitions, replicationFactor).configs(configs);
  }
}
