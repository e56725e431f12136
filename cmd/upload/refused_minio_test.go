package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// TestTargetRefusedFailsOver: the primary OSS answers every request with
// 400 PublicEndpointForbidden, as OSS does for a new mainland account on the
// default public endpoint. That is not the files' fault: every file goes to
// the secondary, the run exits 0, and the summary names the refusal with
// the hint to change the endpoint.
func TestTargetRefusedFailsOver(t *testing.T) {
	srv := miniotest.Shared(t)
	ossBucket, tosBucket := srv.NewBucket(t, "oss"), srv.NewBucket(t, "tos")
	ossGW, ossURL := startGateway(t, srv, gateway.OSS, nil)
	ossGW.Inject(gateway.Fault{Action: gateway.RespondCode("PublicEndpointForbidden")})
	_, tosURL := startGateway(t, srv, gateway.TOS, nil)
	c := newCLI(t)
	ak, sk := ossGW.Credentials()
	c.env["GW_AK"], c.env["GW_SK"] = ak, sk
	c.config(fmt.Sprintf(`targets:
  - name: oss-hangzhou
    provider: oss
    endpoint: %s
    region: cn-hangzhou
    bucket: %s
    access_key_id: ${GW_AK}
    secret_access_key: ${GW_SK}
  - name: tos-beijing
    provider: tos
    endpoint: %s
    region: cn-beijing
    bucket: %s
    access_key_id: ${GW_AK}
    secret_access_key: ${GW_SK}
`, ossURL, ossBucket, tosURL, tosBucket))
	want := writeBatch(t, filepath.Join(c.dir, "batch"), 5)
	r := c.run("--jobs", "1", "batch")
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	got := listBucket(t, srv, tosBucket)
	if len(got) != len(want) {
		t.Errorf("the secondary holds %d objects, want %d", len(got), len(want))
	}
	for k, size := range want {
		if got[k] != size {
			t.Errorf("%s: %d bytes on the secondary, want %d", k, got[k], size)
		}
	}
	if n := len(listBucket(t, srv, ossBucket)); n != 0 {
		t.Errorf("the refusing primary holds %d objects", n)
	}
	for _, w := range []string{"target_refused", "PublicEndpointForbidden", "0048-00000401"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("the summary does not say %q:\n%s", w, r.stderr)
		}
	}
}
