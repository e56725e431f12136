package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/local"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// TestMain lets the test binary act as the upload command when
// UPLOAD_CLI_TEST_MAIN=1, so exec tests (signals, exit statuses) run the
// real main without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("UPLOAD_CLI_TEST_MAIN") == "1" {
		os.Exit(realMain())
	}
	os.Exit(miniotest.RunMain(m))
}

// cli runs the command in-process in a working directory of its own.
type cli struct {
	t   *testing.T
	dir string
	env map[string]string
	// stdin, signals and ctx are used by the next run.
	stdin   string
	signals chan os.Signal
	ctx     context.Context
	// mod adjusts the app before a run.
	mod func(*app)
}

// newCLI makes a temporary working directory, changes into it (so the
// default ./upload.yaml and ./uploads are its own) and returns a cli with
// an environment that has no configuration and no credentials.
func newCLI(t *testing.T) *cli {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	return &cli{t: t, dir: dir, env: map[string]string{"HOME": dir}}
}

type result struct {
	code           int
	stdout, stderr string
}

func (c *cli) run(args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	a := newApp(strings.NewReader(c.stdin), &out, &errb)
	a.getenv = func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
	if c.signals != nil {
		a.signals = c.signals
	}
	if c.mod != nil {
		c.mod(a)
	}
	ctx := c.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	code := a.run(ctx, args)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// write creates files under the working directory.
func (c *cli) write(files map[string]string) {
	c.t.Helper()
	writeTree(c.t, c.dir, files)
}

func writeTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for rel, body := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// config writes ./upload.yaml.
func (c *cli) config(yaml string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, "upload.yaml"), []byte(yaml), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// report is a parsed --json report.
type report struct {
	files   []fileReport
	byKey   map[string]fileReport
	summary summaryBody
}

func parseReport(t testing.TB, s string) report {
	t.Helper()
	r := report{byKey: map[string]fileReport{}}
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	gotSummary := false
	for sc.Scan() {
		line := sc.Bytes()
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(line, &probe); err != nil {
			t.Fatalf("report line %q: %v", line, err)
		}
		if raw, ok := probe["summary"]; ok {
			if err := json.Unmarshal(raw, &r.summary); err != nil {
				t.Fatal(err)
			}
			gotSummary = true
			continue
		}
		want := []string{"path", "key", "size", "status", "target", "provider", "url", "etag", "md5", "crc32c", "attempts", "error"}
		optional := 0 // keys present only when they say something
		for _, k := range []string{"unverified", "may_have_landed", "parts"} {
			if _, ok := probe[k]; ok {
				optional++
			}
		}
		if len(probe)-optional != len(want) {
			t.Errorf("report line has keys %v, want exactly %v", keys(probe), want)
		}
		for _, k := range want {
			if _, ok := probe[k]; !ok {
				t.Errorf("report line %s lacks %q", line, k)
			}
		}
		var f fileReport
		if err := json.Unmarshal(line, &f); err != nil {
			t.Fatal(err)
		}
		r.files = append(r.files, f)
		r.byKey[f.Key] = f
	}
	if !gotSummary {
		t.Fatalf("the report has no summary line:\n%s", s)
	}
	return r
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// readLocal reads key back from the local directory dir: at its path (a
// local destination), else from the backup's store.
func readLocal(t testing.TB, dir, key string) (string, bool) {
	t.Helper()
	if body, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(key))); err == nil {
		return string(body), true
	}
	b, err := local.New(local.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rc, err := b.Get(context.Background(), key)
	if err != nil {
		return "", false
	}
	defer rc.Close()
	body, _ := io.ReadAll(rc)
	return string(body), true
}

func TestHelp(t *testing.T) {
	c := newCLI(t)
	r := c.run("--help")
	if r.code != 0 {
		t.Fatalf("--help: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		"--config", "--prefix", "--jobs", "--part-size", "--part-jobs", "--json", "--state", "--dry-run",
		"--shard", "--progress", "--quiet",
		"./upload.yaml", "$XDG_CONFIG_HOME/upload/config.yaml", "./uploads",
		"TOS_ACCESS_KEY", "OSS_ACCESS_KEY_ID", "OBS_ACCESS_KEY_ID", "COS_SECRETID", "AWS_ACCESS_KEY_ID",
		"Exit status:", "130", "upload drain", "./doctor", "FNV-1a", "backed_up",
		"doctor", "drain",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("upload --help does not mention %q", want)
		}
	}
	for _, sub := range []string{"doctor", "drain"} {
		r := c.run(sub, "--help")
		if r.code != 0 {
			t.Fatalf("%s --help: exit %d", sub, r.code)
		}
		for _, want := range []string{"Exit status:", "--config", "--json", "--progress", "--quiet", "upload --help",
			"./upload.yaml", "$XDG_CONFIG_HOME/upload/config.yaml", "TOS_ACCESS_KEY", "OSS_ACCESS_KEY_ID", "OBS_ACCESS_KEY_ID",
			"COS_SECRETID", "AWS_ACCESS_KEY_ID"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("upload %s --help does not mention %q", sub, want)
			}
		}
	}
	if r := c.run("doctor", "--help"); !strings.Contains(r.stdout, "bucket domain") || !strings.Contains(r.stdout, "±15 minutes") {
		t.Errorf("doctor --help does not list its checks:\n%s", r.stdout)
	}
	if r := c.run("help", "drain"); r.code != 0 || !strings.Contains(r.stdout, "superseded") {
		t.Errorf("upload help drain: exit %d\n%s", r.code, r.stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"f": "x"})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no PATH given"},
		{[]string{"--no-such-flag", "f"}, "unknown flag: --no-such-flag"},
		{[]string{"--shard", "3/3", "f"}, "I must be below N"},
		{[]string{"--shard", "x", "f"}, "want I/N"},
		{[]string{"--part-size", "1MiB", "f"}, "5MiB to 5GiB"},
		{[]string{"--part-size", "16XB", "f"}, "unknown unit"},
		{[]string{"--progress", "sometimes", "f"}, "one of auto, always, never"},
		{[]string{"--jobs", "0", "f"}, "--jobs 0"},
		{[]string{"--config", "missing.yaml", "f"}, "--config missing.yaml: no such file"},
		{[]string{"doctor", "extra"}, "unknown command"},
		{[]string{"drain", "--jobs", "0"}, "--jobs 0"},
	} {
		r := c.run(tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("upload %q: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(c.dir, "uploads")); err == nil {
		t.Error("a usage error created ./uploads")
	}
}

// TestUploadDirectory uploads a tree to the default local target: keys are
// the slash-separated paths relative to the argument, after --prefix,
// including unicode names and an empty file, read back byte for byte.
func TestUploadDirectory(t *testing.T) {
	c := newCLI(t)
	files := map[string]string{
		"a.txt":              "alpha",
		"sub/b.txt":          "bravo",
		"sub/deeper/c d.txt": "charlie",
		"日本/ü.txt":           "unicode",
		"empty":              "",
	}
	writeTree(t, filepath.Join(c.dir, "some-dir"), files)
	c.write(map[string]string{"single/report.pdf": "pdf"})
	r := c.run("--prefix", "batch/2024/", "some-dir", filepath.Join(c.dir, "single", "report.pdf"))
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != len(files)+1 {
		t.Fatalf("stdout has %d lines, want %d:\n%s", len(lines), len(files)+1, r.stdout)
	}
	seen := map[string]string{}
	for _, line := range lines {
		parts := strings.Split(line, " -> ")
		if len(parts) != 3 || !strings.HasPrefix(parts[2], "file://") {
			t.Fatalf("line %q is not path -> key -> file://URL", line)
		}
		seen[parts[1]] = parts[0]
	}
	want := map[string]string{"batch/2024/report.pdf": "pdf"}
	for k, v := range files {
		want["batch/2024/"+k] = v
		if p := seen["batch/2024/"+k]; p != filepath.Join("some-dir", filepath.FromSlash(k)) {
			t.Errorf("key %s came from %q", k, p)
		}
	}
	for k, body := range want {
		if got, ok := readLocal(t, "uploads", k); !ok || got != body {
			t.Errorf("./uploads holds %q (%v) under %q, want %q", got, ok, k, body)
		}
	}
	if !strings.Contains(r.stderr, "6 uploaded") || !strings.Contains(r.stderr, "local: 6 files stored") {
		t.Errorf("summary:\n%s", r.stderr)
	}
}

// TestUploadCurrentDirectory checks that `upload .` never uploads its own
// local store, nor the state file.
func TestUploadCurrentDirectory(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"x.txt": "x"})
	for i := range 2 {
		r := c.run("--json", "--state", "journal", ".")
		if r.code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, r.code, r.stderr)
		}
		rep := parseReport(t, r.stdout)
		if len(rep.files) != 1 || rep.files[0].Key != "x.txt" {
			t.Errorf("run %d reported %+v", i, rep.files)
		}
		if !strings.Contains(r.stderr, "skipped (the local backup directory)") || !strings.Contains(r.stderr, "skipped (the upload state file)") {
			t.Errorf("stderr: %s", r.stderr)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDuplicateKeys(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"a/x.txt": "from a", "b/x.txt": "from b"})
	r := c.run("a/x.txt", "b/x.txt")
	if r.code != exitFailed || !strings.Contains(r.stderr, "upload: b/x.txt: its key \"x.txt\" is also the key of a/x.txt") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if got, _ := readLocal(t, "uploads", "x.txt"); got != "from a" {
		t.Errorf("x.txt holds %q: the second file overwrote the first", got)
	}
}

