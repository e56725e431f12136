//go:build linux

package miniotest

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts the server in its own process group (so Stop can signal
// the group) and has the kernel kill it if the test binary dies first.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalGroup sends sig to the server's process group, falling back to the
// exact pid.
func signalGroup(pid int, sig syscall.Signal) {
	if err := syscall.Kill(-pid, sig); err != nil {
		_ = syscall.Kill(pid, sig)
	}
}
