//go:build unix

package main

import (
	"bufio"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// TestKillAndResume interrupts a batch mid-run (SIGINT, then in another
// run SIGKILL) and reruns it with --state: the rerun uploads exactly the
// files the journal does not hold, as the gateway's PUT counter proves.
func TestKillAndResume(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			srv := miniotest.Shared(t)
			bucket := srv.NewBucket(t, "resume")
			gw, url := startGateway(t, srv, gateway.OBS, nil)
			gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.Latency(25 * time.Millisecond)})
			c := newCLI(t)
			ak, sk := gw.Credentials()
			c.env["GW_AK"], c.env["GW_SK"] = ak, sk
			c.config(fmt.Sprintf("targets:\n  - {name: obs, provider: obs, endpoint: '%s', bucket: %s, access_key_id: '${GW_AK}', secret_access_key: '${GW_SK}'}\n", url, bucket))
			const total = 300
			writeBatch(t, filepath.Join(c.dir, "batch"), total)

			cmd := cliCommand(t, c.dir, c.env, "--state", "st", "--jobs", "4", "--progress", "never", "batch")
			stdout, err := cmd.StdoutPipe()
			must(t, err)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			must(t, cmd.Start())
			sc := bufio.NewScanner(stdout)
			lines := 0
			for sc.Scan() {
				if lines++; lines == 40 {
					must(t, cmd.Process.Signal(sig))
				}
			}
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("the interrupted run ended with %v, lines %d\n%s", err, lines, stderr.String())
			}
			if sig == syscall.SIGINT && ee.ExitCode() != exitInterrupted {
				t.Errorf("exit %d after SIGINT, want 130\n%s", ee.ExitCode(), stderr.String())
			}
			putsBefore := gw.Count(gateway.OpPut)
			rec := journalKeys(t, filepath.Join(c.dir, "st"))
			if sig == syscall.SIGINT {
				if !strings.Contains(stderr.String(), "interrupted: starting no new files") || !strings.Contains(stderr.String(), "upload: interrupted:") {
					t.Errorf("stderr after SIGINT:\n%s", stderr.String())
				}
				// Every PUT that started finished and was recorded.
				if len(rec) != putsBefore || lines != putsBefore {
					t.Errorf("SIGINT: %d PUTs reached the gateway, %d lines printed, %d recorded", putsBefore, lines, len(rec))
				}
			} else if len(rec) > putsBefore || len(rec) < 1 {
				t.Errorf("SIGKILL: %d recorded for %d PUTs", len(rec), putsBefore)
			}
			if putsBefore >= total {
				t.Fatalf("the batch finished (%d PUTs) before the signal landed", putsBefore)
			}
			t.Logf("%s after %d lines: %d PUTs, %d recorded", sig, lines, putsBefore, len(rec))

			gw.ResetCounts()
			r := c.run("--json", "--state", "st", "--jobs", "8", "batch")
			rep := parseReport(t, r.stdout)
			if r.code != exitOK || rep.summary.Skipped != len(rec) || rep.summary.Uploaded != total-len(rec) {
				t.Fatalf("rerun: exit %d, %+v\n%s", r.code, rep.summary, r.stderr)
			}
			if n := gw.Count(gateway.OpPut); n != total-len(rec) {
				t.Errorf("the rerun sent %d PUTs, want %d (the files the journal lacked)", n, total-len(rec))
			}
			for _, f := range rep.files {
				if rec[f.Key] != (f.Status == statusSkipped) {
					t.Errorf("%s: %s, recorded %v", f.Key, f.Status, rec[f.Key])
				}
			}
			if got := listBucket(t, srv, bucket); len(got) != total {
				t.Errorf("MinIO holds %d of %d files", len(got), total)
			}
		})
	}
}
