package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// invocation is one command to run and measure.
type invocation struct {
	// Args is the command line; Args[0] is the binary.
	Args []string
	// Env is the child's whole environment.
	Env []string
	// Dir is the working directory.
	Dir string
	// Stdout, if set, receives the child's standard output (for --json
	// reports); otherwise only its tail is kept.
	Stdout string
	// Stdin, if set, is a file given to the child as its standard input
	// (otherwise it reads /dev/null).
	Stdin string
}

// measurement is what one run of a child process cost.
type measurement struct {
	// Wall is from start to exit.
	Wall time.Duration
	// User and Sys are the child's CPU times (rusage ru_utime, ru_stime).
	User, Sys time.Duration
	// MaxRSSKiB is the child's peak resident set (rusage ru_maxrss, in KiB
	// on Linux).
	MaxRSSKiB int64
	// ExitCode is the child's exit status (-1 if it was killed).
	ExitCode int
	// Output is the tail of its standard error (and standard output, when
	// not sent to a file), for failure reports.
	Output string
}

// CPU is user plus system time.
func (m measurement) CPU() time.Duration { return m.User + m.Sys }

// launcher is the harness's own executable, which runs every measured
// child through its `measure` subcommand (see measureMain).
var launcher string

// run starts inv through the launcher, waits for it at most timeout, and
// returns its costs. The launcher and the child run in their own process
// group, which is killed on timeout or cancellation. A non-zero exit is an
// error (the measurement is still filled in).
func run(ctx context.Context, inv invocation, timeout time.Duration) (measurement, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if launcher == "" {
		return measurement{}, errors.New("no launcher (os.Executable failed)")
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return measurement{}, err
	}
	defer pr.Close()
	args := append([]string{launcher, "measure", "--"}, inv.Args...)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env, cmd.Dir = inv.Env, inv.Dir
	cmd.ExtraFiles = []*os.File{pw}
	setProcAttr(cmd)
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = 5 * time.Second
	errTail := &tailBuffer{max: 8 << 10}
	cmd.Stderr = errTail
	if inv.Stdin != "" {
		f, err := os.Open(inv.Stdin)
		if err != nil {
			pw.Close()
			return measurement{}, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	var outFile *os.File
	if inv.Stdout != "" {
		f, err := os.Create(inv.Stdout)
		if err != nil {
			pw.Close()
			return measurement{}, err
		}
		outFile = f
		cmd.Stdout = f
	} else {
		cmd.Stdout = errTail
	}
	err = cmd.Start()
	pw.Close()
	if err != nil {
		if outFile != nil {
			outFile.Close()
		}
		return measurement{}, err
	}
	var rep launcherReport
	decErr := make(chan error, 1)
	go func() { decErr <- json.NewDecoder(pr).Decode(&rep) }()
	err = cmd.Wait()
	derr := <-decErr
	m := measurement{Wall: rep.Wall, User: rep.User, Sys: rep.Sys, MaxRSSKiB: rep.MaxRSSKiB, ExitCode: rep.ExitCode, Output: errTail.String()}
	if outFile != nil {
		if cerr := outFile.Close(); err == nil {
			err = cerr
		}
	}
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return m, fmt.Errorf("timed out after %v: %s", timeout, lastLines(m.Output, 5))
	}
	if derr != nil {
		return m, fmt.Errorf("%s: no measurement from the launcher (%v): %s", strings.Join(redactArgs(inv.Args), " "), err, lastLines(m.Output, 8))
	}
	if rep.Err != "" {
		return m, fmt.Errorf("%s: %s", strings.Join(redactArgs(inv.Args), " "), rep.Err)
	}
	if m.ExitCode != 0 {
		return m, fmt.Errorf("%s: exit %d: %s", strings.Join(redactArgs(inv.Args), " "), m.ExitCode, lastLines(m.Output, 8))
	}
	return m, nil
}

// launcherReport is what the measure subcommand writes to file descriptor 3.
type launcherReport struct {
	Wall, User, Sys time.Duration
	MaxRSSKiB       int64
	ExitCode        int
	Err             string `json:",omitempty"`
}

// measureMain is the hidden `measure -- CMD ARGS...` subcommand, the
// launcher of every measured child. It exists because Linux carries a
// process's peak RSS across fork and exec: a child started by the harness
// itself would report at least the harness's own peak RSS (tens of MiB
// after generating the workloads). The launcher is a fresh small process,
// so the floor it imposes is its own start-up RSS (a few MiB, reported as
// the "launcher floor"). It runs CMD with the inherited environment, stdio
// and working directory, times it from start to exit, and writes a JSON
// launcherReport with CMD's rusage (user and system CPU, ru_maxrss) to file
// descriptor 3. Its exit status is 0 when it could report.
func measureMain(args []string) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	out := os.NewFile(3, "measure-report")
	if out == nil || len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: bench measure -- CMD [ARGS...] (with a report pipe on fd 3)")
		return 2
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	setChildAttr(cmd)
	var rep launcherReport
	start := time.Now()
	err := cmd.Start()
	if err == nil {
		err = cmd.Wait()
	}
	rep.Wall = time.Since(start)
	rep.ExitCode = -1
	if ps := cmd.ProcessState; ps != nil {
		rep.ExitCode = ps.ExitCode()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			rep.User = time.Duration(ru.Utime.Nano())
			rep.Sys = time.Duration(ru.Stime.Nano())
			rep.MaxRSSKiB = ru.Maxrss
		}
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		rep.Err = err.Error()
	}
	if err := json.NewEncoder(out).Encode(rep); err != nil {
		return 1
	}
	return 0
}

// redactArgs returns args with the binary's directory dropped, for messages.
func redactArgs(args []string) []string {
	out := append([]string(nil), args...)
	if len(out) > 0 {
		if i := strings.LastIndexByte(out[0], '/'); i >= 0 {
			out[0] = out[0][i+1:]
		}
	}
	return out
}

// lastLines returns the last n lines of s, joined by " | ".
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
