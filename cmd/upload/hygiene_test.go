//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/integration/miniotest"
)

// runProc runs the command as a child process (see cliCommand) and returns
// its exit status and streams.
func runProc(t *testing.T, dir string, env map[string]string, args ...string) result {
	t.Helper()
	cmd := cliCommand(t, dir, env, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// terminalUnsafe reports the first C0 (but newline), DEL or C1 control
// character in s, or a byte of invalid UTF-8 a terminal could take for
// one; "" if none.
func terminalUnsafe(s string) string {
	for i, r := range s {
		switch {
		case r == '\n':
		case r < 0x20 || r == 0x7f || 0x80 <= r && r <= 0x9f:
			return fmt.Sprintf("%U at byte %d", r, i)
		case r == 0xfffd && len(s) > i && s[i] != 0xef:
			return fmt.Sprintf("invalid UTF-8 byte %#x at byte %d", s[i], i)
		}
	}
	return ""
}

// plantCopy writes, in the local backup at dir, a record for key and its
// data file, as a process that can write there could: what List reads.
func plantCopy(t *testing.T, dir, key, body string, stored time.Time) string {
	t.Helper()
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:])
	shard := filepath.Join(dir, "objects", h[:2])
	must(t, os.MkdirAll(shard, 0o700))
	id := fmt.Sprintf("%016x%016x", uint64(stored.UnixNano()), uint64(7))
	bsum := sha256.Sum256([]byte(body))
	// The MD5 is left out on purpose: drain then trusts the SHA-256.
	rec := map[string]any{"version": 1, "id": id, "key": key, "size": len(body),
		"sha256": hex.EncodeToString(bsum[:]), "stored": stored.UTC()}
	js, err := json.Marshal(rec)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(shard, h+"."+id+".data"), []byte(body), 0o600))
	must(t, os.WriteFile(filepath.Join(shard, h+".json"), js, 0o600))
	return filepath.Join(shard, h+".json")
}

// TestTerminalSafety: file names and keys holding ESC sequences or C1
// controls (U+009B is a CSI on many terminals) are never written raw to the
// terminal, by upload or by drain; the JSON report keeps them exact.
func TestTerminalSafety(t *testing.T) {
	c := newCLI(t)
	esc, csi := "e\x1b[2Jvil", "c\u009b31mx"
	c.write(map[string]string{"d/" + esc: "1", "d/" + csi: "2", "d/fine": "3"})
	r := runProc(t, c.dir, nil, "d")
	if r.code != exitFailed {
		t.Errorf("upload: exit %d, want 1\n%q", r.code, r.stderr)
	}
	for name, s := range map[string]string{"stdout": r.stdout, "stderr": r.stderr} {
		if bad := terminalUnsafe(s); bad != "" {
			t.Errorf("upload writes %s to %s: %q", bad, name, s)
		}
	}
	if !strings.Contains(r.stderr, `e\x1b[2Jvil`) || !strings.Contains(r.stderr, `c\u009b31mx`) {
		t.Errorf("upload does not name the files, quoted:\n%s", r.stderr)
	}

	// A drain of copies whose keys hold ESC and U+009B (planted: no upload
	// makes such keys).
	c.config(fmt.Sprintf("targets:\n  - {name: dead, provider: s3, endpoint: '%s', bucket: bkt, anonymous: true}\nbackup: ./bk\nretry: {attempts: 1}\n", deadEndpoint(t)))
	plantCopy(t, filepath.Join(c.dir, "bk"), "k\x1b]0;title\x07", "a", time.Now())
	plantCopy(t, filepath.Join(c.dir, "bk"), "k\u009b2J", "b", time.Now())
	r = runProc(t, c.dir, nil, "drain")
	if r.code == exitOK {
		t.Errorf("drain: exit 0\n%s", r.stderr)
	}
	for name, s := range map[string]string{"stdout": r.stdout, "stderr": r.stderr} {
		if bad := terminalUnsafe(s); bad != "" {
			t.Errorf("drain writes %s to %s: %q", bad, name, s)
		}
	}
	if !strings.Contains(r.stderr, `"k\u009b2J"`) {
		t.Errorf("drain does not name the key, quoted:\n%s", r.stderr)
	}
	r = runProc(t, c.dir, nil, "drain", "--json")
	if !strings.Contains(r.stdout, `"key":"k\u001b]0;title\u0007"`) {
		t.Errorf("drain --json does not keep the key exact:\n%s", r.stdout)
	}
}

