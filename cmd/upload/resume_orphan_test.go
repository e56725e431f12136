package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// TestOrphanAbortedAfterFailover: with --state, a multipart upload that the
// primary stops taking halfway (503 on every part after two) is kept for
// resumption while the primary is retried; when the file is then stored on
// the secondary, the upload left on the primary is aborted: nothing stays
// billed there.
func TestOrphanAbortedAfterFailover(t *testing.T) {
	srv := miniotest.Shared(t)
	b1, b2 := srv.NewBucket(t, "orphan1"), srv.NewBucket(t, "orphan2")
	gw1, url1 := startGateway(t, srv, gateway.OBS, nil)
	gw2, url2 := startGateway(t, srv, gateway.OBS, nil)
	c := newCLI(t)
	ak1, sk1 := gw1.Credentials()
	ak2, sk2 := gw2.Credentials()
	c.env["AK1"], c.env["SK1"], c.env["AK2"], c.env["SK2"] = ak1, sk1, ak2, sk2
	c.config(fmt.Sprintf("targets:\n"+
		"  - {name: one, provider: obs, endpoint: '%s', bucket: %s, access_key_id: '${AK1}', secret_access_key: '${SK1}', multipart_threshold: 5MiB}\n"+
		"  - {name: two, provider: obs, endpoint: '%s', bucket: %s, access_key_id: '${AK2}', secret_access_key: '${SK2}', multipart_threshold: 5MiB}\n"+
		"retry: {attempts: 2, base_delay: 10ms, max_delay: 20ms}\n", url1, b1, url2, b2))
	data := writeRandom(t, filepath.Join(c.dir, "big.bin"), 4*(5<<20)-5, 3)

	defer afterParts(gw1, 2, func() {
		gw1.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpUploadPart}, Action: gateway.Respond(503, "ServiceUnavailable")})
	})()
	r := c.run("--json", "--state", "st", "--part-size", "5MiB", "--part-jobs", "1", "big.bin")
	rep := parseReport(t, r.stdout)
	if r.code != exitOK || rep.byKey["big.bin"].Target != "two" {
		t.Fatalf("exit %d, target %q\n%s", r.code, rep.byKey["big.bin"].Target, r.stderr)
	}
	if got := gw1.Count(gateway.OpInitiate); got != 1 {
		t.Errorf("the primary saw %d initiates, want 1 (its retry resumes)", got)
	}
	if got := gw1.Count(gateway.OpAbort); got != 1 {
		t.Errorf("the primary saw %d aborts, want 1 (the orphan, once the file was stored)", got)
	}
	for u := range srv.Client().ListIncompleteUploads(context.Background(), b1, "", true) {
		t.Errorf("multipart upload left on the primary: %+v", u)
	}
	if got := getObject(t, srv, b2, "big.bin"); !bytes.Equal(got, data) {
		t.Error("the object on the secondary is not the file")
	}
}
