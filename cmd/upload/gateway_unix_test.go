//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	"github.com/huaweicloud/huaweicloud-sdk-go-obs/obs"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	cos "github.com/tencentyun/cos-go-sdk-v5"
	"github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// These tests run `upload gateway` as a process (this test binary as the
// upload command, see TestMain) and drive it from the outside only: its
// JSON, its control API over HTTP, the vendors' SDKs and the upload
// command. No gateway Go API is used.

// needMinIO skips (or, with UPLOAD_REQUIRE_MINIO=1, fails) a test that
// starts `upload gateway` without a usable MinIO, so the child never
// installs one.
func needMinIO(t *testing.T) {
	t.Helper()
	if _, err := miniotest.FindBinary(); err != nil {
		if miniotest.Required() {
			t.Fatalf("MinIO is required (%s=1) but unusable: %v", miniotest.EnvRequire, err)
		}
		t.Skipf("skipping: needs MinIO: %v", err)
	}
}

// startProcessGroup starts cmd in its own process group and stops the
// group in t.Cleanup: SIGTERM, then SIGKILL if it has not ended within
// 20 s. wait returns the command's exit error once it has ended.
func startProcessGroup(t *testing.T, cmd *exec.Cmd) (wait func() error) {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(t, cmd.Start())
	done := make(chan struct{})
	var werr error
	go func() {
		werr = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		select {
		case <-done:
			return
		default:
		}
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	return func() error { <-done; return werr }
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// gatewayProc is `upload gateway --json` running as a child process.
type gatewayProc struct {
	t      *testing.T
	info   gatewayInfo
	cmd    *exec.Cmd
	wait   func() error
	stderr *syncBuffer
}

func startGatewayProc(t *testing.T, env map[string]string, args ...string) *gatewayProc {
	t.Helper()
	needMinIO(t)
	dir := t.TempDir()
	cmd := cliCommand(t, dir, env, append([]string{"gateway", "--json"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	p := &gatewayProc{t: t, cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = p.stderr
	p.wait = startProcessGroup(t, cmd)
	line := make(chan []byte, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- append([]byte(nil), sc.Bytes()...)
		}
		close(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case b, ok := <-line:
		if !ok {
			t.Fatalf("upload gateway printed nothing: %v\n%s", p.wait(), p.stderr)
		}
		if err := json.Unmarshal(b, &p.info); err != nil {
			t.Fatalf("upload gateway --json printed %q: %v", b, err)
		}
	case <-time.After(3 * time.Minute): // a bound on the start, not a measurement
		t.Fatalf("upload gateway did not start within 3 minutes:\n%s", p.stderr)
	}
	return p
}

// ctl sends a control request and decodes the JSON reply into out (may be
// nil); it fails the test unless the status is want.
func (p *gatewayProc) ctl(method, path, body string, want int, out any) {
	p.t.Helper()
	req, err := http.NewRequest(method, p.info.Control+path, strings.NewReader(body))
	must(p.t, err)
	resp, err := http.DefaultClient.Do(req)
	must(p.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		p.t.Fatalf("%s %s %s: %d %s, want %d", method, path, body, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			p.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// counts reads a dialect's counters over the control API.
func (p *gatewayProc) counts(d gateway.Dialect) gateway.Counts {
	p.t.Helper()
	var c gateway.Counts
	p.ctl("GET", "/v1/"+string(d)+"/counts", "", 200, &c)
	return c
}

// minioClient reaches the MinIO behind the gateway directly, with the keys
// the gateway printed, to check what it holds.
func (p *gatewayProc) minioClient() *minio.Client {
	u, err := url.Parse(p.info.MinIO)
	must(p.t, err)
	mc, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(p.info.MinIOAccessKey, p.info.MinIOSecretKey, ""), Region: miniotest.Region})
	must(p.t, err)
	return mc
}

func (p *gatewayProc) objects(bucket string) map[string]int64 {
	p.t.Helper()
	out := map[string]int64{}
	for o := range p.minioClient().ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			p.t.Fatalf("listing %s: %v", bucket, o.Err)
		}
		out[o.Key] = o.Size
	}
	return out
}

// sdkPut stores data with the vendor's official Go SDK (its retries off)
// through the emulator x, and returns the vendor error code of a failure.
func sdkPut(ctx context.Context, d gateway.Dialect, x gatewayDialect, key string, data []byte) (code string, err error) {
	switch d {
	case gateway.TOS:
		cli, err := tos.NewClientV2(x.Endpoint, tos.WithRegion(x.Region),
			tos.WithCredentials(tos.NewStaticCredentials(x.AccessKey, x.SecretKey)), tos.WithMaxRetryCount(0))
		if err != nil {
			return "", err
		}
		_, err = cli.PutObjectV2(ctx, &tos.PutObjectV2Input{
			PutObjectBasicInput: tos.PutObjectBasicInput{Bucket: x.Bucket, Key: key, ContentLength: int64(len(data))},
			Content:             bytes.NewReader(data),
		})
		var se *tos.TosServerError
		if errors.As(err, &se) {
			return se.Code, err
		}
		return "", err
	case gateway.OSS:
		cli, err := oss.New(x.Endpoint, x.AccessKey, x.SecretKey, oss.AuthVersion(oss.AuthV4), oss.Region(x.Region))
		if err != nil {
			return "", err
		}
		b, err := cli.Bucket(x.Bucket)
		if err != nil {
			return "", err
		}
		err = b.PutObject(key, bytes.NewReader(data), oss.WithContext(ctx))
		var se oss.ServiceError
		if errors.As(err, &se) {
			return se.Code, err
		}
		return "", err
	case gateway.OBS:
		cli, err := obs.New(x.AccessKey, x.SecretKey, x.Endpoint, obs.WithSignature(obs.SignatureV4),
			obs.WithPathStyle(true), obs.WithRegion(x.Region), obs.WithMaxRetryCount(0))
		if err != nil {
			return "", err
		}
		defer cli.Close()
		in := &obs.PutObjectInput{Body: bytes.NewReader(data)}
		in.Bucket, in.Key, in.ContentLength = x.Bucket, key, int64(len(data))
		_, err = cli.PutObject(in)
		var oe obs.ObsError
		if errors.As(err, &oe) {
			return oe.Code, err
		}
		return "", err
	case gateway.COS:
		u, err := url.Parse(x.Endpoint)
		if err != nil {
			return "", err
		}
		// COS drops the path of its BucketURL: a path-style RoundTripper
		// under the signer puts the bucket back (the emulator accepts a
		// signature over "/key").
		hc := &http.Client{Transport: &cos.AuthorizationTransport{SecretID: x.AccessKey, SecretKey: x.SecretKey,
			Transport: bucketPath{bucket: x.Bucket, next: http.DefaultTransport}}}
		cli := cos.NewClient(&cos.BaseURL{BucketURL: u}, hc)
		cli.Conf.RetryOpt.Count = 1
		_, err = cli.Object.Put(ctx, key, bytes.NewReader(data), &cos.ObjectPutOptions{
			ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{ContentLength: int64(len(data))},
		})
		var er *cos.ErrorResponse
		if errors.As(err, &er) {
			return er.Code, err
		}
		var re *cos.RetryError
		if errors.As(err, &re) {
			for _, e := range re.Errs {
				if errors.As(e, &er) {
					return er.Code, err
				}
			}
		}
		return "", err
	}
	return "", fmt.Errorf("no SDK for %s", d)
}

// bucketPath prefixes the request path with the bucket (COS path-style).
type bucketPath struct {
	bucket string
	next   http.RoundTripper
}

func (b bucketPath) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Path = "/" + b.bucket + r.URL.Path
	if r.URL.RawPath != "" {
		r.URL.RawPath = "/" + b.bucket + r.URL.RawPath
	}
	return b.next.RoundTrip(r)
}

// TestGatewayProcess starts `upload gateway` and, through its output and
// control API only: every vendor's SDK uploads through its emulator and the
// counters say so; a 31-minute clock offset makes every SDK get
// RequestTimeTooSkewed; a fault on TOS makes the upload command fail over
// to OSS; an interrupt stops the gateway and its MinIO.
func TestGatewayProcess(t *testing.T) {
	p := startGatewayProc(t, nil, "--bucket", "primary", "--bucket", "secondary")
	if len(p.info.Dialects) != 4 || p.info.Control == "" || p.info.MinIO == "" || p.info.PID != p.cmd.Process.Pid ||
		strings.Join(p.info.Buckets, ",") != "primary,secondary" || p.info.Token != "" {
		t.Fatalf("gateway info: %+v", p.info)
	}
	for _, d := range gateway.Dialects {
		x := p.info.Dialects[d]
		if !strings.HasPrefix(x.Endpoint, "http://127.0.0.1:") || x.Bucket != "primary" || x.AccessKey == "" || x.Region != gatewayRegions[d] {
			t.Errorf("%s: %+v", d, x)
		}
	}
	var served gatewayInfo
	p.ctl("GET", "/v1/info", "", 200, &served)
	if served.Control != p.info.Control || served.Dialects[gateway.COS] != p.info.Dialects[gateway.COS] {
		t.Errorf("GET /v1/info: %+v", served)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("sdks", func(t *testing.T) {
		p.ctl("DELETE", "/v1/all/counts", "", 200, nil)
		const n = 3
		for _, d := range gateway.Dialects {
			for i := range n {
				key := fmt.Sprintf("sdk/%s/%d", d, i)
				if code, err := sdkPut(ctx, d, p.info.Dialects[d], key, []byte(strings.Repeat(string(d), i+1))); err != nil {
					t.Errorf("%s SDK put %s: %s %v", d, key, code, err)
				}
			}
		}
		for _, d := range gateway.Dialects {
			c := p.counts(d)
			put := c.Ops[gateway.OpPut]
			if put.Requests != n || put.Forwarded != n || c.Total.Requests != n {
				t.Errorf("%s counters %+v, want %d PUTs forwarded and nothing else", d, c, n)
			}
		}
		// A multipart upload with the OSS SDK: each call counted by operation.
		p.ctl("DELETE", "/v1/oss/counts", "", 200, nil)
		x := p.info.Dialects[gateway.OSS]
		cli, err := oss.New(x.Endpoint, x.AccessKey, x.SecretKey, oss.AuthVersion(oss.AuthV4), oss.Region(x.Region))
		must(t, err)
		bkt, err := cli.Bucket(x.Bucket)
		must(t, err)
		imur, err := bkt.InitiateMultipartUpload("sdk/oss/multipart", oss.WithContext(ctx))
		must(t, err)
		var parts []oss.UploadPart
		for i, size := range []int{5 << 20, 1000} {
			up, err := bkt.UploadPart(imur, bytes.NewReader(bytes.Repeat([]byte{'m'}, size)), int64(size), i+1, oss.WithContext(ctx))
			must(t, err)
			parts = append(parts, up)
		}
		_, err = bkt.CompleteMultipartUpload(imur, parts, oss.WithContext(ctx))
		must(t, err)
		c := p.counts(gateway.OSS)
		if c.Ops[gateway.OpInitiate].Forwarded != 1 || c.Ops[gateway.OpUploadPart].Forwarded != 2 || c.Ops[gateway.OpComplete].Forwarded != 1 || c.Total.Requests != 4 {
			t.Errorf("OSS counters after initiate, 2 parts, complete: %+v", c)
		}
		got := p.objects("primary")
		if got["sdk/oss/multipart"] != 5<<20+1000 {
			t.Errorf("MinIO holds %d bytes for the multipart object", got["sdk/oss/multipart"])
		}
		for _, d := range gateway.Dialects {
			for i := range n {
				if size := got[fmt.Sprintf("sdk/%s/%d", d, i)]; size != int64(3*(i+1)) {
					t.Errorf("MinIO holds %d bytes for sdk/%s/%d", size, d, i)
				}
			}
		}
	})

	t.Run("skew", func(t *testing.T) {
		var clocks struct{ Clocks []map[string]any }
		p.ctl("PUT", "/v1/all/clock", `{"offset":"31m"}`, 200, &clocks)
		if len(clocks.Clocks) != 4 {
			t.Errorf("PUT /v1/all/clock: %+v", clocks)
		}
		for _, d := range gateway.Dialects {
			code, err := sdkPut(ctx, d, p.info.Dialects[d], "skew/"+string(d), []byte("x"))
			if code != "RequestTimeTooSkewed" {
				t.Errorf("%s SDK against a clock 31 min ahead: code %q, %v", d, code, err)
			}
		}
		p.ctl("DELETE", "/v1/all/clock", "", 200, nil)
		for _, d := range gateway.Dialects {
			if code, err := sdkPut(ctx, d, p.info.Dialects[d], "skew/"+string(d), []byte("x")); err != nil {
				t.Errorf("%s SDK after the clock was reset: %s %v", d, code, err)
			}
		}
	})

	t.Run("link", func(t *testing.T) {
		// A slow link on every emulator: the bytes of an upload cross it.
		var links struct{ Links []map[string]any }
		p.ctl("PUT", "/v1/all/link", `{"rtt":"20ms","bandwidth":"50MB"}`, 200, &links)
		if len(links.Links) != 4 || links.Links[0]["rtt"] != "20ms" {
			t.Errorf("PUT /v1/all/link: %+v", links)
		}
		body := make([]byte, 1<<20)
		if code, err := sdkPut(ctx, gateway.TOS, p.info.Dialects[gateway.TOS], "link/tos", body); err != nil {
			t.Fatalf("TOS SDK over the link: %s %v", code, err)
		}
		var l map[string]any
		p.ctl("GET", "/v1/tos/link", "", 200, &l)
		if up, _ := l["up_bytes"].(float64); up < float64(len(body)) || l["up_bytes_per_second"] != 5e7 {
			t.Errorf("GET /v1/tos/link after a 1 MiB PUT: %v; want at least %d bytes up at 50 MB/s", l, len(body))
		}
		p.ctl("DELETE", "/v1/all/link", "", 200, nil)
	})

	t.Run("failover", func(t *testing.T) {
		p.ctl("DELETE", "/v1/all/counts", "", 200, nil)
		var f struct {
			ID int `json:"id"`
		}
		p.ctl("POST", "/v1/tos/faults", `{"action":"internal_error","ops":["put","initiate"]}`, 201, &f)
		dir := t.TempDir()
		const files = 12
		writeBatch(t, filepath.Join(dir, "batch"), files)
		tosX, ossX := p.info.Dialects[gateway.TOS], p.info.Dialects[gateway.OSS]
		must(t, os.WriteFile(filepath.Join(dir, "upload.yaml"), []byte(fmt.Sprintf(`targets:
  - {name: tos, provider: tos, endpoint: '%s', region: %s, bucket: primary}
  - {name: oss, provider: oss, endpoint: '%s', region: %s, bucket: secondary}
retry: {attempts: 2, base_delay: 10ms, max_delay: 50ms}
`, tosX.Endpoint, tosX.Region, ossX.Endpoint, ossX.Region)), 0o600))
		env := map[string]string{
			"TOS_ACCESS_KEY": tosX.AccessKey, "TOS_SECRET_KEY": tosX.SecretKey,
			"OSS_ACCESS_KEY_ID": ossX.AccessKey, "OSS_ACCESS_KEY_SECRET": ossX.SecretKey,
		}
		cmd := cliCommand(t, dir, env, "--json", "--jobs", "2", "--prefix", "fo/", "batch")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		wait := startProcessGroup(t, cmd)
		if err := wait(); err != nil {
			t.Fatalf("upload: %v\n%s", err, stderr.String())
		}
		rep := parseReport(t, stdout.String())
		if rep.summary.Uploaded != files {
			t.Errorf("summary %+v", rep.summary)
		}
		for _, fr := range rep.files {
			if fr.Target != "oss" || fr.Status != statusUploaded {
				t.Errorf("%s: %s on %q", fr.Key, fr.Status, fr.Target)
			}
		}
		onTOS, onOSS := p.objects("primary"), p.objects("secondary")
		for k := range onTOS {
			if strings.HasPrefix(k, "fo/") {
				t.Errorf("%s is on the failing TOS target", k)
			}
		}
		n := 0
		for k := range onOSS {
			if strings.HasPrefix(k, "fo/") {
				n++
			}
		}
		if n != files {
			t.Errorf("MinIO holds %d of %d files via OSS", n, files)
		}
		// The counters match what was sent: one PUT per file on OSS; on TOS
		// only failed PUTs, each one a hit of the fault.
		ossC, tosC := p.counts(gateway.OSS), p.counts(gateway.TOS)
		if put := ossC.Ops[gateway.OpPut]; put.Requests != files || put.Forwarded != files {
			t.Errorf("OSS counters %+v, want %d PUTs forwarded", ossC, files)
		}
		var hits struct{ Hits int }
		p.ctl("GET", fmt.Sprintf("/v1/tos/faults/%d", f.ID), "", 200, &hits)
		attempts := 0
		for _, fr := range rep.files {
			for _, a := range fr.Attempts {
				if a.Target == "tos" && a.Status == 500 {
					attempts++
				}
			}
		}
		if put := tosC.Ops[gateway.OpPut]; put.Requests < 1 || put.Faulted != put.Requests || put.Forwarded != 0 ||
			hits.Hits != put.Requests || attempts != put.Requests {
			t.Errorf("TOS counters %+v, fault hits %d, attempts with 500 in the report %d: want them equal", tosC, hits.Hits, attempts)
		}
		p.ctl("DELETE", "/v1/tos/faults", "", 200, nil)
	})

	t.Run("bucket on demand", func(t *testing.T) {
		p.ctl("POST", "/v1/buckets", `{"name":"later-bucket"}`, 201, nil)
		p.ctl("POST", "/v1/buckets", `{"name":"later-bucket"}`, 201, nil) // exists: fine
		x := p.info.Dialects[gateway.OBS]
		x.Bucket = "later-bucket"
		if code, err := sdkPut(ctx, gateway.OBS, x, "k", []byte("v")); err != nil {
			t.Errorf("OBS put to a bucket made on demand: %s %v", code, err)
		}
	})

	// An interrupt stops the gateway (exit 0) and the MinIO it started.
	must(t, p.cmd.Process.Signal(syscall.SIGINT))
	if err := p.wait(); err != nil {
		t.Fatalf("upload gateway after SIGINT: %v\n%s", err, p.stderr)
	}
	if _, err := http.Get(p.info.MinIO + "/minio/health/live"); err == nil {
		t.Errorf("MinIO still answers at %s after the gateway stopped", p.info.MinIO)
	}
	if _, err := http.Get(p.info.Control + "/v1/info"); err == nil {
		t.Errorf("the control API still answers after the gateway stopped")
	}
}

// TestGatewayToken: with UPLOAD_GATEWAY_TOKEN set, the control API
// requires it, and the gateway never prints it.
func TestGatewayToken(t *testing.T) {
	const token = "fake-control-token-0123456789"
	p := startGatewayProc(t, map[string]string{"UPLOAD_GATEWAY_TOKEN": token})
	if p.info.Token != "" {
		t.Errorf("the token from the environment was printed: %+v", p.info)
	}
	req, _ := http.NewRequest("GET", p.info.Control+"/v1/tos/counts", nil)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || strings.Contains(string(b), token) {
		t.Errorf("without the token: %d %s", resp.StatusCode, b)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("with the token: %d", resp.StatusCode)
	}
	if strings.Contains(p.stderr.String(), token) {
		t.Errorf("the token is in the log:\n%s", p.stderr)
	}
}

// TestGatewayExistingMinIO: with --minio the gateway uses that server
// (its keys from MINIO_ROOT_USER and MINIO_ROOT_PASSWORD), creates the
// bucket there, and leaves the server running when it stops.
func TestGatewayExistingMinIO(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := miniotest.UniqueBucketName("existing")
	t.Cleanup(func() { _ = srv.RemoveBucket(context.Background(), bucket) })
	p := startGatewayProc(t, map[string]string{"MINIO_ROOT_USER": srv.AccessKey, "MINIO_ROOT_PASSWORD": srv.SecretKey},
		"--minio", srv.URL, "--bucket", bucket)
	if p.info.MinIO != srv.URL || p.info.Dialects[gateway.TOS].Bucket != bucket || p.info.MinIOAccessKey != "" || p.info.MinIOSecretKey != "" {
		t.Fatalf("info %+v", p.info)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if code, err := sdkPut(ctx, gateway.TOS, p.info.Dialects[gateway.TOS], "k", []byte("via tos")); err != nil {
		t.Fatalf("TOS SDK put: %s %v", code, err)
	}
	if got := listBucket(t, srv, bucket); got["k"] != 7 {
		t.Errorf("the MinIO given holds %v", got)
	}
	must(t, p.cmd.Process.Signal(syscall.SIGTERM))
	if err := p.wait(); err != nil {
		t.Fatalf("after SIGTERM: %v\n%s", err, p.stderr)
	}
	if ok, err := srv.Client().BucketExists(ctx, bucket); err != nil || !ok {
		t.Errorf("the MinIO given is not running any more after the gateway stopped: %v %v", ok, err)
	}
}

// readmeBlock returns the shell block of README.md between
// "<!-- name -->" and "<!-- /name -->", without its fences.
func readmeBlock(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	must(t, err)
	s := string(b)
	start, end := strings.Index(s, "<!-- "+name+" -->"), strings.Index(s, "<!-- /"+name+" -->")
	if start < 0 || end < start {
		t.Fatalf("README.md has no block between <!-- %s --> and <!-- /%s -->", name, name)
	}
	block := strings.TrimSpace(s[start+len("<!-- "+name+" -->") : end])
	if !strings.HasPrefix(block, "```sh\n") || !strings.HasSuffix(block, "\n```") {
		t.Fatalf("the README block %s is not one ```sh fence:\n%s", name, block)
	}
	return strings.TrimSuffix(strings.TrimPrefix(block, "```sh\n"), "```")
}

// TestREADMEGatewayExample runs the README's `upload gateway` session with
// bash, as written, with this test binary as the upload command on PATH.
func TestREADMEGatewayExample(t *testing.T) {
	script := readmeBlock(t, "gateway-example")
	needMinIO(t)
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README example needs %s: %v", tool, err)
		}
	}
	dir, bin := t.TempDir(), t.TempDir()
	self, err := os.Executable()
	must(t, err)
	must(t, os.Symlink(self, filepath.Join(bin, "upload")))
	cmd := exec.Command("bash", "-c", "set -euo pipefail\n"+script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "UPLOAD_CLI_TEST_MAIN=1", "HOME="+dir, "XDG_CONFIG_HOME=",
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	wait := startProcessGroup(t, cmd)
	done := make(chan error, 1)
	go func() { done <- wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the README example failed: %v\n%s", err, out)
		}
	case <-time.After(4 * time.Minute): // a bound, not a measurement
		t.Fatalf("the README example did not end within 4 minutes:\n%s", out)
	}
	t.Logf("README example output:\n%s", out)
	env, err := os.ReadFile(filepath.Join(dir, "gateway.env"))
	must(t, err)
	for _, want := range []string{"export TOS_ENDPOINT=http://127.0.0.1:", "export OSS_ACCESS_KEY_ID=", "export UPLOAD_GATEWAY_PID="} {
		if !strings.Contains(string(env), want) {
			t.Errorf("gateway.env lacks %q:\n%s", want, env)
		}
	}
	if !strings.Contains(out.String(), `"dialect":"tos"`) || !strings.Contains(out.String(), `"faulted":`) {
		t.Errorf("the TOS counters are not in the output:\n%s", out)
	}
}
