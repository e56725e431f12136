package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/backends/local"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// startGateway serves a gateway of dialect d in front of srv on a loopback
// port, through wrap (nil: as is), until the test ends.
func startGateway(t *testing.T, srv *miniotest.Server, d gateway.Dialect, wrap func(*gateway.Gateway, http.Handler) http.Handler) (*gateway.Gateway, string) {
	t.Helper()
	gw, err := gateway.New(gateway.Options{Dialect: d, Upstream: gateway.MinIO(srv)})
	must(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	var h http.Handler = gw
	if wrap != nil {
		h = wrap(gw, gw)
	}
	hs := &http.Server{Handler: h}
	go hs.Serve(ln)
	t.Cleanup(func() {
		gw.Close()
		hs.Close()
	})
	return gw, "http://" + ln.Addr().String()
}

// listBucket returns the keys and sizes MinIO holds in bucket.
func listBucket(t *testing.T, srv *miniotest.Server, bucket string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for o := range srv.Client().ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("listing %s: %v", bucket, o.Err)
		}
		out[o.Key] = o.Size
	}
	return out
}

// writeBatch writes n small files d/NNNN, each of a different size.
func writeBatch(t *testing.T, dir string, n int) map[string]int64 {
	t.Helper()
	want := map[string]int64{}
	must(t, os.MkdirAll(dir, 0o755))
	for i := range n {
		name := fmt.Sprintf("f%04d", i)
		body := strings.Repeat(string(rune('a'+i%26)), 16+i%48)
		must(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
		want[name] = int64(len(body))
	}
	return want
}

// TestFailoverBatch uploads 2,000 files to TOS (through the gateway) whose
// signatures start failing after 1,000 PUTs; the batch fails over to OSS
// (another gateway), ends with exit 0, and both reports tell the story.
func TestFailoverBatch(t *testing.T) {
	srv := miniotest.Shared(t)
	tosBucket, ossBucket := srv.NewBucket(t, "tos"), srv.NewBucket(t, "oss")
	const total, failFrom = 2000, 1000
	var puts atomic.Int64
	tosGW, tosURL := startGateway(t, srv, gateway.TOS, func(gw *gateway.Gateway, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && puts.Add(1) == failFrom {
				gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.Respond(403, "SignatureDoesNotMatch")})
			}
			h.ServeHTTP(w, r)
		})
	})
	ossGW, ossURL := startGateway(t, srv, gateway.OSS, nil)
	c := newCLI(t)
	ak, sk := tosGW.Credentials()
	c.env["GW_AK"], c.env["GW_SK"] = ak, sk
	c.config(fmt.Sprintf(`targets:
  - name: tos-beijing
    provider: tos
    endpoint: %s
    region: cn-beijing
    bucket: %s
    access_key_id: ${GW_AK}
    secret_access_key: ${GW_SK}
  - name: oss-hangzhou
    provider: oss
    endpoint: %s
    region: cn-hangzhou
    bucket: %s
    access_key_id: ${GW_AK}
    secret_access_key: ${GW_SK}
`, tosURL, tosBucket, ossURL, ossBucket))
	want := writeBatch(t, filepath.Join(c.dir, "batch"), total)

	start := time.Now()
	r := c.run("--json", "--jobs", "16", "--prefix", "run1/", "batch")
	t.Logf("%d files in %s", total, time.Since(start).Round(time.Millisecond))
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("human summary:\n%s", r.stderr)
	rep := parseReport(t, r.stdout)
	s := rep.summary
	if s.Files != total || s.Uploaded != total || s.Failed+s.BackedUp+s.Skipped != 0 || s.ExitCode != 0 {
		t.Errorf("summary counts: %+v", s)
	}
	tos, oss := s.Targets[0], s.Targets[1]
	onTOS, onOSS := failFrom-1, total-(failFrom-1) // PUTs 1..999 passed, the rest failed
	if tos.Name != "tos-beijing" || tos.FilesStored != onTOS || tos.Codes["SignatureDoesNotMatch"] < 1 ||
		tos.Attempts["signature_mismatch"] != tos.Codes["SignatureDoesNotMatch"] || tos.BreakerOpens < 1 ||
		tos.FailedOver != onOSS || tos.FailedOverTo["oss-hangzhou"] != onOSS || tos.Attempts["ok"] != onTOS {
		t.Errorf("tos-beijing: %+v", tos)
	}
	if tos.Attempts["signature_mismatch"]+tos.Attempts["circuit_open"] != onOSS {
		t.Errorf("tos-beijing: %d refusals + %d breaker rejections, want %d files turned away",
			tos.Attempts["signature_mismatch"], tos.Attempts["circuit_open"], onOSS)
	}
	if oss.Name != "oss-hangzhou" || oss.FilesStored != onOSS || oss.Attempts["ok"] != onOSS || oss.FailedOver != 0 {
		t.Errorf("oss-hangzhou: %+v", oss)
	}
	for _, f := range rep.files {
		last := f.Attempts[len(f.Attempts)-1]
		if f.Status != statusUploaded || last.Kind != "ok" || last.Target != f.Target || f.Size != want[strings.TrimPrefix(f.Key, "run1/")] {
			t.Errorf("%s: %+v", f.Key, f)
			continue
		}
		if f.Target == "oss-hangzhou" {
			first := f.Attempts[0]
			if first.Target != "tos-beijing" || !(first.Kind == "signature_mismatch" && first.Code == "SignatureDoesNotMatch" && first.Status == 403 && first.RequestID != "" ||
				first.Kind == "circuit_open") {
				t.Errorf("%s went to OSS after %+v", f.Key, first)
			}
		}
	}
	for _, w := range []string{
		"upload: 2000 uploaded",
		"tos-beijing: SignatureDoesNotMatch ×",
		"breaker opened",
		fmt.Sprintf("%d files went to oss-hangzhou; %d files stored here", onOSS, onTOS),
		fmt.Sprintf("oss-hangzhou: %d files stored", onOSS),
		"What to check (the first failure of each kind):",
		"tos-beijing (tos): put",
		"signature_mismatch (403 SignatureDoesNotMatch)",
	} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("the human summary does not say %q:\n%s", w, r.stderr)
		}
	}
	// What MinIO holds: every file once, on the target the report names.
	inTOS, inOSS := listBucket(t, srv, tosBucket), listBucket(t, srv, ossBucket)
	if len(inTOS) != onTOS || len(inOSS) != onOSS {
		t.Errorf("MinIO holds %d objects via TOS and %d via OSS, want %d and %d", len(inTOS), len(inOSS), onTOS, onOSS)
	}
	for _, f := range rep.files {
		where := inTOS
		if f.Target == "oss-hangzhou" {
			where = inOSS
		}
		if size, ok := where[f.Key]; !ok || size != f.Size {
			t.Errorf("%s: MinIO holds %d bytes (%v) on %s", f.Key, size, ok, f.Target)
		}
	}
	if n := ossGW.Count(gateway.OpPut); n != onOSS {
		t.Errorf("the OSS gateway saw %d PUTs, want %d (one per file)", n, onOSS)
	}
}

