//go:build !linux

package main

import (
	"errors"
	"time"
)

var errNoProc = errors.New("no /proc")

func procCPU(pid int) (time.Duration, error) { return 0, errNoProc }
func machineBusy() (time.Duration, error)    { return 0, errNoProc }
func selfCPU() time.Duration                 { return 0 }