// backupThenDamage backs the files of batch/ up while the cloud is down,
// then damages copies in the backup ./bk: "bad-json" gets a record that is
// not JSON, "short" a data file of the wrong size, "flipped" a byte
// changed in place. It returns the files at fault.
func backupThenDamage(t *testing.T, c *cli, conf func(string)) map[string]string {
	t.Helper()
	conf(deadEndpoint(t))
	c.write(map[string]string{"batch/good1": "good one", "batch/good2": "good two",
		"batch/bad-json": "will lose its record", "batch/short": "will lose bytes", "batch/flipped": "will flip"})
	if r := c.run("--quiet", "batch"); r.code != exitBackedUp {
		t.Fatalf("upload with the cloud down: exit %d\n%s", r.code, r.stderr)
	}
	at := map[string]string{}
	for _, k := range []string{"bad-json", "short", "flipped"} {
		sum := sha256.Sum256([]byte(k))
		h := hex.EncodeToString(sum[:])
		shard := filepath.Join(c.dir, "bk", "objects", h[:2])
		rec := filepath.Join(shard, h+".json")
		js, err := os.ReadFile(rec)
		must(t, err)
		var r struct{ ID string }
		must(t, json.Unmarshal(js, &r))
		data := filepath.Join(shard, h+"."+r.ID+".data")
		switch k {
		case "bad-json":
			must(t, os.WriteFile(rec, js[:len(js)/2], 0o600))
			at[k] = rec
		case "short":
			must(t, os.WriteFile(data, []byte("will"), 0o600))
			at[k] = rec
		case "flipped":
			must(t, os.WriteFile(data, []byte("WILL flip"), 0o600))
			at[k] = data
		}
	}
	return at
}

