# Multi-stage build of the `terrain` binary.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin terrain

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /srv/terrain terrain
WORKDIR /srv/terrain
COPY --from=build /src/target/release/terrain /usr/local/bin/terrain
COPY config ./config
ENV TERRAIN_ENV=production \
    TERRAIN__SERVER__ADDR=0.0.0.0:8080
USER terrain
EXPOSE 8080
ENTRYPOINT ["terrain"]
CMD ["serve"]
