#!/usr/bin/env bash
# install-staticcheck.sh installs staticcheck, pinned to one version, with
# `go install`, unless that exact version is already installed, and prints
# the binary's path on standard output (progress goes to standard error):
#
#   bin=$(scripts/install-staticcheck.sh)
#
# The binary goes where `go install` puts it: $GOBIN, else the first entry
# of $(go env GOPATH) + /bin, so it is cached across runs on the same
# machine. Building it takes a minute or two, once.

set -euo pipefail

STATICCHECK_MODULE=honnef.co/go/tools
STATICCHECK_VERSION=v0.8.2

gobin=$(go env GOBIN)
if [ -z "$gobin" ]; then
	gobin="$(go env GOPATH | cut -d: -f1)/bin"
fi
bin="$gobin/staticcheck"

version() {
	go version -m "$1" 2>/dev/null | awk -v m="$STATICCHECK_MODULE" '$1 == "mod" && $2 == m { print $3 }'
}

if [ -x "$bin" ] && [ "$(version "$bin")" = "$STATICCHECK_VERSION" ]; then
	echo "install-staticcheck: $bin is $STATICCHECK_VERSION, already installed" >&2
else
	echo "install-staticcheck: installing $STATICCHECK_MODULE/cmd/staticcheck@$STATICCHECK_VERSION into $gobin (a minute or two, once)" >&2
	go install "$STATICCHECK_MODULE/cmd/staticcheck@$STATICCHECK_VERSION" >&2
	if [ "$(version "$bin")" != "$STATICCHECK_VERSION" ]; then
		echo "install-staticcheck: $bin is not $STATICCHECK_VERSION after go install" >&2
		exit 1
	fi
fi
echo "$bin"