// TestDrainDamagedCopies: damaged copies are named (file and what is
// wrong), left in place, and make drain exit 1 without the "nothing is
// lost; run upload drain again" line for them; the intact copies are
// drained. drain --check finds the same damage and changes nothing.
func TestDrainDamagedCopies(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "damaged")
	c := newCLI(t)
	env := map[string]string{"MINIO_AK": srv.AccessKey, "MINIO_SK": srv.SecretKey}
	c.env["MINIO_AK"], c.env["MINIO_SK"] = srv.AccessKey, srv.SecretKey
	conf := func(endpoint string) {
		c.config(fmt.Sprintf("targets:\n  - {name: cloud, provider: s3, endpoint: '%s', bucket: %s, access_key_id: '${MINIO_AK}', secret_access_key: '${MINIO_SK}'}\nbackup: ./bk\nretry: {attempts: 1}\n", endpoint, bucket))
	}
	at := backupThenDamage(t, c, conf)
	conf(srv.URL)

	r := runProc(t, c.dir, env, "drain", "--check")
	if r.code != exitFailed {
		t.Errorf("drain --check: exit %d, want 1\n%s", r.code, r.stderr)
	}
	for k, file := range at {
		if !strings.Contains(r.stderr, file) {
			t.Errorf("drain --check does not name %s (%s):\n%s", k, file, r.stderr)
		}
	}
	for _, w := range []string{"not valid JSON", "holds 4 bytes", "SHA-256", "5 copies: 2 intact, 3 damaged"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("drain --check does not say %q:\n%s", w, r.stderr)
		}
	}
	if got := listBucket(t, srv, bucket); len(got) != 0 {
		t.Errorf("drain --check sent %v", got)
	}

	r = runProc(t, c.dir, env, "drain", "--json")
	if r.code != exitFailed {
		t.Errorf("drain: exit %d, want 1\n%s", r.code, r.stderr)
	}
	for k, file := range at {
		if !strings.Contains(r.stderr, file) {
			t.Errorf("drain does not name %s (%s):\n%s", k, file, r.stderr)
		}
		if _, err := os.Stat(file); err != nil {
			t.Errorf("%s: the damaged file is gone: %v", k, err)
		}
	}
	if strings.Contains(r.stderr, "nothing is lost") {
		t.Errorf("drain says nothing is lost with damaged copies:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "3 damaged copies were left in the backup") {
		t.Errorf("drain does not count the damaged copies:\n%s", r.stderr)
	}
	got := listBucket(t, srv, bucket)
	if len(got) != 2 || got["good1"] != 8 || got["good2"] != 8 {
		t.Errorf("the bucket holds %v, want good1 and good2", got)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var last map[string]drainBody
	must(t, json.Unmarshal([]byte(lines[len(lines)-1]), &last))
	if s := last["summary"]; s.Drained != 2 || s.Damaged != 3 || s.ExitCode != exitFailed {
		t.Errorf("drain summary %+v", s)
	}
}

// TestDrainRemoveFailure: a copy stored on the cloud that cannot then be
// removed from the backup is an error, named, with exit status 1.
func TestDrainRemoveFailure(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "noremove")
	c := newCLI(t)
	env := map[string]string{"MINIO_AK": srv.AccessKey, "MINIO_SK": srv.SecretKey}
	c.env["MINIO_AK"], c.env["MINIO_SK"] = srv.AccessKey, srv.SecretKey
	conf := func(endpoint string) {
		c.config(fmt.Sprintf("targets:\n  - {name: cloud, provider: s3, endpoint: '%s', bucket: %s, access_key_id: '${MINIO_AK}', secret_access_key: '${MINIO_SK}'}\nbackup: ./bk\nretry: {attempts: 1}\n", endpoint, bucket))
	}
	conf(deadEndpoint(t))
	c.write(map[string]string{"d/a": "aaa", "d/b": "bbb"})
	if r := c.run("--quiet", "d"); r.code != exitBackedUp {
		t.Fatalf("upload: exit %d\n%s", r.code, r.stderr)
	}
	conf(srv.URL)
	// Make removal fail: read-only shards for an ordinary user; as root
	// (who writes anyway), a directory where the shard's lock file goes.
	shards, _ := filepath.Glob(filepath.Join(c.dir, "bk", "objects", "??"))
	for _, s := range shards {
		if os.Geteuid() == 0 {
			must(t, os.Remove(filepath.Join(s, ".lock")))
			must(t, os.Mkdir(filepath.Join(s, ".lock"), 0o700))
		} else {
			must(t, os.Chmod(s, 0o500))
			t.Cleanup(func() { os.Chmod(s, 0o700) })
		}
	}
	r := runProc(t, c.dir, env, "drain")
	if r.code != exitFailed {
		t.Errorf("drain: exit %d, want 1\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "2 copies were stored on the clouds but could not be removed from the backup") {
		t.Errorf("drain does not say the copies were not removed:\n%s", r.stderr)
	}
	if got := listBucket(t, srv, bucket); len(got) != 2 {
		t.Errorf("the bucket holds %v", got)
	}
}

// TestClosedStdout: `upload ... | head -1`: once the reader of standard
// output is gone, the report stops but the uploads and the journal go on;
// the process is not killed by SIGPIPE and exits with the files' status.
func TestClosedStdout(t *testing.T) {
	c := newCLI(t)
	const n = 600 // > 64 KiB of report lines: the pipe fills, later writes fail
	files := map[string]string{}
	for i := range n {
		files[fmt.Sprintf("batch/file-with-a-longish-name-%04d", i)] = fmt.Sprint(i)
	}
	c.write(files)
	for _, args := range [][]string{{"--state", "st1", "batch"}, {"--json", "--state", "st2", "batch"}} {
		cmd := cliCommand(t, c.dir, nil, args...)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		out, err := cmd.StdoutPipe()
		must(t, err)
		must(t, cmd.Start())
		first, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || first == "" {
			t.Fatalf("%v: first line %q, %v", args, first, err)
		}
		out.Close()    // head -1 exits
		_ = cmd.Wait() // the status says how the process ended: checked below
		st := cmd.ProcessState
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			t.Fatalf("%v: killed by %v\n%s", args, ws.Signal(), errb.String())
		}
		if st.ExitCode() != exitOK {
			t.Errorf("%v: exit %d, want 0 (every file is stored)\n%s", args, st.ExitCode(), errb.String())
		}
		state := filepath.Join(c.dir, args[len(args)-2])
		if got := journalKeys(t, state); len(got) != n {
			t.Errorf("%v: the journal records %d files, want %d", args, len(got), n)
		}
		if !strings.Contains(errb.String(), "standard output was closed") {
			t.Errorf("%v: stderr does not say the report stopped:\n%s", args, errb.String())
		}
	}
}

