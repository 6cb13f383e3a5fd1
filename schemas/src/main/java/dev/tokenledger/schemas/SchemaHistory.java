package dev.tokenledger.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.message.SchemaStore;

/**
 * Every released version of every event schema, read from {@code schema-history/<Name>/vN.avsc}
 * in this jar. Decoders look writers up here by fingerprint; a schema change is released by adding
 * the next {@code vN.avsc} (the compatibility test checks it reads every earlier one).
 */
public final class SchemaHistory {

  private SchemaHistory() {}

  /** The released versions of one record, oldest first. */
  public static List<Schema> versions(String recordName) {
    List<Schema> versions = new ArrayList<>();
    for (int v = 1; ; v++) {
      String resource = "/schema-history/" + recordName + "/v" + v + ".avsc";
      try (InputStream in = SchemaHistory.class.getResourceAsStream(resource)) {
        if (in == null) {
          return versions;
        }
        versions.add(new Schema.Parser().parse(in));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + resource, e);
      }
    }
  }

  /** A store holding every released version of the given record. */
  public static SchemaStore storeFor(String recordName) {
    SchemaStore.Cache cache = new SchemaStore.Cache();
    versions(recordName).forEach(cache::addSchema);
    return cache;
  }
}
