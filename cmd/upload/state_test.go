package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
)

// TestResume: a rerun with --state skips what is stored with the same size,
// mtime and MD5, and uploads what changed.
func TestResume(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"d/a": "aaaa", "d/b": "bbbb", "d/c": "cccc", "d/e": ""})
	r := c.run("--json", "--state", "st", "d")
	if rep := parseReport(t, r.stdout); r.code != 0 || rep.summary.Uploaded != 4 {
		t.Fatalf("first run: exit %d, %+v\n%s", r.code, rep.summary, r.stderr)
	}
	r = c.run("--json", "--state", "st", "d")
	rep := parseReport(t, r.stdout)
	if r.code != 0 || rep.summary.Skipped != 4 || rep.summary.Uploaded != 0 || rep.summary.BytesSkipped != 12 {
		t.Fatalf("rerun: exit %d, %+v", r.code, rep.summary)
	}
	if f := rep.byKey["a"]; f.Target != "local" || f.MD5 != "74b87337454200d4d33f80c4663dc5e5" || !strings.HasPrefix(f.URL, "file://") {
		t.Errorf("skipped a: %+v", f)
	}
	if !strings.Contains(r.stderr, "4 skipped (already stored)") {
		t.Errorf("stderr: %s", r.stderr)
	}

	// b: new content and mtime. c: new content of the same size with its
	// old mtime put back, so only the MD5 tells. a: same bytes, new mtime.
	fi, err := os.Stat("d/c")
	must(t, err)
	must(t, os.WriteFile("d/b", []byte("BBBBB"), 0o644))
	must(t, os.WriteFile("d/c", []byte("CCCC"), 0o644))
	must(t, os.Chtimes("d/c", fi.ModTime(), fi.ModTime()))
	later := time.Now().Add(time.Hour)
	must(t, os.Chtimes("d/a", later, later))
	r = c.run("--json", "--state", "st", "d")
	rep = parseReport(t, r.stdout)
	for k, want := range map[string]string{"a": statusUploaded, "b": statusUploaded, "c": statusUploaded, "e": statusSkipped} {
		if got := rep.byKey[k].Status; got != want {
			t.Errorf("%s: %s, want %s", k, got, want)
		}
	}
	if got, _ := readLocal(t, "uploads", "c"); got != "CCCC" {
		t.Errorf("c holds %q", got)
	}

	// Another local directory is another target: nothing recorded counts.
	c.config("targets:\n  - {name: local, provider: local, path: elsewhere}\n")
	r = c.run("--json", "--state", "st", "d")
	if rep := parseReport(t, r.stdout); rep.summary.Uploaded != 4 {
		t.Errorf("after moving the target: %+v", rep.summary)
	}
}

// TestJournalTornLine: a journal whose last line was cut by a crash is
// repaired (the fragment removed) and the records before it still count.
func TestJournalTornLine(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"d/a": "a", "d/b": "b"})
	if r := c.run("--state", "st", "d"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	f, err := os.OpenFile("st", os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteString(`{"key":"b","path":"d/b","si`)
	must(t, err)
	f.Close()
	c.write(map[string]string{"d/c": "c"})
	r := c.run("--json", "--state", "st", "d")
	rep := parseReport(t, r.stdout)
	if r.code != 0 || rep.summary.Skipped != 2 || rep.summary.Uploaded != 1 {
		t.Errorf("exit %d, %+v\n%s", r.code, rep.summary, r.stderr)
	}
	data, err := os.ReadFile("st")
	must(t, err)
	keys := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Errorf("journal line %q: %v", sc.Text(), err)
		}
		if k, ok := m["key"].(string); ok {
			keys[k] = true
		}
	}
	if !keys["a"] || !keys["b"] || !keys["c"] || !bytes.HasSuffix(data, []byte("\n")) {
		t.Errorf("journal:\n%s", data)
	}
}

