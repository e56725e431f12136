# make test: install the pinned MinIO when missing (cached in $(go env GOPATH)/bin),
# then vet and run every test with the race detector and a real MinIO required,
# in the main module and in the nested module contrib/prometheus.

.PHONY: test vet minio

GO ?= go

test:
	@bin=$$(scripts/install-minio.sh) && \
	$(GO) vet ./... && \
	UPLOAD_MINIO_BIN="$$bin" UPLOAD_REQUIRE_MINIO=1 $(GO) test -race -timeout 30m ./... && \
	cd contrib/prometheus && $(GO) vet ./... && $(GO) test -race ./...

vet:
	$(GO) vet ./...

minio:
	@scripts/install-minio.sh

# make bench: the benchmark harness (bench/README.md). Installs s5cmd, mc,
# rclone and MinIO at pinned versions, measures, writes BENCHMARKS.md.
# make bench-quick: the same on scaled-down workloads, one round, report to
# standard output (a smoke run of a few minutes once the tools are built).
.PHONY: bench bench-quick
bench:
	$(GO) run ./bench

bench-quick:
	$(GO) run ./bench -quick
