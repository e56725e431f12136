package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// execCLI runs the command as a child process (see cliCommand) in dir,
// with stdin, and returns its exit status and output.
func execCLI(t *testing.T, dir string, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	cmd := cliCommand(t, dir, env, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running upload %v: %v", args, err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// TestPrefixJoinsLikeDirectory: --prefix and the relative key meet with
// exactly one "/", whether or not the prefix ends with one.
func TestPrefixJoinsLikeDirectory(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"index.html": "<p>", "site/a/b.txt": "b"})
	for _, tc := range []struct {
		prefix string
		args   []string
		want   []string
	}{
		{"backups/2026", []string{"index.html"}, []string{"backups/2026/index.html"}},
		{"backups/2026/", []string{"index.html"}, []string{"backups/2026/index.html"}},
		{"backups//", []string{"site"}, []string{"backups/a/b.txt"}},
		{"p", []string{"-"}, []string{"p/site/a/b.txt"}},
	} {
		args := append([]string{"--json", "--dry-run", "--prefix", tc.prefix}, tc.args...)
		r := execCLI(t, dir, nil, "./site/a/b.txt\n", args...)
		rep := parseReport(t, r.stdout)
		got := keys(rep.byKey)
		if r.code != exitOK || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("--prefix %q %v: exit %d, keys %q, want %q\n%s", tc.prefix, tc.args, r.code, got, tc.want, r.stderr)
		}
	}
	// A real upload to the default local store keeps the joined key.
	r := execCLI(t, dir, nil, "", "--json", "--prefix", "backups/2026", "index.html")
	if _, ok := readLocal(t, filepath.Join(dir, "uploads"), "backups/2026/index.html"); r.code != exitOK || !ok {
		t.Errorf("upload --prefix backups/2026 index.html: exit %d, stored under backups/2026/index.html: %v\n%s", r.code, ok, r.stderr)
	}
}

// TestDryRunListsAndWritesNothing: a dry run lists each planned upload
// (path -> target key size; status would_upload in --json), tells files
// already stored (skipped) apart, and creates nothing: no ./uploads, no
// state file.
func TestDryRunListsAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"d/a.txt": "a", "d/sub/b.bin": "bb"})
	r := execCLI(t, dir, nil, "", "--dry-run", "--state", "st", "d")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, w := range []string{"d/a.txt -> local a.txt 1\n", "d/sub/b.bin -> local sub/b.bin 2\n"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("the dry run does not list %q:\n%s", w, r.stdout)
		}
	}
	for _, p := range []string{"uploads", "st"} {
		if _, err := os.Stat(filepath.Join(dir, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the dry run created %s (%v)", p, err)
		}
	}
	r = execCLI(t, dir, nil, "", "--dry-run", "--json", "d")
	rep := parseReport(t, r.stdout)
	for _, k := range []string{"a.txt", "sub/b.bin"} {
		if f := rep.byKey[k]; f.Status != statusWouldUpload || f.Target != "local" {
			t.Errorf("%s: status %q target %q, want would_upload on local", k, f.Status, f.Target)
		}
	}
	if rep.summary.Skipped != 0 || rep.summary.WouldUpload != 2 {
		t.Errorf("summary %+v", rep.summary)
	}
	if _, err := os.Stat(filepath.Join(dir, "uploads")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the --json dry run created ./uploads (%v)", err)
	}

	// After a real upload with --state, the dry run calls a's copy skipped
	// and lists only the changed file; the journal is left as it was.
	if r := execCLI(t, dir, nil, "", "--state", "st", "d"); r.code != exitOK {
		t.Fatalf("upload: exit %d\n%s", r.code, r.stderr)
	}
	before, err := os.ReadFile(filepath.Join(dir, "st"))
	must(t, err)
	writeTree(t, dir, map[string]string{"d/sub/b.bin": "changed"})
	r = execCLI(t, dir, nil, "", "--dry-run", "--json", "--state", "st", "d")
	rep = parseReport(t, r.stdout)
	if rep.byKey["a.txt"].Status != statusSkipped || rep.byKey["sub/b.bin"].Status != statusWouldUpload {
		t.Errorf("dry run after an upload: a.txt %q, sub/b.bin %q", rep.byKey["a.txt"].Status, rep.byKey["sub/b.bin"].Status)
	}
	after, err := os.ReadFile(filepath.Join(dir, "st"))
	must(t, err)
	if string(before) != string(after) {
		t.Errorf("the dry run changed the journal")
	}

	// A cloud target with a local backup: the plan names the cloud target,
	// and the backup directory is not created.
	writeTree(t, dir, map[string]string{"upload.yaml": "targets:\n  - {name: cloud, provider: s3, endpoint: 'http://127.0.0.1:9', bucket: bkt, anonymous: true}\nbackup: ./bk\n"})
	r = execCLI(t, dir, nil, "", "--dry-run", "d")
	if r.code != exitOK || !strings.Contains(r.stdout, "d/a.txt -> cloud a.txt 1\n") {
		t.Errorf("dry run with a cloud target: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "bk")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dry run created the backup directory (%v)", err)
	}
}