// TestConfigRelativePaths: a relative backup: or path: resolves against
// the directory of the configuration file, not the working directory, and
// ~ is the home directory; the upload's "run upload drain" line names the
// backup directory.
func TestConfigRelativePaths(t *testing.T) {
	c := newCLI(t)
	confDir := filepath.Join(c.dir, "conf")
	must(t, os.MkdirAll(confDir, 0o700))
	conf := filepath.Join(confDir, "upload.yaml")
	must(t, os.WriteFile(conf, []byte(fmt.Sprintf(
		"targets:\n  - {name: dead, provider: s3, endpoint: '%s', bucket: bkt, anonymous: true}\nbackup: ./bk\nretry: {attempts: 1}\n", deadEndpoint(t))), 0o600))
	c.write(map[string]string{"work/d/a": "a", "work/d/b": "b", "elsewhere/.keep": ""})
	r := runProc(t, filepath.Join(c.dir, "work"), nil, "--config", conf, "d")
	if r.code != exitBackedUp {
		t.Fatalf("upload: exit %d\n%s", r.code, r.stderr)
	}
	bk := filepath.Join(confDir, "bk")
	if !strings.Contains(r.stderr, "only in the local backup "+bk) {
		t.Errorf("the upload does not name the backup directory %s:\n%s", bk, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(c.dir, "work", "bk")); err == nil {
		t.Errorf("the backup was made in the working directory")
	}
	r = runProc(t, filepath.Join(c.dir, "elsewhere"), nil, "--config", conf, "drain", "--check")
	if r.code != exitOK || !strings.Contains(r.stderr, "holds 2 copies") {
		t.Errorf("drain --check from another directory: exit %d\n%s", r.code, r.stderr)
	}

	// ~ expands to $HOME.
	home := filepath.Join(c.dir, "home")
	must(t, os.MkdirAll(home, 0o700))
	must(t, os.WriteFile(conf, []byte("targets:\n  - {name: disk, provider: local, path: ~/uploads-here}\n"), 0o600))
	r = runProc(t, filepath.Join(c.dir, "work"), map[string]string{"HOME": home}, "--config", conf, "--quiet", "d")
	if r.code != exitOK {
		t.Fatalf("upload to ~/uploads-here: exit %d\n%s", r.code, r.stderr)
	}
	if _, ok := readLocal(t, filepath.Join(home, "uploads-here"), "a"); !ok {
		t.Errorf("~/uploads-here does not hold a")
	}
}

// TestConfigSecrets: a malformed ${ in a value is an error that never
// shows the value; a credential variable set to the empty string is an
// error naming it (exit 2), whether the file names it or the provider's
// usual variables are read; nothing goes out unsigned without anonymous:
// true.
func TestConfigSecrets(t *testing.T) {
	const secret = "s3cr3t-VALUE-x"
	for _, tc := range []struct {
		name  string
		creds string
		env   map[string]string
		want  []string
	}{
		{"unterminated ${", "access_key_id: AKLTkey, secret_access_key: '" + secret + "${oops'", nil,
			[]string{"secret_access_key: an unterminated ${"}},
		{"bad name in ${}", "access_key_id: AKLTkey, secret_access_key: '" + secret + "${not-a-name}'", nil,
			[]string{"secret_access_key: a ${...} reference"}},
		{"empty ${SK}", "access_key_id: '${AK}', secret_access_key: '${SK}'", map[string]string{"AK": "AKLTkey", "SK": ""},
			[]string{"secret_access_key: the environment variable SK is set but empty"}},
		{"empty provider variable", "", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": secret},
			[]string{"AWS_ACCESS_KEY_ID is set but empty"}},
		{"empty literal", "access_key_id: '', secret_access_key: ''", nil,
			[]string{"access_key_id is empty", "anonymous: true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			c.write(map[string]string{"f": "x"})
			creds := ""
			if tc.creds != "" {
				creds = ", " + tc.creds
			}
			c.config(fmt.Sprintf("targets:\n  - {name: s, provider: s3, endpoint: 'http://127.0.0.1:9', bucket: bkt%s}\n", creds))
			for _, args := range [][]string{{"f"}, {"doctor"}} {
				r := runProc(t, c.dir, tc.env, args...)
				if r.code != exitUsage {
					t.Errorf("%v: exit %d, want 2\n%s%s", args, r.code, r.stdout, r.stderr)
				}
				for _, w := range tc.want {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("%v: stderr does not say %q:\n%s", args, w, r.stderr)
					}
				}
				for _, leak := range []string{secret, "oops", "not-a-name"} {
					if strings.Contains(r.stdout+r.stderr, leak) {
						t.Errorf("%v: the value was printed (%q):\n%s", args, leak, r.stderr)
					}
				}
			}
		})
	}
}

