# make test: install the pinned MinIO when missing (cached in $(go env GOPATH)/bin),
# then vet and run every test with the race detector and a real MinIO required,
# in the main module and in the nested module contrib/prometheus.

.PHONY: test test-short lint vet minio

GO ?= go

test:
	@bin=$$(scripts/install-minio.sh) && \
	$(GO) vet ./... && \
	UPLOAD_MINIO_BIN="$$bin" UPLOAD_REQUIRE_MINIO=1 $(GO) test -race -timeout 30m ./... && \
	cd contrib/prometheus && $(GO) vet ./... && $(GO) test -race ./...

vet:
	$(GO) vet ./...

# make test-short: the unit tests, without MinIO (its tests skip: the
# binary is looked for only at a path that does not exist) and without the
# slow ones (-short); under a minute once the packages are built.
test-short:
	UPLOAD_MINIO_BIN=/nonexistent/minio UPLOAD_REQUIRE_MINIO= $(GO) test -short -count=1 ./...

# make lint: gofmt, go vet, staticcheck (pinned, installed by
# scripts/install-staticcheck.sh; staticcheck.conf says which checks) and
# the module's own checks in lint_test.go and imports_test.go (function
# length, errors compared through wrapping, import rules), in the main
# module and in contrib/prometheus. CONTRIBUTING.md explains each.
LINT_TESTS = ^(TestFunctionLength|TestErrorsComparedThroughWrapping|TestLintChecksBite|TestImportRules|TestImportRulesCatchViolations|TestInitCheckCatchesRegistration)$$

lint:
	@bin=$$(scripts/install-staticcheck.sh) && \
	unformatted=$$(gofmt -l .) && \
	if [ -n "$$unformatted" ]; then echo "gofmt -l lists files to format (run gofmt -w on them):"; echo "$$unformatted"; exit 1; fi && \
	$(GO) vet ./... && \
	"$$bin" ./... && \
	$(GO) test -count=1 -run '$(LINT_TESTS)' . && \
	cd contrib/prometheus && $(GO) vet ./... && "$$bin" ./...

minio:
	@scripts/install-minio.sh

# make bench: the benchmark harness (bench/README.md). Installs s5cmd, mc,
# rclone and MinIO at pinned versions, measures on loopback, then through
# the link emulator (WAN_LINKS: round-trip times, and one link capped at
# 100 Mbit/s), and writes BENCHMARKS.md with its tables and charts.
# make bench-quick: the same on scaled-down workloads, one round, each tool
# with its defaults only on the WAN links, report to standard output (a
# smoke run of under 5 minutes once the tools are built).
.PHONY: bench bench-quick
WAN_LINKS = 0,20ms,80ms,80ms@100Mbit
WAN_QUICK_LINKS = 0,80ms,80ms@100Mbit

bench:
	$(GO) run ./bench
	$(GO) run ./bench -rtt $(WAN_LINKS) -rounds 3

bench-quick:
	$(GO) run ./bench -quick
	$(GO) run ./bench -quick -rtt $(WAN_QUICK_LINKS) -wan-modes defaults