// TestDoctorBucketAndKeyForm: doctor does not call a missing bucket
// reachable, and does not warn about the length of an S3 (MinIO) secret,
// a format no vendor defines.
func TestDoctorBucketAndKeyForm(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "doc")
	dir := t.TempDir()
	env := map[string]string{"MINIO_AK": srv.AccessKey, "MINIO_SK": srv.SecretKey, "SHORT_SK": "short"}
	writeTree(t, dir, map[string]string{"upload.yaml": fmt.Sprintf(`targets:
  - {name: present, provider: s3, endpoint: '%s', bucket: %s, access_key_id: '${MINIO_AK}', secret_access_key: '${MINIO_SK}'}
  - {name: missing, provider: s3, endpoint: '%s', bucket: no-such-bucket-here, access_key_id: '${MINIO_AK}', secret_access_key: '${MINIO_SK}'}
  - {name: shortkey, provider: s3, endpoint: '%s', bucket: %s, access_key_id: '${MINIO_AK}', secret_access_key: '${SHORT_SK}'}
`, srv.URL, bucket, srv.URL, srv.URL, bucket)})
	r := execCLI(t, dir, env, "", "doctor")
	t.Logf("doctor:\n%s", r.stdout)
	if r.code != exitFailed {
		t.Errorf("exit %d, want 1", r.code)
	}
	section := func(name string) string {
		i := strings.Index(r.stdout, name+" (")
		j := strings.Index(r.stdout[max(i, 0):], "=> "+name)
		if i < 0 || j < 0 {
			t.Fatalf("no section for %s", name)
		}
		return r.stdout[i : i+j]
	}
	if s := section("present"); !strings.Contains(s, "ok   bucket: bucket") {
		t.Errorf("present: the bucket check does not pass:\n%s", s)
	}
	if s := section("missing"); strings.Contains(s, "reachable") || !strings.Contains(s, "FAIL bucket:") || !strings.Contains(s, "NoSuchBucket") {
		t.Errorf("missing: the bucket check does not fail with NoSuchBucket:\n%s", s)
	}
	if s := section("shortkey"); strings.Contains(s, "secret is only") {
		t.Errorf("shortkey: a secret-length warning for an S3 key:\n%s", s)
	}
	if strings.Contains(r.stdout+r.stderr, srv.SecretKey) {
		t.Error("doctor printed a secret")
	}
}