// TestSameDirectoryTwice: `upload d d/ ./d` walks d once (the same
// directory, however it is written): every file is uploaded once and
// nothing is reported stored nowhere.
func TestSameDirectoryTwice(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"d/a": "a", "d/sub/b": "b", "f": "f"})
	r := runProc(t, c.dir, nil, "--json", "d", "d/", "./d", "f", "./f")
	if r.code != exitOK {
		t.Errorf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	rep := parseReport(t, r.stdout)
	if rep.summary.Uploaded != 3 || rep.summary.Failed != 0 || len(rep.files) != 3 {
		t.Errorf("summary %+v, %d lines; want 3 uploaded", rep.summary, len(rep.files))
	}
	if strings.Contains(r.stderr, "stored nowhere") || !strings.Contains(r.stderr, "given more than once") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

// TestConfigSecretPerms: a configuration file holding a literal secret and
// readable by group or others gets a warning naming it and chmod 600 (from
// upload and doctor); --strict-perms makes it an error (exit 2). A file
// of mode 0600, or one with only ${NAME} references, gets none.
func TestConfigSecretPerms(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"f": "x"})
	conf := filepath.Join(c.dir, "upload.yaml")
	literal := "targets:\n  - {name: s, provider: s3, endpoint: 'http://127.0.0.1:9', bucket: bkt, access_key_id: AKIAFAKE, secret_access_key: fake-secret-1234}\n  - {name: disk, provider: local, path: ./bk}\n"
	refs := "targets:\n  - {name: s, provider: s3, endpoint: 'http://127.0.0.1:9', bucket: bkt, access_key_id: '${AK}', secret_access_key: '${SK}'}\n  - {name: disk, provider: local, path: ./bk}\n"
	env := map[string]string{"AK": "AKIAFAKE", "SK": "fake-secret-1234"}
	for _, tc := range []struct {
		name string
		body string
		mode os.FileMode
		warn bool
	}{
		{"literal 0644", literal, 0o644, true},
		{"literal 0640", literal, 0o640, true},
		{"literal 0600", literal, 0o600, false},
		{"references 0644", refs, 0o644, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			must(t, os.WriteFile(conf, []byte(tc.body), 0o600))
			must(t, os.Chmod(conf, tc.mode))
			for _, args := range [][]string{{"--dry-run", "f"}, {"doctor", "--target", "disk"}} {
				r := runProc(t, c.dir, env, args...)
				warned := strings.Contains(r.stderr, "upload.yaml") && strings.Contains(r.stderr, "chmod 600")
				if warned != tc.warn {
					t.Errorf("%v: warned %v, want %v (exit %d)\n%s", args, warned, tc.warn, r.code, r.stderr)
				}
				if r.code == exitUsage {
					t.Errorf("%v: exit 2 without --strict-perms\n%s", args, r.stderr)
				}
				if strings.Contains(r.stdout+r.stderr, "fake-secret-1234") {
					t.Errorf("%v: the secret was printed", args)
				}
			}
			r := runProc(t, c.dir, env, "--strict-perms", "--dry-run", "f")
			if (r.code == exitUsage) != tc.warn {
				t.Errorf("--strict-perms: exit %d\n%s", r.code, r.stderr)
			}
		})
	}
}