// TestSkewStory uploads to a TOS gateway whose clock is 31 minutes ahead:
// the backend corrects its signing time, every file lands on TOS (exit
// 0), and both reports say what happened.
func TestSkewStory(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "skew")
	gw, url := startGateway(t, srv, gateway.TOS, nil)
	gw.SetClockOffset(31 * time.Minute)
	c := newCLI(t)
	ak, sk := gw.Credentials()
	c.env["GW_AK"], c.env["GW_SK"] = ak, sk
	c.config(fmt.Sprintf("targets:\n  - {name: tos-beijing, provider: tos, endpoint: '%s', region: cn-beijing, bucket: %s, access_key_id: '${GW_AK}', secret_access_key: '${GW_SK}'}\nbackup: ./bk\n", url, bucket))
	writeBatch(t, filepath.Join(c.dir, "batch"), 40)
	r := c.run("--json", "--jobs", "4", "batch")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("human summary:\n%s", r.stderr)
	rep := parseReport(t, r.stdout)
	tos := rep.summary.Targets[0]
	if rep.summary.Uploaded != 40 || tos.FilesStored != 40 || tos.SkewMS == nil || *tos.SkewMS < 30*60*1000 || *tos.SkewMS > 32*60*1000 ||
		tos.SkewCorrected < 1 || tos.BreakerOpens != 0 {
		t.Errorf("summary %+v, tos %+v", rep.summary, tos)
	}
	corrected := 0
	for _, f := range rep.files {
		for _, a := range f.Attempts {
			if a.SkewCorrected {
				corrected++
				if a.Kind != "ok" || a.SkewMS < 30*60*1000 {
					t.Errorf("%s: corrected attempt %+v", f.Key, a)
				}
			}
		}
	}
	if corrected != tos.SkewCorrected {
		t.Errorf("%d corrected attempts in the lines, %d in the summary", corrected, tos.SkewCorrected)
	}
	if !strings.Contains(about31m(r.stderr), "tos-beijing: its clock is ≈31m ahead of ours (signing time corrected on 40 attempts, after ") ||
		strings.Contains(r.stderr, "What to check") {
		t.Errorf("the human summary does not tell the skew:\n%s", r.stderr)
	}
}