// TestConventions: --version and upload version tell the module, the Go
// and SDK versions from the build information; upload completion writes
// each shell's script; a first argument that is no file but is close to
// a command name is a usage error with a suggestion, not a file stored
// nowhere. A real file of that name is still uploaded.
func TestConventions(t *testing.T) {
	dir := t.TempDir()
	r := execCLI(t, dir, nil, "", "--version")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "upload ") || !strings.Contains(r.stdout, "go1.") {
		t.Errorf("--version: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = execCLI(t, dir, nil, "", "version")
	for _, w := range []string{"upload ", "go: go1.", "github.com/volcengine/ve-tos-golang-sdk/v2 v", "github.com/aliyun/aliyun-oss-go-sdk v",
		"github.com/huaweicloud/huaweicloud-sdk-go-obs v", "github.com/tencentyun/cos-go-sdk-v5 v", "github.com/minio/minio-go/v7 v"} {
		if r.code != exitOK || !strings.Contains(r.stdout, w) {
			t.Errorf("upload version: exit %d, does not say %q:\n%s%s", r.code, w, r.stdout, r.stderr)
		}
	}
	for shell, w := range map[string]string{"bash": "complete -o default -F __start_upload upload", "zsh": "#compdef upload",
		"fish": "complete -c upload", "powershell": "Register-ArgumentCompleter"} {
		if r := execCLI(t, dir, nil, "", "completion", shell); r.code != exitOK || !strings.Contains(r.stdout, w) {
			t.Errorf("upload completion %s: exit %d, no %q\n%s", shell, r.code, w, r.stderr)
		}
	}
	for arg, w := range map[string]string{"docter": "did you mean \"doctor\"?", "drian": "did you mean \"drain\"?", "versoin": "did you mean \"version\"?"} {
		r := execCLI(t, dir, nil, "", arg)
		if r.code != exitUsage || !strings.Contains(r.stderr, w) || strings.Contains(r.stderr, "stored nowhere") {
			t.Errorf("upload %s: exit %d, want 2 and %q:\n%s", arg, r.code, w, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "uploads")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a mistyped command created ./uploads (%v)", err)
	}
	writeTree(t, dir, map[string]string{"docter": "a file"})
	if r := execCLI(t, dir, nil, "", "--json", "docter"); r.code != exitOK || parseReport(t, r.stdout).byKey["docter"].Status != statusUploaded {
		t.Errorf("upload docter (a file): exit %d\n%s", r.code, r.stderr)
	}
}

// TestFilters: --include, --exclude (with **), --exclude-from, --min-size
// and --max-size select the same files in a directory walk and in a list
// read from standard input, with the documented precedence; a dry run
// shows the selection; mistakes are usage errors naming the flag.
func TestFilters(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"site/index.html": "<html>", "site/.DS_Store": "junk", "site/css/a.css": "body{}",
		"site/node_modules/x/y.js": "js", "site/logs/2026/01/a.log": "log", "site/logs/keep.txt": "keep",
		"site/big.html": strings.Repeat("b", 3000), "site/empty.html": "", "site/draft.tmp.html": "<p>",
		"ignore.txt": "# comments and blank lines are skipped\n\nnode_modules\n*.tmp.html\n",
	})
	filters := func(ignore string) []string {
		return []string{"--dry-run", "--json", "--include", "*.html", "--include", "logs/**", "--exclude", ".DS_Store",
			"--exclude", "logs/**/*.log", "--exclude-from", ignore, "--min-size", "1", "--max-size", "2KiB"}
	}
	args := filters("ignore.txt")
	want := "index.html,logs/keep.txt"
	r := execCLI(t, dir, nil, "", append(args, "site")...)
	rep := parseReport(t, r.stdout)
	if got := strings.Join(keys(rep.byKey), ","); r.code != exitOK || got != want {
		t.Errorf("directory walk: exit %d, keys %s, want %s\n%s", r.code, got, want, r.stderr)
	}
	// node_modules is not walked: its file is not counted.
	if rep.summary.Filtered != 6 || rep.summary.WouldUpload != 2 {
		t.Errorf("summary: filtered %d would_upload %d, want 6 and 2", rep.summary.Filtered, rep.summary.WouldUpload)
	}
	// The same list on standard input, relative to the walk's root.
	var list strings.Builder
	for _, rel := range []string{"index.html", ".DS_Store", "css/a.css", "node_modules/x/y.js", "logs/2026/01/a.log",
		"logs/keep.txt", "big.html", "empty.html", "draft.tmp.html"} {
		list.WriteString(rel + "\n")
	}
	r = execCLI(t, filepath.Join(dir, "site"), nil, list.String(), append(filters("../ignore.txt"), "-")...)
	rep = parseReport(t, r.stdout)
	if rep.summary.Filtered != 7 {
		t.Errorf("standard input: filtered %d, want 7", rep.summary.Filtered)
	}
	if got := strings.Join(keys(rep.byKey), ","); r.code != exitOK || got != want {
		t.Errorf("standard input: exit %d, keys %s, want %s\n%s", r.code, got, want, r.stderr)
	}
	// Without --json the dry run lists the selection.
	r = execCLI(t, dir, nil, "", "--dry-run", "--exclude", "**/*.log", "--exclude", "node_modules", "--exclude", ".DS_Store", "--prefix", "www", "site")
	if !strings.Contains(r.stdout, "site/css/a.css -> local www/css/a.css 6\n") || strings.Contains(r.stdout, ".log") ||
		strings.Contains(r.stdout, "y.js") || !strings.Contains(r.stderr, "2 files left out by the filters") {
		t.Errorf("dry run listing:\n%s\n%s", r.stdout, r.stderr)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--include", "[a-", "site"}, `--include "[a-": not a valid glob`},
		{[]string{"--exclude-from", "nope.txt", "site"}, "--exclude-from nope.txt: no such file"},
		{[]string{"--min-size", "2K", "--max-size", "1K", "site"}, "--max-size 1K is below --min-size 2K"},
		{[]string{"--max-size", "lots", "site"}, "--max-size"},
	} {
		if r := execCLI(t, dir, nil, "", tc.args...); r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("upload %q: exit %d, want 2 and %q:\n%s", tc.args, r.code, tc.want, r.stderr)
		}
	}
}

// TestContentTypeAndMetadata: the Content-Type comes from the extension
// (none for an unknown one) unless --content-type overrides it, and
// --metadata is stored; a HEAD on MinIO shows both.
func TestContentTypeAndMetadata(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "ctype")
	dir := t.TempDir()
	env := map[string]string{"MINIO_AK": srv.AccessKey, "MINIO_SK": srv.SecretKey}
	writeTree(t, dir, map[string]string{
		"upload.yaml":     fmt.Sprintf("targets:\n  - {name: minio, provider: s3, endpoint: '%s', bucket: %s, access_key_id: '${MINIO_AK}', secret_access_key: '${MINIO_SK}'}\n", srv.URL, bucket),
		"site/index.html": "<p>", "site/style.css": "p{}", "site/data.zzunknown": "?",
	})
	if r := execCLI(t, dir, env, "", "--metadata", "Owner=ops", "--metadata", "build=42", "site"); r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	head := func(key string) minio.ObjectInfo {
		oi, err := srv.Client().StatObject(context.Background(), bucket, key, minio.StatObjectOptions{})
		must(t, err)
		return oi
	}
	// An unknown extension gets no type from us: minio-go's default.
	for key, want := range map[string]string{"index.html": "text/html; charset=utf-8", "style.css": "text/css; charset=utf-8",
		"data.zzunknown": "application/octet-stream"} {
		oi := head(key)
		if oi.ContentType != want || oi.UserMetadata["Owner"] != "ops" || oi.UserMetadata["Build"] != "42" {
			t.Errorf("%s: Content-Type %q metadata %v, want %q with owner=ops, build=42", key, oi.ContentType, oi.UserMetadata, want)
		}
	}
	if r := execCLI(t, dir, env, "", "--content-type", "text/plain", "--prefix", "plain", "site/index.html"); r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if ct := head("plain/index.html").ContentType; ct != "text/plain" {
		t.Errorf("--content-type text/plain: stored as %q", ct)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--metadata", "novalue", "site"}, `--metadata "novalue": want KEY=VALUE`},
		{[]string{"--metadata", "a b=c", "site"}, "the key may hold only"},
		{[]string{"--metadata", "k=\x01", "site"}, "printable ASCII"},
	} {
		if r := execCLI(t, dir, env, "", tc.args...); r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("upload %q: exit %d, want 2 and %q:\n%s", tc.args, r.code, tc.want, r.stderr)
		}
	}
}

