package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunTimeoutKillsTheChild: when run's timeout passes, the measured
// command's whole process group is killed, down to a process the command
// started in the background (which the launcher's parent-death signal
// would not reach). That process would sleep an hour, so whether it was
// killed is read from its process state, not from how long run took.
func TestRunTimeoutKillsTheChild(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	_, err := run(context.Background(), invocation{Args: []string{"sh", "-c", "sleep 3600 & echo $! >" + pidFile + "; wait"}, Env: os.Environ()}, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("slow child: err = %v, want a timeout", err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the child did not start: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pid file %q: %v", b, err)
	}
	// run returns once the child's output pipe is closed, so the child is
	// exiting or gone. The loop only waits for the kernel to finish that;
	// its bound is a safety net against a child that was not killed.
	for start := time.Now(); !exited(pid); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 2*time.Minute {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the child %d still runs after the timeout: it was not killed", pid)
		}
	}
}

// exited reports whether process pid has ended: it is gone, or a zombie
// that nobody has reaped yet.
func exited(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	return b[i+2] == 'Z' || b[i+2] == 'X'
}