func TestJournalRefusals(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"f": "x", "notes.txt": "my notes\n"})
	r := c.run("--state", "notes.txt", "f")
	if r.code != exitUsage || !strings.Contains(r.stderr, "not an upload state file") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile("notes.txt"); string(b) != "my notes\n" {
		t.Errorf("notes.txt was changed: %q", b)
	}
	j, err := openJournal("st", time.Now())
	must(t, err)
	defer j.close()
	r = c.run("--state", "st", "f")
	if r.code != exitUsage || !strings.Contains(r.stderr, "in use by another upload") {
		t.Errorf("a locked journal: exit %d: %s", r.code, r.stderr)
	}
}

// deadEndpoint returns an http URL on 127.0.0.1 where nothing listens.
func deadEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// TestBackupExitCodes: with the only cloud target down, files go to the
// local backup (exit 3, "run upload drain"); a rerun with --state skips
// them but still exits 3; a drain that cannot reach the cloud keeps them
// (exit 3).
func TestBackupExitCodes(t *testing.T) {
	c := newCLI(t)
	c.config(fmt.Sprintf(`targets:
  - name: dead-s3
    provider: s3
    endpoint: %s
    bucket: bkt
    anonymous: true
    connect_timeout: 2s
backup: ./bk
retry: {attempts: 1}
breaker: {failures: 2}
`, deadEndpoint(t)))
	files := map[string]string{}
	for i := range 8 {
		files[fmt.Sprintf("d/f%d", i)] = strings.Repeat("x", i)
	}
	c.write(files)
	r := c.run("--json", "--state", "st", "d")
	rep := parseReport(t, r.stdout)
	if r.code != exitBackedUp || rep.summary.BackedUp != 8 || rep.summary.ExitCode != 3 {
		t.Fatalf("exit %d, %+v\n%s", r.code, rep.summary, r.stderr)
	}
	for _, f := range rep.files {
		if f.Status != statusBackedUp || f.Target != "backup" || f.Provider != "local" || len(f.Attempts) < 2 {
			t.Errorf("%s: %+v", f.Key, f)
		}
		if f.Attempts[0].Target != "dead-s3" || (f.Attempts[0].Kind != "unavailable" && f.Attempts[0].Kind != "circuit_open") {
			t.Errorf("%s: first attempt %+v", f.Key, f.Attempts[0])
		}
	}
	dead := rep.summary.Targets[0]
	if dead.Name != "dead-s3" || dead.BreakerOpens < 1 || dead.FailedOver != 8 || dead.FailedOverTo["backup"] != 8 || dead.State != "open" {
		t.Errorf("dead-s3 summary: %+v", dead)
	}
	for _, w := range []string{"8 only in the local backup", "dead-s3: unavailable ×", "breaker opened", "8 files went to the local backup (backup)",
		"run `upload drain`", "What to check", "dead-s3 (s3): put"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("summary does not say %q:\n%s", w, r.stderr)
		}
	}
	for k, body := range files {
		if got, ok := readLocal(t, "bk", strings.TrimPrefix(k, "d/")); !ok || got != body {
			t.Errorf("backup holds %q for %s", got, k)
		}
	}

	r = c.run("--json", "--state", "st", "d")
	rep = parseReport(t, r.stdout)
	if r.code != exitBackedUp || rep.summary.Skipped != 8 || rep.summary.SkippedInBackup != 8 {
		t.Errorf("rerun: exit %d, %+v", r.code, rep.summary)
	}
	if !strings.Contains(r.stderr, "8 files are only in the local backup") {
		t.Errorf("rerun stderr: %s", r.stderr)
	}

	r = c.run("drain", "--json")
	if r.code != exitBackedUp || !strings.Contains(r.stderr, "8 copies stay in the local backup") {
		t.Errorf("drain to a dead cloud: exit %d\n%s", r.code, r.stderr)
	}
	var last map[string]drainBody
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	must(t, json.Unmarshal([]byte(lines[len(lines)-1]), &last))
	if s := last["summary"]; s.Files != 8 || s.Remaining != 8 || s.ExitCode != 3 || len(lines) != 9 {
		t.Errorf("drain summary %+v (%d lines)", s, len(lines))
	}
}