// TestReportErrorObject: a failed file's "error" in --json is an object
// {kind, code, status, message, request_id, hints}: the server's code,
// status and request ID for a refusal (a wrong secret on MinIO), the kind
// "invalid" for a file that cannot be read. A successful attempt on MinIO
// carries the reply's status and request ID.
func TestReportErrorObject(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "errobj")
	dir := t.TempDir()
	env := map[string]string{"MINIO_AK": srv.AccessKey, "MINIO_SK": srv.SecretKey, "BAD_SK": "not-the-minio-secret-0123456789"}
	conf := func(secretVar string) {
		writeTree(t, dir, map[string]string{"upload.yaml": fmt.Sprintf("targets:\n  - {name: minio, provider: s3, endpoint: '%s', bucket: %s, access_key_id: '${MINIO_AK}', secret_access_key: '${%s}'}\nretry: {attempts: 1}\n", srv.URL, bucket, secretVar)})
	}
	writeTree(t, dir, map[string]string{"f.txt": "x"})
	conf("BAD_SK")
	r := execCLI(t, dir, env, "", "--json", "f.txt", "missing.txt")
	if r.code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	var raw map[string]map[string]any
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var probe struct {
			Key   string         `json:"key"`
			Error map[string]any `json:"error"`
		}
		must(t, json.Unmarshal([]byte(line), &probe))
		if probe.Key != "" {
			if raw == nil {
				raw = map[string]map[string]any{}
			}
			raw[probe.Key] = probe.Error
		}
	}
	for key, e := range raw {
		if got := strings.Join(keys(e), ","); got != "code,hints,kind,message,request_id,status" {
			t.Errorf("%s: error has keys %s", key, got)
		}
	}
	rep := parseReport(t, r.stdout)
	if e := rep.byKey["f.txt"].Error; e == nil || e.Kind != "signature_mismatch" || e.Code != "SignatureDoesNotMatch" || e.Status != 403 ||
		e.RequestID == "" || len(e.Hints) == 0 || !strings.Contains(e.Message, "SignatureDoesNotMatch") {
		t.Errorf("refused file: error %+v", e)
	}
	if e := rep.byKey["missing.txt"].Error; e == nil || e.Kind != "invalid" || e.Status != 0 || !strings.Contains(e.Message, "no such file") || e.Hints == nil {
		t.Errorf("missing file: error %+v", e)
	}
	if strings.Contains(r.stdout+r.stderr, "not-the-minio-secret") {
		t.Error("the report holds the secret")
	}

	conf("MINIO_SK")
	r = execCLI(t, dir, env, "", "--json", "f.txt")
	rep = parseReport(t, r.stdout)
	f := rep.byKey["f.txt"]
	if r.code != exitOK || f.Error != nil || len(f.Attempts) != 1 {
		t.Fatalf("upload: exit %d, %+v\n%s", r.code, f, r.stderr)
	}
	if a := f.Attempts[0]; a.Kind != "ok" || a.Status != 200 || a.RequestID == "" {
		t.Errorf("successful attempt: %+v, want status 200 and a request ID", a)
	}
}

