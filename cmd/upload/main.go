// Command upload uploads files and directories to object storage (Volcengine
// TOS, Aliyun OSS, Huawei OBS, Tencent COS, any S3) through the targets of a
// configuration file, in failover order, with circuit breakers, retries,
// clock-skew correction and a local backup; `upload doctor` diagnoses the
// targets, `upload drain` moves the local backup to the clouds, and
// `upload gateway` runs TOS, OSS, OBS and COS emulators over MinIO on this
// machine, with an HTTP control API, to test applications without a cloud.
//
// Usage:
//
//	upload [flags] PATH...
//	upload [flags] PATH... --to DEST [--to DEST]...
//	upload doctor [--target NAME] [--timeout D] [--prefix P] [--abort-incomplete [--older-than D]]
//	upload drain [--jobs N] [--max-failures N]
//	upload drain --check
//	upload gateway [--bucket NAME]... [--listen HOST[:PORT]] [--minio URL] [--minio-region REGION] [--verbose]
//	               [--delay-up D] [--delay-down D] [--bandwidth-up RATE] [--bandwidth-down RATE] [--clock-drift D]
//	upload version
//	upload completion bash|zsh|fish|powershell
//
// A DEST is SCHEME://BUCKET[/PATH][?region=R&endpoint=E&profile=P&...]
// (tos, oss, obs, cos, s3), a local directory (./DIR, /DIR, file://DIR) or
// the NAME of a target of the configuration file; several are tried in
// failover order. A single file sent to a PATH not ending in "/" gets
// exactly that key.
//
// The flags of an upload: --to DEST, --prefix P, --jobs N|auto, --part-size SIZE,
// --part-jobs N, --state FILE, --skip-existing MODE, --dry-run, --stall-timeout D, --shard I/N,
// --include GLOB, --exclude GLOB, --exclude-from FILE, --min-size SIZE,
// --max-size SIZE, --content-type TYPE, --metadata KEY=VALUE,
// --cache-control VALUE, --content-disposition VALUE, --content-encoding
// VALUE, --storage-class CLASS (STANDARD, INFREQUENT, ARCHIVE, COLD),
// --acl ACL, --sse AES256|kms[:KEYID], --tags K=V,..., --version. A
// target's defaults: in the configuration give its attributes for files
// whose flags leave them empty.
// Every command takes --config FILE, --json, --progress MODE, --quiet and
// --strict-perms.
//
// `upload --help` (and `upload COMMAND --help`) documents the flags, the
// configuration file, the environment, the report and the exit statuses (0
// all on a cloud target, 3 some only in the local backup, 1 some stored
// nowhere, 2 usage or configuration error, 130 interrupted).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	os.Exit(realMain())
}

// realMain runs the command in this process, with its signals and
// terminals, and returns the exit status.
func realMain() int {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	// A closed standard output (a pipe into head) must not kill the
	// process mid-upload: with SIGPIPE notified, the write fails with
	// EPIPE instead, and reportWriter stops the report only.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	a := newApp(os.Stdin, &reportWriter{w: os.Stdout, note: os.Stderr}, os.Stderr)
	a.signals = sig
	// A terminal of unknown width (a pty nobody sized) gets the plain
	// lines: the bars would not render there.
	if w, _, err := term.GetSize(int(os.Stderr.Fd())); err == nil && w > 0 {
		a.stderrTerminal = term.IsTerminal(int(os.Stderr.Fd()))
	}
	a.stdoutTerminal = term.IsTerminal(int(os.Stdout.Fd()))
	return a.run(context.Background(), os.Args[1:])
}
