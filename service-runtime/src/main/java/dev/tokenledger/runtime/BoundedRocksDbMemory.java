package dev.tokenledger.runtime;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * One memory budget for every RocksDB store of the process: block cache, index and filter blocks
 * and memtables all count against one shared cache of {@link #MEMORY_CONFIG} bytes (half of it at
 * most for memtables). Kafka Streams' default gives each store instance a 50 MB cache and up to
 * three 16 MB memtables, so memory grows with partitions × stores, outside the heap (the pattern
 * of Kafka Streams' memory-management guide).
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {

  /** The Streams config entry (set by {@link StreamsRuntime}) holding the budget in bytes. */
  static final String MEMORY_CONFIG = "tokenledger.rocksdb.memory.bytes";

  private static Cache cache;
  private static WriteBufferManager writeBuffers;

  private static synchronized void createShared(long bytes) {
    if (cache == null) {
      // Index and filter blocks go to the high-priority tenth, so data blocks cannot push them out.
      cache = new LRUCache(bytes, -1, false, 0.1);
      writeBuffers = new WriteBufferManager(bytes / 2, cache);
    }
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    createShared(Long.parseLong(String.valueOf(configs.get(MEMORY_CONFIG))));
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(cache);
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setWriteBufferManager(writeBuffers);
    options.setTableFormatConfig(table);
  }

  @Override
  public void close(String storeName, Options options) {
    // The cache and write-buffer manager are shared by every store and live as long as the process.
  }
}
