//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// TestKillMidMultipartAndResume kills (SIGKILL) the CLI at ~60% of a
// multipart upload with --state, then reruns it: the journal held the
// upload ID before the first part was sent, the rerun lists the parts the
// server holds, checks them against the file and sends only the missing
// ones (counted at the gateway), the object is byte-identical and no
// multipart upload is left. The report lists every part with its duration.
func TestKillMidMultipartAndResume(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "resumemp")
	gw, url := startGateway(t, srv, gateway.TOS, nil)
	// Slow parts, so that the kill lands while parts are in flight.
	gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpUploadPart}, Action: gateway.Latency(100 * time.Millisecond)})
	c := newCLI(t)
	ak, sk := gw.Credentials()
	c.env["GW_AK"], c.env["GW_SK"] = ak, sk
	c.config(fmt.Sprintf("targets:\n  - {name: tos, provider: tos, endpoint: '%s', region: cn-beijing, bucket: %s, access_key_id: '${GW_AK}', secret_access_key: '${GW_SK}', multipart_threshold: 5MiB}\n", url, bucket))
	const parts, partSize = 8, 5 << 20
	data := writeRandom(t, filepath.Join(c.dir, "big.bin"), parts*partSize-777, 60)

	cmd := cliCommand(t, c.dir, c.env, "--state", "st", "--part-size", "5MiB", "--part-jobs", "1", "--progress", "never", "big.bin")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	must(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Kill when the sixth part has reached the gateway: five are stored.
	deadline := time.After(time.Minute)
wait:
	for gw.Count(gateway.OpUploadPart) < 6 {
		select {
		case err := <-exited:
			t.Fatalf("the upload ended (%v) before it could be killed\n%s", err, stderr.String())
		case <-deadline:
			break wait
		case <-time.After(5 * time.Millisecond):
		}
	}
	must(t, cmd.Process.Kill())
	<-exited
	// A part whose body had reached the gateway may still be stored after
	// the kill: wait until every part request has had its answer, so that
	// what MinIO holds is final.
	for settle := time.Now().Add(time.Minute); gw.CountOutcome(gateway.OpUploadPart, "") < gw.Count(gateway.OpUploadPart) && time.Now().Before(settle); {
		time.Sleep(10 * time.Millisecond)
	}

	ctx := context.Background()
	core := minio.Core{Client: srv.Client()}
	var id string
	for u := range srv.Client().ListIncompleteUploads(ctx, bucket, "", true) {
		must(t, u.Err)
		id = u.UploadID
	}
	if id == "" {
		t.Fatal("the killed run left no multipart upload")
	}
	lp, err := core.ListObjectParts(ctx, bucket, "big.bin", id, 0, 1000)
	must(t, err)
	held := len(lp.ObjectParts)
	if held < 4 || held >= parts {
		t.Fatalf("the killed run left %d parts of %d; want about 60%%", held, parts)
	}
	journal, err := os.ReadFile(filepath.Join(c.dir, "st"))
	must(t, err)
	if !strings.Contains(string(journal), `"multipart":"started"`) || !strings.Contains(string(journal), id) {
		t.Fatalf("the journal does not hold the upload %s:\n%s", id, journal)
	}

	gw.ResetCounts()
	r := c.run("--json", "--state", "st", "--part-size", "5MiB", "--part-jobs", "2", "big.bin")
	rep := parseReport(t, r.stdout)
	if r.code != exitOK || rep.summary.Uploaded != 1 {
		t.Fatalf("rerun: exit %d, %+v\n%s", r.code, rep.summary, r.stderr)
	}
	if got := gw.Count(gateway.OpUploadPart); got != parts-held {
		t.Errorf("the rerun sent %d parts, want the %d missing (%d of %d were stored)", got, parts-held, held, parts)
	}
	if got := gw.Count(gateway.OpInitiate); got != 0 {
		t.Errorf("the rerun initiated %d uploads, want 0 (resume %s)", got, id)
	}
	if got := getObject(t, srv, bucket, "big.bin"); !bytes.Equal(got, data) {
		t.Error("the stored object is not the file")
	}
	for u := range srv.Client().ListIncompleteUploads(ctx, bucket, "", true) {
		t.Errorf("multipart upload left: %+v", u)
	}
	f := rep.byKey["big.bin"]
	resumed := 0
	for _, p := range f.Parts {
		if p.Resumed {
			resumed++
		} else if p.ElapsedMS <= 0 || p.Size <= 0 {
			t.Errorf("part %+v sent without its duration or size", p)
		}
	}
	if len(f.Parts) != parts || resumed != held {
		t.Errorf("report: %d parts, %d resumed; want %d and %d", len(f.Parts), resumed, parts, held)
	}
	t.Logf("killed with %d of %d parts stored; the rerun sent %d", held, parts, parts-held)

	// A third run skips the file: its record replaced the multipart ones.
	gw.ResetCounts()
	r = c.run("--json", "--state", "st", "big.bin")
	if rep := parseReport(t, r.stdout); r.code != exitOK || rep.summary.Skipped != 1 || gw.Count(gateway.OpUploadPart) != 0 {
		t.Errorf("third run: exit %d, %+v, %d parts sent", r.code, rep.summary, gw.Count(gateway.OpUploadPart))
	}
}
