# syntax=docker/dockerfile:1
# One image per service: docker build --build-arg SERVICE=api-service|listener-service|worker-service .
# Build with the Maven wrapper, then run the Spring Boot layered jar as a non-root user on a JRE,
# started by scripts/java-service.sh as scripts/run-local.sh starts it: the OpenTelemetry Java
# agent (copied by the build, with our extension of it) on the command line, the service's jvm.options, then JAVA_OPTS.

FROM eclipse-temurin:17.0.20_8-jdk-noble AS build
ARG SERVICE
WORKDIR /workspace
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY common common
COPY tracing-extension tracing-extension
COPY api-service api-service
COPY listener-service listener-service
COPY worker-service worker-service
COPY system-tests/pom.xml system-tests/pom.xml
# compose builds the three services at once, all with this one cache: locked, each build waits
# for the one using it (shared, the default, lets them write the local repository together)
RUN --mount=type=cache,target=/root/.m2,sharing=locked \
    ./mvnw --batch-mode --no-transfer-progress package -DskipTests -pl "${SERVICE}" -am \
 && java -Djarmode=tools -jar "${SERVICE}/target/${SERVICE}-"*.jar extract --layers \
      --application-filename app.jar --destination /extracted \
 && mkdir /agent && cp "${SERVICE}/target/agent/opentelemetry-javaagent.jar" \
      "${SERVICE}/target/agent/pricing-tracing-extension.jar" /agent/ \
 && mkdir /jvm && cp "${SERVICE}/jvm.options" /jvm/

FROM eclipse-temurin:17.0.20_8-jre-noble
ARG SERVICE
RUN groupadd --system pricing && useradd --system --gid pricing --home-dir /app pricing
WORKDIR /app
# least to most often changed, so a code change rebuilds only the last layers
COPY --from=build /extracted/dependencies/ ./
COPY --from=build /extracted/spring-boot-loader/ ./
COPY --from=build /extracted/snapshot-dependencies/ ./
COPY --from=build /extracted/application/ ./
# the agent and, beside it, our extension of it (its sampler), which java-service.sh loads
COPY --from=build /agent/ /opt/opentelemetry/
# the service's JVM defaults (heap size, collector) and their launcher, as in scripts/run-local.sh
COPY --from=build /jvm/jvm.options /app/jvm.options
COPY --chmod=755 scripts/java-service.sh /app/java-service.sh
# the agent's defaults (the instrumentations switched on), as scripts/run-local.sh passes them
COPY otel-agent.properties /opt/opentelemetry/otel-agent.properties
ENV OTEL_JAVAAGENT_CONFIGURATION_FILE=/opt/opentelemetry/otel-agent.properties \
    OTEL_SERVICE_NAME="${SERVICE}" \
    SPRING_PROFILES_ACTIVE=docker \
    MALLOC_ARENA_MAX=2
USER pricing
# exec form, and the launcher execs the JVM: the JVM is PID 1 and gets docker stop's SIGTERM (a
# graceful shutdown). JAVA_OPTS (docker run -e, compose's environment) adds to or overrides the
# defaults; a user's JAVA_TOOL_OPTIONS adds to the agent instead of replacing it.
ENTRYPOINT ["/app/java-service.sh", "/opt/opentelemetry/opentelemetry-javaagent.jar", "/app/jvm.options", "-jar", "/app/app.jar"]