// cliCommand is the upload command run as a child process: this test
// binary with UPLOAD_CLI_TEST_MAIN=1 (see TestMain).
func cliCommand(t *testing.T, dir string, env map[string]string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "UPLOAD_CLI_TEST_MAIN=1", "HOME="+dir, "XDG_CONFIG_HOME=")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// journalKeys reads the records of a state file, as a rerun would.
func journalKeys(t *testing.T, path string) map[string]bool {
	t.Helper()
	j, err := openJournal(path, time.Now())
	must(t, err)
	defer j.close()
	out := map[string]bool{}
	for k := range j.recs {
		out[k] = true
	}
	return out
}

// TestDrain backs files up while the cloud is down, then drains them to
// MinIO once the target is right; a rerun with --state then skips them.
func TestDrain(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "drain")
	c := newCLI(t)
	c.env["MINIO_AK"], c.env["MINIO_SK"] = srv.AccessKey, srv.SecretKey
	conf := func(endpoint string) {
		c.config(fmt.Sprintf(`targets:
  - {name: cloud, provider: s3, endpoint: '%s', bucket: %s, access_key_id: '${MINIO_AK}', secret_access_key: '${MINIO_SK}'}
backup: ./bk
retry: {attempts: 1}
`, endpoint, bucket))
	}
	conf(deadEndpoint(t))
	want := writeBatch(t, filepath.Join(c.dir, "batch"), 20)
	if r := c.run("--state", "st", "--quiet", "batch"); r.code != exitBackedUp {
		t.Fatalf("upload with the cloud down: exit %d\n%s", r.code, r.stderr)
	}
	conf(srv.URL)
	r := c.run("drain", "--json")
	if r.code != exitOK {
		t.Fatalf("drain: exit %d\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var last map[string]drainBody
	must(t, json.Unmarshal([]byte(lines[len(lines)-1]), &last))
	if s := last["summary"]; s.Drained != 20 || s.Remaining != 0 || s.Targets[0].FilesStored != 20 {
		t.Errorf("drain summary %+v", s)
	}
	var item fileReport
	must(t, json.Unmarshal([]byte(lines[0]), &item))
	if item.Status != "drained" || item.Target != "cloud" || !strings.Contains(item.Path, "bk") || len(item.Attempts) != 1 {
		t.Errorf("drain item %+v", item)
	}
	if !strings.Contains(r.stderr, "20 drained to the clouds") || !strings.Contains(r.stderr, "cloud: 20 files stored") {
		t.Errorf("drain stderr:\n%s", r.stderr)
	}
	got := listBucket(t, srv, bucket)
	for k, size := range want {
		if got[k] != size {
			t.Errorf("%s: MinIO holds %d bytes, want %d", k, got[k], size)
		}
	}
	bk, err := local.New(local.Options{Dir: "bk"})
	must(t, err)
	if l, _ := bk.List(context.Background()); len(l) != 0 {
		t.Errorf("the backup still holds %d copies", len(l))
	}
	bk.Close()
	// The journal says "backed up"; the copies are gone (drained), so the
	// rerun skips them and exits 0.
	r = c.run("--json", "--state", "st", "batch")
	rep := parseReport(t, r.stdout)
	if r.code != exitOK || rep.summary.Skipped != 20 || rep.summary.SkippedInBackup != 0 {
		t.Errorf("rerun after the drain: exit %d, %+v", r.code, rep.summary)
	}
}

// TestDoctor runs doctor over a TOS target whose server clock is 31
// minutes ahead, an OBS target configured with its bucket domain as the
// endpoint, an OSS target with a wrong secret, a healthy MinIO and a local
// directory. DNS and dialing are redirected to the loopback gateways.
func TestDoctor(t *testing.T) {
	srv := miniotest.Shared(t)
	tosGW, tosURL := startGateway(t, srv, gateway.TOS, nil)
	tosGW.SetClockOffset(31 * time.Minute)
	_, obsURL := startGateway(t, srv, gateway.OBS, nil)
	_, ossURL := startGateway(t, srv, gateway.OSS, nil)
	tosBucket, obsBucket, ossBucket, s3Bucket := srv.NewBucket(t, "tos"), srv.NewBucket(t, "obs"), srv.NewBucket(t, "oss"), srv.NewBucket(t, "s3")
	c := newCLI(t)
	ak, sk := tosGW.Credentials()
	c.env["GW_AK"], c.env["GW_SK"], c.env["BAD_SK"] = ak, sk, "not-the-gateway-secret"
	c.env["MINIO_AK"], c.env["MINIO_SK"] = srv.AccessKey, srv.SecretKey
	obsPort := obsURL[strings.LastIndex(obsURL, ":")+1:]
	c.config(fmt.Sprintf(`targets:
  - {name: tos-skewed, provider: tos, endpoint: '%s', region: cn-beijing, bucket: %s, access_key_id: '${GW_AK}', secret_access_key: '${GW_SK}'}
  - {name: obs-domain, provider: obs, endpoint: 'http://%s.obs.cn-north-4.myhuaweicloud.com:%s', bucket: %s, access_key_id: '${GW_AK}', secret_access_key: '${GW_SK}'}
  - {name: oss-badkey, provider: oss, endpoint: '%s', region: cn-hangzhou, bucket: %s, access_key_id: '${GW_AK}', secret_access_key: '${BAD_SK}'}
  - {name: minio, provider: s3, endpoint: '%s', bucket: %s, access_key_id: '${MINIO_AK}', secret_access_key: '${MINIO_SK}'}
  - {name: disk, provider: local, path: ./bk}
`, tosURL, tosBucket, obsBucket, obsPort, obsBucket, ossURL, ossBucket, srv.URL, s3Bucket))
	c.mod = func(a *app) {
		a.lookupHost = func(ctx context.Context, host string) ([]string, error) {
			if strings.HasSuffix(host, ".myhuaweicloud.com") {
				return []string{"127.0.0.1"}, nil
			}
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		var d net.Dialer
		a.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		}
	}
	r := c.run("doctor")
	if r.code != exitFailed {
		t.Errorf("doctor: exit %d, want 1", r.code)
	}
	out := r.stdout
	t.Logf("doctor output:\n%s", out)
	section := func(name string) string {
		i := strings.Index(out, name+" (")
		j := strings.Index(out[i:], "=> "+name)
		if i < 0 || j < 0 {
			t.Fatalf("no section for %s", name)
		}
		return out[i : i+j+len(name)+40]
	}
	for name, wants := range map[string][]string{
		"tos-skewed": {"FAIL clock: this machine's clock is ≈31m behind the server's, beyond the vendor's ±15m0s window",
			"ok   dns: 127.0.0.1 is an IP address", "ok   put_delete: put 36 bytes", "signed with the server's time, ≈31m ahead of ours",
			"ok   bucket: bucket", "=> tos-skewed: FAIL (clock)"},
		"obs-domain": {"ok   clock:", "ok   dns: " + obsBucket + ".obs.cn-north-4.myhuaweicloud.com resolves to 127.0.0.1",
			"FAIL endpoint: " + obsBucket + ".obs.cn-north-4.myhuaweicloud.com is a bucket domain",
			"set the endpoint to obs.cn-north-4.myhuaweicloud.com", "=> obs-domain: FAIL (endpoint, bucket, put_delete)"},
		"oss-badkey": {"FAIL put_delete:", "signature_mismatch (403 SignatureDoesNotMatch)", "also: the server's StringToSign",
			"=> oss-badkey: FAIL ("},
		"minio": {"ok   clock:", "ok   bucket: bucket " + fmt.Sprintf("%q", s3Bucket) + " exists and can be listed",
			"ok   put_delete:", "and deleted it", "=> minio: passes"},
		"disk": {"ok   path:", "=> disk: passes"},
	} {
		sec := about31m(section(name))
		for _, w := range wants {
			if !strings.Contains(sec, w) {
				t.Errorf("%s: doctor does not say %q:\n%s", name, w, sec)
			}
		}
	}
	for _, secret := range []string{sk, "not-the-gateway-secret", srv.SecretKey} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("doctor printed a secret")
		}
	}
	if !strings.Contains(out, "upload doctor: 3 of 5 targets fail: tos-skewed, obs-domain, oss-badkey") {
		t.Errorf("doctor's last line:\n%s", out)
	}

	// --json: one object per finding.
	r = c.run("doctor", "--json", "--target", "tos-skewed")
	var clock finding
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var f finding
		must(t, json.Unmarshal([]byte(line), &f))
		if f.Check == "clock" {
			clock = f
		}
	}
	if r.code != exitFailed || clock.Status != "fail" || !strings.Contains(about31m(clock.Message), "≈31m behind") || clock.Target != "tos-skewed" {
		t.Errorf("doctor --json: exit %d, clock %+v", r.code, clock)
	}
	// A target that passes every check: exit 0.
	if r := c.run("doctor", "--target", "minio"); r.code != exitOK {
		t.Errorf("doctor --target minio: exit %d\n%s", r.code, r.stdout)
	}
}

// TestExitStatusesExec runs the command as a process: the statuses reach
// the shell.
func TestExitStatusesExec(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"f": "x"})
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--quiet", "f"}, exitOK},
		{[]string{"--quiet", "f", "missing"}, exitFailed},
		{[]string{"--bogus"}, exitUsage},
	} {
		err := cliCommand(t, c.dir, nil, tc.args...).Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code {
			t.Errorf("upload %q: exit %d, want %d", tc.args, code, tc.code)
		}
	}
}
