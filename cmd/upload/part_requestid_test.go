package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// TestPartRequestIDInReport: when an upload part of a multipart upload is
// refused, the --json report's error carries the request ID of that part
// request (the one a support ticket needs), not of the initiate or the
// abort, on every dialect of the gateway.
func TestPartRequestIDInReport(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, d := range []struct {
		dialect  gateway.Dialect
		provider string
		extra    string
	}{{gateway.TOS, "tos", "region: cn-beijing"}, {gateway.OSS, "oss", "region: cn-hangzhou"}, {gateway.OBS, "obs", "path_style: true"},
		{gateway.COS, "cos", "region: ap-guangzhou, path_style: true"}, {gateway.OBS, "s3", "region: us-east-1"}} {
		t.Run(d.provider, func(t *testing.T) {
			gw, url := startGateway(t, srv, d.dialect, nil)
			ak, sk := gw.Credentials()
			bucket := d.provider + "-partid-1250000000"
			must(t, srv.MakeBucket(context.Background(), bucket))
			t.Cleanup(func() { srv.RemoveBucket(context.Background(), bucket) })
			c := newCLI(t)
			c.env["GW_AK"], c.env["GW_SK"] = ak, sk
			c.config(fmt.Sprintf("targets:\n  - {name: gw, provider: %s, endpoint: '%s', bucket: %s, %s, access_key_id: '${GW_AK}', secret_access_key: '${GW_SK}', multipart_threshold: 5MiB}\n",
				d.provider, url, bucket, d.extra))
			writeRandom(t, filepath.Join(c.dir, "big.bin"), 4*(5<<20)+7, 5)
			gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpUploadPart}, Action: gateway.Respond(403, "AccessDenied")})
			r := c.run("--json", "--part-size", "5MiB", "big.bin")
			f := parseReport(t, r.stdout).byKey["big.bin"]
			if r.code != exitFailed || f.Error == nil {
				t.Fatalf("exit %d, error %+v\n%s", r.code, f.Error, r.stderr)
			}
			parts := map[string]bool{}
			for _, rec := range gw.Records() {
				if rec.Op == gateway.OpUploadPart && rec.Status == 403 {
					parts[rec.ID] = true
				}
			}
			if len(parts) == 0 {
				t.Fatal("the gateway refused no upload part")
			}
			if e := f.Error; e.Kind != "access_denied" || e.Status != 403 || !parts[e.RequestID] {
				t.Errorf("error %+v; want access_denied, 403 and the request ID of a refused part (%v)", e, keys(parts))
			}
			if n := len(f.Attempts); n == 0 || !parts[f.Attempts[n-1].RequestID] {
				t.Errorf("attempts %+v; want the last to carry the refused part's request ID", f.Attempts)
			}
			if !strings.Contains(r.stderr, "upload_part") {
				t.Errorf("stderr does not name the failed operation upload_part:\n%s", r.stderr)
			}
		})
	}
}