// TestBackupDirRefused: a backup directory that is a symbolic link or
// writable by others is refused by upload and by doctor, naming the path
// and the fix; nothing is written through it.
func TestBackupDirRefused(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"f": "x"})
	outside := t.TempDir()
	must(t, os.Symlink(outside, filepath.Join(c.dir, "linked")))
	must(t, os.Mkdir(filepath.Join(c.dir, "open"), 0o700))
	must(t, os.Chmod(filepath.Join(c.dir, "open"), 0o777))
	for dir, want := range map[string]string{"linked": "is a symbolic link", "open": "chmod 700"} {
		c.config("targets:\n  - {name: disk, provider: local, path: ./" + dir + "}\n")
		r := runProc(t, c.dir, nil, "f")
		if r.code != exitUsage || !strings.Contains(r.stderr, filepath.Join(c.dir, dir)) || !strings.Contains(r.stderr, want) {
			t.Errorf("upload to %s: exit %d\n%s", dir, r.code, r.stderr)
		}
		r = runProc(t, c.dir, nil, "doctor")
		if r.code != exitFailed || !strings.Contains(r.stdout, "FAIL path") || !strings.Contains(r.stdout, want) {
			t.Errorf("doctor on %s: exit %d\n%s", dir, r.code, r.stdout)
		}
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("written through the link: %v", ents)
	}
}

// TestDrainFutureDatedRecord: a record dated a year ahead (planted, or
// from a clock gone wrong) does not make drain overwrite the different
// object the cloud holds under its key: the copy stays, exit 1.
func TestDrainFutureDatedRecord(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "future")
	c := newCLI(t)
	env := map[string]string{"MINIO_AK": srv.AccessKey, "MINIO_SK": srv.SecretKey}
	c.config(fmt.Sprintf("targets:\n  - {name: cloud, provider: s3, endpoint: '%s', bucket: %s, access_key_id: '${MINIO_AK}', secret_access_key: '${MINIO_SK}'}\nbackup: ./bk\nretry: {attempts: 1}\n", srv.URL, bucket))
	theirs := "the object the cloud holds"
	if _, err := srv.Client().PutObject(context.Background(), bucket, "k", strings.NewReader(theirs), int64(len(theirs)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	rec := plantCopy(t, filepath.Join(c.dir, "bk"), "k", "planted bytes", time.Now().AddDate(1, 0, 0))
	r := runProc(t, c.dir, env, "drain")
	if r.code != exitFailed || !strings.Contains(r.stderr, "later than now") {
		t.Errorf("drain: exit %d, want 1\n%s", r.code, r.stderr)
	}
	if got := listBucket(t, srv, bucket); got["k"] != int64(len(theirs)) {
		t.Errorf("the cloud's object was overwritten: %v", got)
	}
	if _, err := os.Stat(rec); err != nil {
		t.Errorf("the copy left the backup: %v", err)
	}
}