// TestDoctorMissingBucketDialects: through the TOS, OSS, OBS and COS
// dialects of the gateway, doctor's bucket check lists one entry, so a
// missing bucket fails with NoSuchBucket and an existing one passes.
func TestDoctorMissingBucketDialects(t *testing.T) {
	srv := miniotest.Shared(t)
	dir := t.TempDir()
	env := map[string]string{}
	var conf strings.Builder
	conf.WriteString("targets:\n")
	for _, d := range []struct {
		dialect  gateway.Dialect
		provider string
		extra    string
	}{{gateway.TOS, "tos", "region: cn-beijing"}, {gateway.OSS, "oss", "region: cn-hangzhou"}, {gateway.OBS, "obs", "path_style: true"}, {gateway.COS, "cos", "region: ap-guangzhou, path_style: true"}} {
		gw, url := startGateway(t, srv, d.dialect, nil)
		ak, sk := gw.Credentials()
		env[strings.ToUpper(d.provider)+"_GW_AK"], env[strings.ToUpper(d.provider)+"_GW_SK"] = ak, sk
		present := d.provider + "-doc-1250000000"
		must(t, srv.MakeBucket(context.Background(), present))
		t.Cleanup(func() { srv.RemoveBucket(context.Background(), present) })
		for name, bucket := range map[string]string{"present": present, "missing": "no-such-bucket-1250000000"} {
			fmt.Fprintf(&conf, "  - {name: %s-%s, provider: %s, endpoint: '%s', bucket: %s, %s, access_key_id: '${%s_GW_AK}', secret_access_key: '${%s_GW_SK}'}\n",
				d.provider, name, d.provider, url, bucket, d.extra, strings.ToUpper(d.provider), strings.ToUpper(d.provider))
		}
	}
	writeTree(t, dir, map[string]string{"upload.yaml": conf.String()})
	r := execCLI(t, dir, env, "", "doctor")
	t.Logf("doctor:\n%s%s", r.stdout, r.stderr)
	for _, p := range []string{"tos", "oss", "obs", "cos"} {
		sec := func(name string) string { return doctorSection(t, r.stdout, name) }
		if s := sec(p + "-present"); !strings.Contains(s, "ok   bucket: bucket") || !strings.Contains(s, "exists and can be listed") {
			t.Errorf("%s-present: the bucket check does not pass:\n%s", p, s)
		}
		if s := sec(p + "-missing"); !strings.Contains(s, "FAIL bucket:") || !strings.Contains(s, "NoSuchBucket") {
			t.Errorf("%s-missing: the bucket check does not fail with NoSuchBucket:\n%s", p, s)
		}
	}
}

