# syntax=docker/dockerfile:1
# Images of the three apps (and of the demo traffic), built from this checkout by Maven inside
# Docker, so a machine with Docker needs nothing else:
#   docker compose build                                   (every image docker-compose.yml uses)
#   docker build --target aggregator-app -t tokenledger/aggregator-app:0.1.0-SNAPSHOT .
# Each app image runs as the non-root user 10001, keeps its state in /var/lib/tokenledger/state
# and reports healthy while GET /ready answers 200.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The Maven cache survives between builds (BuildKit): a rebuild downloads nothing.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -DskipTests package -pl ingest-app,aggregator-app,alerting-app,bench -am

FROM eclipse-temurin:17-jre AS runtime
RUN groupadd --system --gid 10001 tokenledger \
 && useradd --system --uid 10001 --gid tokenledger --home-dir /var/lib/tokenledger tokenledger \
 && mkdir -p /var/lib/tokenledger/state \
 && chown -R 10001:10001 /var/lib/tokenledger
WORKDIR /var/lib/tokenledger
ENV TOKENLEDGER_STATE_DIR=/var/lib/tokenledger/state
USER 10001:10001

FROM runtime AS ingest-app
ARG VERSION=0.1.0-SNAPSHOT
COPY --from=build /src/ingest-app/target/ingest-app-${VERSION}-all.jar /app/app.jar
EXPOSE 8081
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["java", "-Xmx32m", "-XX:TieredStopAtLevel=1", "-cp", "/app/app.jar", "dev.tokenledger.runtime.HealthCheck", "8081"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"]

# The Streams apps leave room beside the heap for RocksDB (tokenledger.rocksdb.memory-mb, 256 MB).
FROM runtime AS aggregator-app
ARG VERSION=0.1.0-SNAPSHOT
COPY --from=build /src/aggregator-app/target/aggregator-app-${VERSION}-all.jar /app/app.jar
EXPOSE 8082
VOLUME /var/lib/tokenledger/state
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
  CMD ["java", "-Xmx32m", "-XX:TieredStopAtLevel=1", "-cp", "/app/app.jar", "dev.tokenledger.runtime.HealthCheck", "8082"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-jar", "/app/app.jar"]

FROM runtime AS alerting-app
ARG VERSION=0.1.0-SNAPSHOT
COPY --from=build /src/alerting-app/target/alerting-app-${VERSION}-all.jar /app/app.jar
EXPOSE 8083
VOLUME /var/lib/tokenledger/state
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
  CMD ["java", "-Xmx32m", "-XX:TieredStopAtLevel=1", "-cp", "/app/app.jar", "dev.tokenledger.runtime.HealthCheck", "8083"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-jar", "/app/app.jar"]

# The demo's traffic generator (bin/tokenledger demo runs the same): not a server, no health check.
FROM runtime AS demo-traffic
ARG VERSION=0.1.0-SNAPSHOT
COPY --from=build /src/bench/target/bench-${VERSION}.jar /app/bench.jar
COPY --from=build /src/bench/target/lib /app/lib
ENTRYPOINT ["java", "-cp", "/app/bench.jar:/app/lib/*", "dev.tokenledger.bench.BenchCli", "demo-traffic"]
