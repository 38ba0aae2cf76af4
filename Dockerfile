# syntax=docker/dockerfile:1
# One image per service: docker build --build-arg SERVICE=api-service|listener-service|worker-service .
# Build with the Maven wrapper, then run the Spring Boot layered jar as a non-root user on a JRE,
# with the OpenTelemetry Java agent (copied by the build) attached through JAVA_TOOL_OPTIONS.

FROM eclipse-temurin:17.0.15_6-jdk-noble AS build
ARG SERVICE
WORKDIR /workspace
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY common common
COPY api-service api-service
COPY listener-service listener-service
COPY worker-service worker-service
COPY system-tests/pom.xml system-tests/pom.xml
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw --batch-mode --no-transfer-progress package -DskipTests -pl "${SERVICE}" -am \
 && java -Djarmode=tools -jar "${SERVICE}/target/${SERVICE}-"*.jar extract --layers \
      --application-filename app.jar --destination /extracted \
 && mkdir /agent && cp "${SERVICE}/target/agent/opentelemetry-javaagent.jar" /agent/ \
 && mkdir /jvm && cp "${SERVICE}/jvm.options" /jvm/

FROM eclipse-temurin:17.0.15_6-jre-noble
ARG SERVICE
RUN groupadd --system pricing && useradd --system --gid pricing --home-dir /app pricing
WORKDIR /app
# least to most often changed, so a code change rebuilds only the last layers
COPY --from=build /extracted/dependencies/ ./
COPY --from=build /extracted/spring-boot-loader/ ./
COPY --from=build /extracted/snapshot-dependencies/ ./
COPY --from=build /extracted/application/ ./
COPY --from=build /agent/opentelemetry-javaagent.jar /opt/opentelemetry/opentelemetry-javaagent.jar
# the service's JVM defaults (heap size, collector), as scripts/run-local.sh passes them
COPY --from=build /jvm/jvm.options /app/jvm.options
# the agent's defaults (the instrumentations switched on), as scripts/run-local.sh passes them
COPY otel-agent.properties /opt/opentelemetry/otel-agent.properties
ENV JAVA_TOOL_OPTIONS="-javaagent:/opt/opentelemetry/opentelemetry-javaagent.jar" \
    OTEL_JAVAAGENT_CONFIGURATION_FILE=/opt/opentelemetry/otel-agent.properties \
    OTEL_SERVICE_NAME="${SERVICE}" \
    SPRING_PROFILES_ACTIVE=docker \
    MALLOC_ARENA_MAX=2
USER pricing
ENTRYPOINT ["java", "@/app/jvm.options", "-jar", "/app/app.jar"]
