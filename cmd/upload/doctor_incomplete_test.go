package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

// startIncomplete starts multipart uploads of keys straight at MinIO and
// leaves them, as a run killed between initiate and complete does.
func startIncomplete(t *testing.T, srv *miniotest.Server, bucket string, keys ...string) map[string]string {
	t.Helper()
	core := minio.Core{Client: srv.Client()}
	ids := map[string]string{}
	for _, k := range keys {
		id, err := core.NewMultipartUpload(context.Background(), bucket, k, minio.PutObjectOptions{})
		must(t, err)
		ids[k] = id
	}
	return ids
}

// pendingKeys returns the keys of the multipart uploads MinIO holds.
func pendingKeys(t *testing.T, srv *miniotest.Server, bucket string) []string {
	t.Helper()
	var keys []string
	for u := range srv.Client().ListIncompleteUploads(context.Background(), bucket, "", true) {
		must(t, u.Err)
		keys = append(keys, u.Key)
	}
	return keys
}

func minioConfig(c *cli, srv *miniotest.Server, bucket string) {
	c.env["MINIO_AK"], c.env["MINIO_SK"] = srv.AccessKey, srv.SecretKey
	c.config(fmt.Sprintf(`targets:
  - {name: minio, provider: s3, endpoint: '%s', bucket: %s, access_key_id: '${MINIO_AK}', secret_access_key: '${MINIO_SK}'}
`, srv.URL, bucket))
}

// TestDoctorIncompleteExec runs doctor as a process against MinIO holding
// uploads left incomplete: it warns (exit 0) with their count under the
// prefix, the oldest, and the command that aborts them; --abort-incomplete
// with the default --older-than 24h keeps uploads started just now (a run
// may be using them); with none left, the check is ok.
func TestDoctorIncompleteExec(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "doctor-inc")
	c := newCLI(t)
	minioConfig(c, srv, bucket)
	run := func(args ...string) (int, string, string) {
		t.Helper()
		cmd := cliCommand(t, c.dir, c.env, args...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), out.String(), errb.String()
	}

	code, out, _ := run("doctor", "--target", "minio", "--prefix", "run/")
	if code != exitOK || !strings.Contains(out, "ok   incomplete: no incomplete multipart uploads under prefix \"run/\"") {
		t.Errorf("no uploads: exit %d\n%s", code, out)
	}

	startIncomplete(t, srv, bucket, "run/a")
	startIncomplete(t, srv, bucket, "run/b", "other/c")
	code, out, errOut := run("doctor", "--target", "minio", "--prefix", "run/")
	for _, w := range []string{
		`WARN incomplete: 2 incomplete multipart uploads under prefix "run/", the oldest (run/a) started at `,
		"their parts are stored and billed until aborted",
		"upload doctor --target minio --prefix run/ --abort-incomplete aborts those started more than 24h ago",
		"=> minio: passes",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("doctor does not say %q:\n%s%s", w, out, errOut)
		}
	}
	if code != exitOK {
		t.Errorf("a warning only: exit %d, want 0", code)
	}
	// With --to, the command given repeats the destination.
	c.env["AWS_ACCESS_KEY_ID"], c.env["AWS_SECRET_ACCESS_KEY"] = srv.AccessKey, srv.SecretKey
	dest := "s3://" + bucket + "?endpoint=" + url.QueryEscape(srv.URL)
	code, out, _ = run("doctor", "--to", dest, "--prefix", "run/")
	if w := "upload doctor --to " + shellQuote(dest) + " --target s3 --prefix run/ --abort-incomplete aborts"; code != exitOK || !strings.Contains(out, w) {
		t.Errorf("doctor --to: exit %d; does not say %q:\n%s", code, w, out)
	}
	// The destination's path is the prefix looked under, and --prefix
	// joins it as a directory, as in an upload.
	pathDest := "s3://" + bucket + "/run/?endpoint=" + url.QueryEscape(srv.URL)
	code, out, _ = run("doctor", "--to", pathDest)
	if w := "WARN incomplete: 2 incomplete multipart uploads under prefix \"run/\""; code != exitOK || !strings.Contains(out, w) ||
		!strings.Contains(out, "upload doctor --to "+shellQuote(pathDest)+" --target s3 --abort-incomplete aborts") {
		t.Errorf("doctor --to %s: exit %d; does not say %q and the command without --prefix:\n%s", pathDest, code, w, out)
	}
	code, out, _ = run("doctor", "--to", "s3://"+bucket+"/ru?endpoint="+url.QueryEscape(srv.URL), "--prefix", "n")
	if w := "ok   incomplete: no incomplete multipart uploads under prefix \"ru/n\""; code != exitOK || !strings.Contains(out, w) {
		t.Errorf("doctor --to .../ru --prefix n: exit %d; does not say %q:\n%s", code, w, out)
	}
	if strings.Contains(out+errOut, srv.SecretKey) {
		t.Error("doctor printed the secret")
	}

	// The whole bucket, as JSON.
	code, out, _ = run("doctor", "--json", "--target", "minio")
	var inc *finding
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var f finding
		must(t, json.Unmarshal([]byte(line), &f))
		if f.Check == "incomplete" {
			inc = &f
		}
	}
	if code != exitOK || inc == nil || inc.Status != "warn" || !strings.HasPrefix(inc.Message, "3 incomplete multipart uploads under the bucket") {
		t.Errorf("--json: exit %d, %+v", code, inc)
	}

	// Uploads started just now are younger than 24h: kept.
	code, out, _ = run("doctor", "--target", "minio", "--prefix", "run/", "--abort-incomplete")
	if code != exitOK || !strings.Contains(out, "aborted 0 started more than 24h0m0s ago, kept 2 younger (a run may be using them)") {
		t.Errorf("--abort-incomplete: exit %d\n%s", code, out)
	}
	if n := len(pendingKeys(t, srv, bucket)); n != 3 {
		t.Errorf("MinIO holds %d pending uploads, want 3", n)
	}
	if code, _, errOut := run("doctor", "--older-than", "-1h"); code != exitUsage || !strings.Contains(errOut, "--older-than") {
		t.Errorf("a negative --older-than: exit %d\n%s", code, errOut)
	}
}

