package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
