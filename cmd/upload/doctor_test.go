package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
)

// TestDoctorOffline covers the checks that need no server: the key's form
// (a TOS key of another vendor, a secret with a trailing newline), the TOS
// S3-compatible endpoint, a region against its endpoint, a host that does
// not resolve; a dead endpoint leaves the clock unread. No secret is
// printed, and an interrupt ends doctor with 130.
func TestDoctorOffline(t *testing.T) {
	c := newCLI(t)
	c.env["ID"], c.env["SPACEY"], c.env["OK_SECRET"] = "LTAItestkey", secretValue+"\n", secretValue
	c.config(fmt.Sprintf(`targets:
  - {name: keys, provider: tos, endpoint: '%s', region: cn-beijing, bucket: bkt, access_key_id: '${ID}', secret_access_key: '${SPACEY}'}
  - {name: s3-endpoint, provider: tos, endpoint: tos-s3-cn-beijing.volces.com, region: cn-shanghai, bucket: bkt, access_key_id: '${ID}', secret_access_key: '${OK_SECRET}'}
`, deadEndpoint(t)))
	c.mod = func(a *app) {
		a.lookupHost = func(ctx context.Context, host string) ([]string, error) {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
	}
	r := c.run("doctor")
	if r.code != exitFailed {
		t.Errorf("exit %d, want 1", r.code)
	}
	for _, w := range []string{
		"WARN clock: could not read the server's clock",
		"WARN access_key: the access key ID LTAI**** (11 characters) does not start with AKLT, as Volcengine access keys do. It looks like an access key of OSS (LTAI…).",
		"FAIL secret: the secret (35 characters) holds whitespace — remove the spaces or trailing newline",
		"=> keys: FAIL (secret, bucket, put_delete)",
		"FAIL dns: tos-s3-cn-beijing.volces.com does not resolve: no such host",
		"FAIL endpoint: tos-s3-cn-beijing.volces.com is TOS's S3-compatible endpoint",
		`FAIL region: region "cn-shanghai" contradicts the endpoint tos-s3-cn-beijing.volces.com, which is in "cn-beijing"`,
		"upload doctor: 2 of 2 targets fail: keys, s3-endpoint",
	} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("doctor does not say %q", w)
		}
	}
	if strings.Contains(r.stdout+r.stderr, secretValue) {
		t.Error("doctor printed the secret")
	}
	t.Logf("doctor:\n%s", r.stdout)

	c.signals = make(chan os.Signal, 1)
	c.signals <- os.Interrupt
	if r := c.run("doctor"); r.code != exitInterrupted {
		t.Errorf("interrupted doctor: exit %d", r.code)
	}
}
