//go:build !linux

package miniotest

import (
	"os"
	"os/exec"
	"syscall"
)

func setProcAttr(cmd *exec.Cmd) {}

// signalGroup signals the exact pid (no process groups here).
func signalGroup(pid int, sig syscall.Signal) {
	if p, err := os.FindProcess(pid); err == nil {
		if sig == syscall.SIGKILL {
			_ = p.Kill()
		} else {
			_ = p.Signal(os.Interrupt)
		}
	}
}