// TestStdinList reads paths from standard input: keys as written, cleaned,
// after --prefix.
func TestStdinList(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"d/one.txt": "1", "d/sub/two.txt": "2", "three.txt": "3"})
	c.stdin = "./d/one.txt\r\nd//sub/two.txt\n" + filepath.Join(c.dir, "three.txt") + "\n"
	r := c.run("--json", "--prefix", "in/", "-")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	rep := parseReport(t, r.stdout)
	abs := strings.TrimLeft(filepath.ToSlash(filepath.Join(c.dir, "three.txt")), "/")
	for _, k := range []string{"in/d/one.txt", "in/d/sub/two.txt", "in/" + abs} {
		if f := rep.byKey[k]; f.Status != statusUploaded {
			t.Errorf("%s: %+v", k, f)
		}
	}
	if len(rep.files) != 3 {
		t.Errorf("%d files reported", len(rep.files))
	}
}

// TestShard splits a batch three ways: every file is in exactly one
// shard, the one FNV-1a-64(key) mod 3 names, the same on every run.
func TestShard(t *testing.T) {
	c := newCLI(t)
	files := map[string]string{}
	for i := range 60 {
		files[fmt.Sprintf("d/f%02d", i)] = "x"
	}
	c.write(files)
	owner := map[string]int{}
	for round := range 2 {
		for i := range 3 {
			r := c.run("--json", "--dry-run", "--prefix", "p/", "--shard", fmt.Sprintf("%d/3", i), "d")
			if r.code != 0 {
				t.Fatalf("shard %d: exit %d\n%s", i, r.code, r.stderr)
			}
			rep := parseReport(t, r.stdout)
			if rep.summary.OutOfShard+len(rep.files) != 60 || rep.summary.Shard != fmt.Sprintf("%d/3", i) {
				t.Errorf("shard %d: %d files + %d out of shard", i, len(rep.files), rep.summary.OutOfShard)
			}
			for _, f := range rep.files {
				prev, ok := owner[f.Key]
				switch {
				case round == 0 && ok:
					t.Errorf("%s is in shards %d and %d", f.Key, prev, i)
				case round == 1 && prev != i:
					t.Errorf("%s moved from shard %d to %d between runs", f.Key, prev, i)
				}
				owner[f.Key] = i
				h := fnv.New64a()
				h.Write([]byte(f.Key))
				if int(h.Sum64()%3) != i {
					t.Errorf("%s is in shard %d, FNV-1a says %d", f.Key, i, h.Sum64()%3)
				}
			}
		}
	}
	if len(owner) != 60 {
		t.Errorf("the shards cover %d of 60 files", len(owner))
	}
	counts := map[int]int{}
	for _, s := range owner {
		counts[s]++
	}
	for i := range 3 {
		if counts[i] < 5 {
			t.Errorf("shard %d has only %d of 60 files", i, counts[i])
		}
	}
}

