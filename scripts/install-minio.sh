#!/usr/bin/env bash
# install-minio.sh installs the MinIO server the integration tests run, pinned
# to one version, with `go install`, unless that exact version is already
# installed. It prints the binary's path on standard output (progress goes to
# standard error), and exports UPLOAD_MINIO_BIN when sourced:
#
#   bin=$(scripts/install-minio.sh)        # or: . scripts/install-minio.sh
#
# The binary goes where `go install` puts it: $GOBIN, else the first entry of
# $(go env GOPATH) + /bin, so it is cached across runs on the same machine.
# If UPLOAD_MINIO_BIN is already set to an executable, it is used as is.

MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

minio_bin() {
	local gobin
	gobin=$(go env GOBIN)
	if [ -z "$gobin" ]; then
		gobin="$(go env GOPATH | cut -d: -f1)/bin"
	fi
	echo "$gobin/minio"
}

# minio_version prints the module version a Go binary was built from.
minio_version() {
	go version -m "$1" 2>/dev/null | awk -v m="$MINIO_MODULE" '$1 == "mod" && $2 == m { print $3 }'
}

install_minio() {
	if [ -n "${UPLOAD_MINIO_BIN:-}" ] && [ -x "$UPLOAD_MINIO_BIN" ]; then
		echo "install-minio: using UPLOAD_MINIO_BIN=$UPLOAD_MINIO_BIN" >&2
		echo "$UPLOAD_MINIO_BIN"
		return
	fi
	local bin
	bin=$(minio_bin) || return 1
	if [ -x "$bin" ] && [ "$(minio_version "$bin")" = "$MINIO_VERSION" ]; then
		echo "install-minio: $bin is $MINIO_VERSION, already installed" >&2
	else
		echo "install-minio: installing $MINIO_MODULE@$MINIO_VERSION into $(dirname "$bin") (a few minutes, once)" >&2
		go install "$MINIO_MODULE@$MINIO_VERSION" >&2 || return 1
		if [ "$(minio_version "$bin")" != "$MINIO_VERSION" ]; then
			echo "install-minio: $bin is not $MINIO_VERSION after go install" >&2
			return 1
		fi
	fi
	echo "$bin"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	install_minio
else
	UPLOAD_MINIO_BIN=$(install_minio)
	export UPLOAD_MINIO_BIN
fi
