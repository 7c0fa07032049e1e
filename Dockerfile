# sluice in a container: a static binary on a distroless base, run as a
# non-root user, with the examples as its default configuration.
#
#   docker build -t sluice .
#   docker run --rm -p 8080:8080 -p 9090:9090 sluice          # examples/hello
#   docker run --rm -v $PWD/my.js:/etc/sluice/main.js -p 8080:8080 sluice \
#       --metrics=:9090 --watch /etc/sluice/main.js
#
# Build stage: the module's dependencies first, so that a change of source
# reuses the downloaded modules.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO off: a static binary that runs on an image without a C library.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.Version=${VERSION}" -o /out/sluice ./cmd/sluice \
 && /out/sluice --verify examples/hello/main.js

# Run stage: no shell, no package manager; CA certificates for TLS upstreams;
# user 65532 (nonroot).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sluice /usr/local/bin/sluice
COPY --from=build /src/examples /usr/share/sluice/examples
USER 65532:65532
# 8080: the examples' listen port; 9090: /metrics, /healthz, /readyz, /status.
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/sluice"]
CMD ["--metrics=:9090", "/usr/share/sluice/examples/hello/main.js"]