// TestDoctorAbortIncomplete: with the command's clock two days ahead of
// the uploads' start, --abort-incomplete aborts the uploads under the
// prefix and nothing else; the next look finds none there. An upload whose
// start is after the cut-off (the clock set back) is kept.
func TestDoctorAbortIncomplete(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "doctor-abort")
	c := newCLI(t)
	minioConfig(c, srv, bucket)
	startIncomplete(t, srv, bucket, "run/a", "run/b", "other/c")
	cfg, err := loadConfig("upload.yaml", func(k string) (string, bool) { v, ok := c.env[k]; return v, ok })
	must(t, err)
	tc := cfg.AllTargets()[0]
	b, err := newBackend(tc, cfg, overrides{})
	must(t, err)
	defer b.Close()
	lister, ok := b.(uploader.MultipartLister)
	if !ok {
		t.Fatal("the s3 backend is no MultipartLister")
	}
	a := newApp(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	df := &doctorFlags{timeout: 10 * time.Second, inc: incompleteFlags{prefix: "run/", abort: true, olderThan: 24 * time.Hour}}
	ctx := context.Background()

	real := time.Now()
	a.now = func() time.Time { return real.Add(-48 * time.Hour) }
	f := a.checkIncomplete(ctx, b, lister, tc, df)
	if f.Status != "warn" || !strings.Contains(f.Message, "aborted 0 started more than 24h0m0s ago, kept 2 younger") {
		t.Errorf("clock set back: %+v", f)
	}
	a.now = func() time.Time { return real.Add(48 * time.Hour) }
	f = a.checkIncomplete(ctx, b, lister, tc, df)
	if f.Status != "ok" || !strings.Contains(f.Message, "2 incomplete multipart uploads under prefix \"run/\"") ||
		!strings.Contains(f.Message, "aborted 2 started more than 24h0m0s ago") || strings.Contains(f.Message, "kept") {
		t.Errorf("two days later: %+v", f)
	}
	if keys := pendingKeys(t, srv, bucket); len(keys) != 1 || keys[0] != "other/c" {
		t.Errorf("MinIO holds the uploads of %q, want only other/c", keys)
	}
	df.inc.abort = false
	if f := a.checkIncomplete(ctx, b, lister, tc, df); f.Status != "ok" || f.Message != "no incomplete multipart uploads under prefix \"run/\"" {
		t.Errorf("after the abort: %+v", f)
	}
}

