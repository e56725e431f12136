package main

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
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

// doctorSection returns the part of doctor's output about target name,
// from its heading to its "=> name" line.
func doctorSection(t *testing.T, out, name string) string {
	t.Helper()
	i := strings.Index(out, name+" (")
	j := strings.Index(out[max(i, 0):], "=> "+name+":")
	if i < 0 || j < 0 {
		t.Fatalf("no section for %s in:\n%s", name, out)
	}
	return out[i : i+j]
}

// TestDoctorDestinations: doctor --to checks the destinations given as
// upload --to takes them (a bucket URL through the gateway's OSS dialect,
// credentials from the provider's variables; a configured target's NAME)
// instead of the configuration's targets: the present bucket passes, the
// missing one fails with NoSuchBucket, the target not named is not
// checked. A destination upload --to refuses is refused the same way.
func TestDoctorDestinations(t *testing.T) {
	srv := miniotest.Shared(t)
	gw, gwURL := startGateway(t, srv, gateway.OSS, nil)
	ak, sk := gw.Credentials()
	present := "oss-dest-1250000000"
	must(t, srv.MakeBucket(context.Background(), present))
	t.Cleanup(func() { srv.RemoveBucket(context.Background(), present) })
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"upload.yaml": `targets:
  - {name: cfgdisk, provider: local, path: ./bk}
  - {name: unnamed, provider: s3, endpoint: "http://127.0.0.1:1", bucket: never, anonymous: true}
`})
	env := map[string]string{"HOME": dir, "OSS_ACCESS_KEY_ID": ak, "OSS_ACCESS_KEY_SECRET": sk}
	q := "?region=cn-hangzhou&endpoint=" + url.QueryEscape(gwURL)
	r := execCLI(t, dir, env, "", "doctor", "--to", "oss://"+present+"/x/"+q, "--to", "oss://no-such-bucket-1250000000/x/"+q, "--to", "cfgdisk")
	t.Logf("doctor:\n%s%s", r.stdout, r.stderr)
	if r.code != exitFailed {
		t.Errorf("exit %d, want 1 (the missing bucket fails)", r.code)
	}
	if !strings.Contains(r.stdout, "upload doctor: 3 targets, from the destinations on the command line") {
		t.Errorf("doctor does not say it checks the command line's destinations")
	}
	if s := doctorSection(t, r.stdout, "oss"); !strings.Contains(s, "ok   bucket: bucket \""+present+"\" exists and can be listed") || !strings.Contains(s, "ok   put_delete:") {
		t.Errorf("oss (present): the bucket and put checks do not pass:\n%s", s)
	}
	if s := doctorSection(t, r.stdout, "oss-2"); !strings.Contains(s, "FAIL bucket:") || !strings.Contains(s, "NoSuchBucket") {
		t.Errorf("oss-2 (missing): the bucket check does not fail with NoSuchBucket:\n%s", s)
	}
	if s := doctorSection(t, r.stdout, "cfgdisk"); !strings.Contains(s, "ok   path:") {
		t.Errorf("cfgdisk: the named target is not checked as a local directory:\n%s", s)
	}
	if strings.Contains(r.stdout, "unnamed") {
		t.Error("doctor checked a configured target that no --to names")
	}
	if strings.Contains(r.stdout+r.stderr, sk) {
		t.Error("doctor printed the secret")
	}

	// The same grammar and checks as upload --to: keys in a URL are refused.
	r = execCLI(t, dir, env, "", "doctor", "--to", "oss://"+present+"?access_key_id=x")
	if r.code != exitUsage || !strings.Contains(r.stderr, "access_key_id") {
		t.Errorf("a URL with a key: exit %d, want 2 naming access_key_id\n%s", r.code, r.stderr)
	}
}

// TestDoctorReadableDestinationLeavesNothing: doctor --to ./DIR (a
// readable local destination, as is the no-configuration default) names
// the directory, and its put and delete leave no probe behind.
func TestDoctorReadableDestinationLeavesNothing(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"out/a.txt": "a"})
	r := c.run("doctor", "--to", "./out")
	out := filepath.Join(c.dir, "out")
	if r.code != exitOK || !strings.Contains(r.stdout, "ok   path: the directory "+out+" exists") || !strings.Contains(r.stdout, "and deleted it") {
		t.Errorf("exit %d, want 0 naming %s and deleting the probe:\n%s%s", r.code, out, r.stdout, r.stderr)
	}
	var left []string
	must(t, filepath.WalkDir(out, func(p string, _ fs.DirEntry, err error) error {
		if p != out {
			left = append(left, strings.TrimPrefix(p, out+string(filepath.Separator)))
		}
		return err
	}))
	if len(left) != 1 || left[0] != "a.txt" {
		t.Errorf("the directory holds %q after doctor; want only a.txt", left)
	}
}
