package main

import (
	"bufio"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// machine describes the host a benchmark ran on.
type machine struct {
	CPU       string
	Cores     int
	RAM       string
	Kernel    string
	OS        string
	GoVersion string
}

func describeMachine() machine {
	m := machine{CPU: "unknown", Cores: runtime.NumCPU(), RAM: "unknown", Kernel: "unknown", OS: runtime.GOOS + "/" + runtime.GOARCH}
	if v := firstField("/proc/cpuinfo", "model name"); v != "" {
		m.CPU = v
	}
	if v := firstField("/proc/meminfo", "MemTotal"); v != "" {
		if kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err == nil {
			m.RAM = humanBytes(kb << 10)
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
				m.OS = strings.Trim(v, `"`) + " " + m.OS
			}
		}
	}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		m.GoVersion = strings.TrimSpace(strings.TrimPrefix(string(out), "go version "))
	} else {
		m.GoVersion = runtime.Version()
	}
	return m
}

// firstField returns the value of the first "key : value" line of a
// /proc file whose key is key.
func firstField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// binaryVersion describes a Go binary from its build information: the main
// module's version (or the VCS revision for a build from a work tree) and
// the Go toolchain it was built with.
func binaryVersion(path string) string {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	v := info.Main.Path + "@" + info.Main.Version
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " rev " + rev
		if modified == "true" {
			v += " (modified work tree)"
		}
	}
	return fmt.Sprintf("%s, %s", v, info.GoVersion)
}
