# syntax=docker/dockerfile:1
# Images of the three apps, the operator's CLI and the demo traffic. Two ways to build them:
#   docker compose build                    Maven builds the jars inside Docker: a machine with
#   docker build --target aggregator-app .  Docker needs nothing else
#   bin/tokenledger build && docker build --build-arg JARS=local --target aggregator-app .
#                                           over the jars already built here (no Maven in Docker)
# Each app image runs as the non-root user 10001, keeps its state in /var/lib/tokenledger/state
# and reports healthy while GET /ready answers 200.
ARG JARS=build
ARG VERSION=0.1.0-SNAPSHOT

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The Maven cache survives between builds (BuildKit): a rebuild downloads nothing.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -DskipTests package -pl ingest-app,aggregator-app,alerting-app,bench,cli -am

# The runnable jars built on this machine, laid out as the build stage leaves them.
FROM scratch AS local
ARG VERSION
COPY ingest-app/target/ingest-app-${VERSION}-all.jar /src/ingest-app/target/
COPY aggregator-app/target/aggregator-app-${VERSION}-all.jar /src/aggregator-app/target/
COPY alerting-app/target/alerting-app-${VERSION}-all.jar /src/alerting-app/target/
COPY bench/target/bench-${VERSION}.jar /src/bench/target/
COPY bench/target/lib /src/bench/target/lib
COPY cli/target/cli-${VERSION}.jar /src/cli/target/
COPY cli/target/lib /src/cli/target/lib

FROM ${JARS} AS jars

FROM eclipse-temurin:17-jre AS runtime
RUN groupadd --system --gid 10001 tokenledger \
 && useradd --system --uid 10001 --gid tokenledger --home-dir /var/lib/tokenledger tokenledger \
 && mkdir -p /var/lib/tokenledger/state \
 && chown -R 10001:10001 /var/lib/tokenledger
WORKDIR /var/lib/tokenledger
# The heap's share of the container's memory limit; set JAVA_TOOL_OPTIONS to change it. The
# Streams apps leave room beside the heap for RocksDB (tokenledger.rocksdb.memory-mb, 256 MB).
ENV TOKENLEDGER_STATE_DIR=/var/lib/tokenledger/state \
    JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=50
USER 10001:10001
# The port is the app's own TOKENLEDGER_HTTP_PORT, set by each app's image below: an environment
# variable wins over a --config file, so the app and its health check cannot disagree.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["java", "-Xmx32m", "-XX:TieredStopAtLevel=1", "-cp", "/app/app.jar", "dev.tokenledger.runtime.HealthCheck"]
ENTRYPOINT ["java", "-jar", "/app/app.jar"]

FROM runtime AS ingest-app
ARG VERSION
ENV TOKENLEDGER_HTTP_PORT=8081 \
    JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75
COPY --from=jars /src/ingest-app/target/ingest-app-${VERSION}-all.jar /app/app.jar
EXPOSE 8081

FROM runtime AS aggregator-app
ARG VERSION
ENV TOKENLEDGER_HTTP_PORT=8082
COPY --from=jars /src/aggregator-app/target/aggregator-app-${VERSION}-all.jar /app/app.jar
EXPOSE 8082
VOLUME /var/lib/tokenledger/state

FROM runtime AS alerting-app
ARG VERSION
ENV TOKENLEDGER_HTTP_PORT=8083
COPY --from=jars /src/alerting-app/target/alerting-app-${VERSION}-all.jar /app/app.jar
EXPOSE 8083
VOLUME /var/lib/tokenledger/state

# The operator's CLI (bin/tokenledger usage, top, quota, ...): docker compose run --rm cli top
FROM runtime AS cli
ARG VERSION
COPY --from=jars /src/cli/target/cli-${VERSION}.jar /app/cli.jar
COPY --from=jars /src/cli/target/lib /app/lib
HEALTHCHECK NONE
ENTRYPOINT ["java", "-XX:TieredStopAtLevel=1", "-cp", "/app/cli.jar:/app/lib/*", "dev.tokenledger.cli.TokenLedgerCli"]

# The demo's traffic generator (bin/tokenledger demo runs the same): not a server.
FROM runtime AS demo-traffic
ARG VERSION
COPY --from=jars /src/bench/target/bench-${VERSION}.jar /app/bench.jar
COPY --from=jars /src/bench/target/lib /app/lib
HEALTHCHECK NONE
ENTRYPOINT ["java", "-cp", "/app/bench.jar:/app/lib/*", "dev.tokenledger.bench.BenchCli", "demo-traffic"]