func TestStarted(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		at, now time.Time
		want    string
	}{
		{at, at.Add(90 * time.Minute), "at 2026-01-02T03:04:05Z (1h30m0s ago)"},
		{at, at.Add(-time.Minute), "at 2026-01-02T03:04:05Z (just now by our clock)"},
		{time.Time{}, at, "at a time the server does not say"},
	} {
		if got := started(tc.at, tc.now); got != tc.want {
			t.Errorf("started(%v, %v) = %q, want %q", tc.at, tc.now, got, tc.want)
		}
	}
}

// fakeIncomplete is a backend that lists ups (or fails with listErr) and
// fails the abort of the keys in abortErr.
type fakeIncomplete struct {
	ups      []uploader.IncompleteUpload
	listErr  error
	abortErr map[string]error
	aborted  []string
}

func (f *fakeIncomplete) Name() string { return "fake" }
func (f *fakeIncomplete) Put(context.Context, uploader.Object) (uploader.Result, error) {
	return uploader.Result{}, errors.New("not used")
}
func (f *fakeIncomplete) ErrorKind(error) uploader.Kind { return uploader.Unknown }
func (f *fakeIncomplete) Close() error                  { return nil }
func (f *fakeIncomplete) ListIncomplete(context.Context, string) ([]uploader.IncompleteUpload, error) {
	return f.ups, f.listErr
}
func (f *fakeIncomplete) AbortIncomplete(_ context.Context, key, _ string) error {
	if err := f.abortErr[key]; err != nil {
		return err
	}
	f.aborted = append(f.aborted, key)
	return nil
}

// TestCheckIncompleteFailures: a list refused is a WARN naming the error
// and its remedy; an abort refused is a FAIL naming the key, after the
// others were aborted; an upload without a start time is never aborted.
func TestCheckIncompleteFailures(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a := newApp(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	a.now = func() time.Time { return now }
	tc := &targetConfig{Name: "fake"}
	df := &doctorFlags{timeout: time.Second, inc: incompleteFlags{olderThan: 24 * time.Hour}}

	denied := &uploader.Error{Kind: uploader.AccessDenied, Status: 403, Code: "AccessDenied", Message: "access denied",
		Hints: []string{"grant ListMultipartUploads"}}
	fb := &fakeIncomplete{listErr: denied}
	f := a.checkIncomplete(context.Background(), fb, fb, tc, df)
	if f.Status != "warn" || !strings.HasPrefix(f.Message, "could not list the incomplete multipart uploads: ") || f.Remedy != "grant ListMultipartUploads" {
		t.Errorf("list refused: %+v", f)
	}

	old := now.Add(-48 * time.Hour)
	fb = &fakeIncomplete{
		ups: []uploader.IncompleteUpload{{Key: "x/1", UploadID: "1", Initiated: old}, {Key: "x/2", UploadID: "2", Initiated: old},
			{Key: "x/undated", UploadID: "3"}},
		abortErr: map[string]error{"x/1": denied},
	}
	df.inc.abort = true
	f = a.checkIncomplete(context.Background(), fb, fb, tc, df)
	if f.Status != "fail" || !strings.Contains(f.Message, "aborted 1 started more than 24h0m0s ago, kept 1 younger") ||
		!strings.Contains(f.Message, "1 could not be aborted (x/1)") || len(fb.aborted) != 1 || fb.aborted[0] != "x/2" {
		t.Errorf("abort refused: %+v, aborted %q", f, fb.aborted)
	}
}