// TestDrainInterrupted: an interrupt stops the drain; the copies stay in
// the backup and the exit status is 130.
func TestDrainInterrupted(t *testing.T) {
	c := newCLI(t)
	c.config(fmt.Sprintf("targets:\n  - {name: dead, provider: s3, endpoint: '%s', bucket: bkt, anonymous: true}\nbackup: ./bk\nretry: {attempts: 1}\n", deadEndpoint(t)))
	c.write(map[string]string{"d/a": "a", "d/b": "b"})
	if r := c.run("--quiet", "d"); r.code != exitBackedUp {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	c.signals = make(chan os.Signal, 1)
	c.signals <- os.Interrupt
	r := c.run("drain")
	if r.code != exitInterrupted {
		t.Errorf("drain: exit %d, want 130\n%s", r.code, r.stderr)
	}
	for _, k := range []string{"a", "b"} {
		if _, ok := readLocal(t, "bk", k); !ok {
			t.Errorf("%s left the backup", k)
		}
	}
}

func TestDrainConfigErrors(t *testing.T) {
	c := newCLI(t)
	// The default configuration's ./uploads is the destination, not a
	// backup: nothing to drain.
	if r := c.run("drain"); r.code != exitUsage || !strings.Contains(r.stderr, "nothing to drain") {
		t.Errorf("default config: exit %d %s", r.code, r.stderr)
	}
	c.config("targets:\n  - {name: s, provider: s3, endpoint: 'http://127.0.0.1:9', bucket: bkt, anonymous: true}\n")
	if r := c.run("drain"); r.code != exitUsage || !strings.Contains(r.stderr, "no local backup") {
		t.Errorf("no backup: exit %d %s", r.code, r.stderr)
	}
}

// TestProgressDisplays checks what each display prints: bars with the
// files, the bytes and each target's state; the plain line.
func TestProgressDisplays(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"d/a": "aaa", "d/b": "bbbbbbb"})
	r := c.run("--progress", "always", "d")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	for _, w := range []string{"2/2 files", "10 B/10 B", "local", "ok, 2 stored", "100 %"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("bars do not show %q:\n%q", w, r.stderr)
		}
	}
	if r := c.run("--quiet", "--progress", "always", "d"); r.stderr != "" || r.stdout != "" {
		t.Errorf("--quiet printed %q / %q", r.stdout, r.stderr)
	}

	m := &meter{start: time.Unix(100, 0)}
	m.filesTotal.Store(10)
	m.filesDone.Store(4)
	m.failed.Store(1)
	m.bytesTotal.Store(10 << 20)
	m.bytesDone.Store(4 << 20)
	d := &lineDisplay{m: m, what: "upload", now: func() time.Time { return time.Unix(102, 0) },
		states: func() []targetState {
			return []targetState{{"tos-beijing", "breaker open, 3 stored"}, {"oss-hangzhou", "ok, 1 stored"}}
		}}
	want := "upload: 4/10 files (1 failed), 4.0 MiB/10.0 MiB, 2.0 MiB/s, ETA 3s; tos-beijing: breaker open, 3 stored, oss-hangzhou: ok, 1 stored"
	if got := d.line(); got != want {
		t.Errorf("line\n got %q\nwant %q", got, want)
	}
	m.walking.Store(true)
	if got := d.line(); !strings.Contains(got, "4/10+ files") || strings.Contains(got, "ETA") {
		t.Errorf("while walking: %q", got)
	}
}

// TestProgressLines: not on a terminal, auto prints the plain line at
// intervals.
func TestProgressLines(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"d/a": "a"})
	c.config(fmt.Sprintf(`targets:
  - {name: slow, provider: s3, endpoint: %s, bucket: bkt, anonymous: true}
backup: ./bk
retry: {attempts: 2, base_delay: 300ms, max_delay: 300ms}
`, deadEndpoint(t)))
	c.mod = func(a *app) { a.lineEvery = 20 * time.Millisecond }
	r := c.run("d")
	if r.code != exitBackedUp {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("upload: 0/1 files, 0 B/1 B; slow: ok, limit %d, 0 stored, backup: standby (local backup)", failover.DefaultInitialConcurrency)) {
		t.Errorf("no progress line while the retry waited:\n%s", r.stderr)
	}
}
