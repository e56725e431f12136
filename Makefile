# make test: install the pinned MinIO when missing (cached in $(go env GOPATH)/bin),
# then vet and run every test with the race detector and a real MinIO required.

.PHONY: test vet minio

GO ?= go

test:
	@bin=$$(scripts/install-minio.sh) && \
	$(GO) vet ./... && \
	UPLOAD_MINIO_BIN="$$bin" UPLOAD_REQUIRE_MINIO=1 $(GO) test -race -timeout 30m ./...

vet:
	$(GO) vet ./...

minio:
	@scripts/install-minio.sh