func TestDryRun(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"d/a": "a", "d/b": "bb"})
	r := c.run("--json", "--dry-run", "d", "missing")
	if r.code != exitFailed {
		t.Errorf("exit %d, want 1 (missing is reported)", r.code)
	}
	rep := parseReport(t, r.stdout)
	if !rep.summary.DryRun || rep.summary.WouldUpload != 2 || rep.summary.Skipped != 0 || rep.summary.Uploaded != 0 || rep.summary.Failed != 1 {
		t.Errorf("summary %+v", rep.summary)
	}
	if !strings.Contains(r.stderr, "dry run, nothing was uploaded: 2 files (3 B) would be uploaded") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	b, err := local.New(local.Options{Dir: "uploads"})
	must(t, err)
	defer b.Close()
	if l, err := b.List(context.Background()); err != nil || len(l) != 0 {
		t.Errorf("the dry run stored %d objects (%v)", len(l), err)
	}
}

// TestInterruptBeforeStart: an interrupt that comes at once (two, in fact:
// the second aborts what is in flight) ends with exit 130, a summary that
// says so, and a journal that holds exactly the files reported uploaded.
func TestInterruptBeforeStart(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"d/a": "a", "d/b": "b"})
	c.signals = make(chan os.Signal, 2)
	c.signals <- os.Interrupt
	c.signals <- os.Interrupt
	r := c.run("--json", "--state", "st", "d")
	if r.code != exitInterrupted {
		t.Fatalf("exit %d, want 130\n%s", r.code, r.stderr)
	}
	rep := parseReport(t, r.stdout)
	if !rep.summary.Interrupted || rep.summary.ExitCode != 130 || rep.summary.Uploaded+rep.summary.NotStarted+rep.summary.Failed > 2 {
		t.Errorf("summary %+v", rep.summary)
	}
	if !strings.Contains(r.stderr, "interrupted") {
		t.Errorf("stderr: %s", r.stderr)
	}
	j, err := openJournal("st", time.Now())
	must(t, err)
	defer j.close()
	if len(j.recs) != rep.summary.Uploaded {
		t.Errorf("journal has %d records, %d uploaded", len(j.recs), rep.summary.Uploaded)
	}
}
