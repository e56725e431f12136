package main

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// TestRetryResumesMultipart: with --state, a part refused with 503 in the
// middle of a multipart upload does not abort it; the retry in the same
// run (failover's retry loop) continues the same upload and sends only
// the parts not yet stored: every part once, plus the refused one, and a
// single initiate.
func TestRetryResumesMultipart(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "retrymp")
	gw, url := startGateway(t, srv, gateway.OBS, nil)
	gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpUploadPart}, Action: gateway.Latency(30 * time.Millisecond)})
	c := newCLI(t)
	ak, sk := gw.Credentials()
	c.env["GW_AK"], c.env["GW_SK"] = ak, sk
	c.config(fmt.Sprintf("targets:\n  - {name: obs, provider: obs, endpoint: '%s', bucket: %s, access_key_id: '${GW_AK}', secret_access_key: '${GW_SK}', multipart_threshold: 5MiB}\nretry: {attempts: 3, base_delay: 10ms, max_delay: 20ms}\n", url, bucket))
	const parts, partSize = 6, 5 << 20
	data := writeRandom(t, filepath.Join(c.dir, "big.bin"), parts*partSize-99, 7)

	// Once three parts have reached the gateway, the next one is refused.
	defer afterParts(gw, 3, func() {
		// A request meets the first fault that matches: the refusal goes
		// before the latency.
		gw.ClearFaults()
		gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpUploadPart}, Action: gateway.Respond(503, "ServiceUnavailable"), Times: 1})
		gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpUploadPart}, Action: gateway.Latency(30 * time.Millisecond)})
	})()
	r := c.run("--json", "--state", "st", "--part-size", "5MiB", "--part-jobs", "1", "big.bin")
	rep := parseReport(t, r.stdout)
	if r.code != exitOK || rep.summary.Uploaded != 1 {
		t.Fatalf("exit %d, %+v\n%s", r.code, rep.summary, r.stderr)
	}
	f := rep.byKey["big.bin"]
	if len(f.Attempts) < 2 {
		t.Fatalf("attempts %+v: the 503 did not fail an attempt", f.Attempts)
	}
	if got := gw.Count(gateway.OpUploadPart); got != parts+1 {
		t.Errorf("%d UploadPart requests, want %d (each part once, plus the refused one)", got, parts+1)
	}
	if got := gw.Count(gateway.OpInitiate); got != 1 {
		t.Errorf("%d initiates, want 1: the retry continues the same upload", got)
	}
	if got := gw.Count(gateway.OpAbort); got != 0 {
		t.Errorf("%d aborts, want none", got)
	}
	if got := getObject(t, srv, bucket, "big.bin"); !bytes.Equal(got, data) {
		t.Error("the stored object is not the file")
	}
	resumed := 0
	for _, p := range f.Parts {
		if p.Resumed {
			resumed++
		}
	}
	if len(f.Parts) != parts || resumed == 0 {
		t.Errorf("report: %d parts, %d resumed; want %d, some resumed", len(f.Parts), resumed, parts)
	}
}

// writeRandom writes n bytes drawn from seed to path and returns them.
func writeRandom(t *testing.T, path string, n int, seed int64) []byte {
	t.Helper()
	data := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(data)
	must(t, os.WriteFile(path, data, 0o644))
	return data
}

// afterParts runs fn once gw has seen n UploadPart requests, from a
// goroutine that polls the count; the returned stop ends it if fn has not
// run.
func afterParts(gw *gateway.Gateway, n int, fn func()) (stop func()) {
	done := make(chan struct{})
	go func() {
		for gw.Count(gateway.OpUploadPart) < n {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
		fn()
	}()
	return func() { close(done) }
}
