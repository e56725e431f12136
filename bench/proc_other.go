//go:build !linux

package main

import (
	"os/exec"
	"syscall"
)

// setProcAttr runs the child in its own process group.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills the process group led by pid.
func killGroup(pid int) error { return syscall.Kill(-pid, syscall.SIGKILL) }

// setChildAttr does nothing where there is no parent-death signal.
func setChildAttr(cmd *exec.Cmd) {}