// TestSuccessfulAttemptReply: on every cloud dialect, the successful
// attempt of a single PUT, and of a multipart upload (the complete
// request's reply), carries the reply's status and request ID.
func TestSuccessfulAttemptReply(t *testing.T) {
	srv := miniotest.Shared(t)
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"f.txt": "hello"})
	writeRandom(t, filepath.Join(dir, "big.bin"), 6<<20, 7)
	for _, d := range []struct {
		dialect  gateway.Dialect
		provider string
		extra    string
	}{{gateway.TOS, "tos", "region: cn-beijing"}, {gateway.OSS, "oss", "region: cn-hangzhou"}, {gateway.OBS, "obs", "path_style: true"},
		{gateway.COS, "cos", "region: ap-guangzhou, path_style: true"}} {
		gw, url := startGateway(t, srv, d.dialect, nil)
		ak, sk := gw.Credentials()
		bucket := d.provider + "-reply-1250000000"
		must(t, srv.MakeBucket(context.Background(), bucket))
		t.Cleanup(func() { srv.RemoveBucket(context.Background(), bucket) })
		writeTree(t, dir, map[string]string{"upload.yaml": fmt.Sprintf("targets:\n  - {name: gw, provider: %s, endpoint: '%s', bucket: %s, %s, access_key_id: '${GW_AK}', secret_access_key: '${GW_SK}', multipart_threshold: 5MiB, part_size: 5MiB}\n",
			d.provider, url, bucket, d.extra)})
		r := execCLI(t, dir, map[string]string{"GW_AK": ak, "GW_SK": sk}, "", "--json", "f.txt", "big.bin")
		rep := parseReport(t, r.stdout)
		for _, key := range []string{"f.txt", "big.bin"} {
			f := rep.byKey[key]
			if r.code != exitOK || len(f.Attempts) == 0 {
				t.Errorf("%s %s: exit %d, %+v\n%s", d.provider, key, r.code, f, r.stderr)
				continue
			}
			if a := f.Attempts[len(f.Attempts)-1]; a.Kind != "ok" || a.Status != 200 || a.RequestID == "" {
				t.Errorf("%s %s: successful attempt %+v, want status 200 and a request ID", d.provider, key, a)
			}
		}
	}
}

// TestVersionText: the commit line of upload version and --version, from
// the version control settings a release build carries.
func TestVersionText(t *testing.T) {
	bi := buildInfo{Module: "github.com/resilient-upload/upload", Version: "v1.2.3", Revision: "0123456789abcdef0123",
		Time: "2026-12-01T10:00:00Z", Modified: true, Go: "go1.26.0", SDKs: [][2]string{{"github.com/minio/minio-go/v7", "v7.4.1"}}}
	var b strings.Builder
	bi.write(&b)
	want := "upload github.com/resilient-upload/upload v1.2.3\ncommit: 0123456789abcdef0123 (2026-12-01T10:00:00Z) with local changes\ngo: go1.26.0\nsdks:\n  github.com/minio/minio-go/v7 v7.4.1\n"
	if b.String() != want {
		t.Errorf("upload version:\n%s\nwant:\n%s", b.String(), want)
	}
	if got := bi.short(); got != "upload v1.2.3 (0123456789ab, modified) go1.26.0" {
		t.Errorf("--version: %q", got)
	}
}
