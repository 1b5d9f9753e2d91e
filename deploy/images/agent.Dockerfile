# The redis-cluster-agent image. Build from the repository root:
#   docker build -f deploy/images/agent.Dockerfile -t redis-cluster-agent:0.1.0 .
# Both stages use deploy/images/build.sh, which CI runs too (webhook_images_build_test).
FROM debian:bookworm AS build
WORKDIR /src
COPY deploy/images/build.sh deploy/images/build.sh
RUN deploy/images/build.sh --install-build-deps
COPY . .
RUN deploy/images/build.sh /staging

FROM debian:bookworm-slim
COPY --from=build /staging/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update -q \
 && xargs -a /tmp/runtime-packages.txt apt-get install -y -q --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
COPY --from=build /staging/usr/local/bin/redis-cluster-agent /usr/local/bin/redis-cluster-agent
# Non-root; numeric so that runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8479
ENTRYPOINT ["/usr/local/bin/redis-cluster-agent"]
