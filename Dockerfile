# syntax=docker/dockerfile:1
# Multi-stage build: a static, pure-Go binary (SQLite is modernc.org/sqlite,
# no cgo) in a small distroless image that runs as a non-root user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/rythme ./cmd/rythme

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rythme /usr/local/bin/rythme
USER nonroot:nonroot
WORKDIR /home/nonroot
ENV RYTHME_ADDR=0.0.0.0:8080 \
    RYTHME_DATA=/home/nonroot/data
EXPOSE 8080
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/rythme"]
