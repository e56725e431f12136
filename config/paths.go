package config

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// resolvePaths makes the directories of local targets and backup: (given
// in the file at cfg.File) absolute: "~" and "~/..." are the home
// directory ($HOME), and a relative path is relative to the directory of
// the configuration file, so that the same --config names the same backup
// from any working directory.
func resolvePaths(cfg *Config, getenv func(string) (string, bool)) error {
	if cfg.File == "" {
		return nil // the default configuration: ./uploads, as documented
	}
	base, err := filepath.Abs(filepath.Dir(cfg.File))
	if err != nil {
		return configErr(fmt.Sprintf("%s: %v", cfg.File, err))
	}
	var errs []string
	resolve := func(p string, line int, what string) string {
		if p == "" {
			return p
		}
		if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, "~"+string(filepath.Separator)) {
			home, ok := getenv("HOME")
			if !ok || home == "" {
				errs = append(errs, fmt.Sprintf("%s:%d: %s %s: ~ is the home directory, and HOME is not set; write the full path", cfg.File, line, what, shown(p)))
				return p
			}
			return filepath.Join(home, p[1:])
		}
		if strings.HasPrefix(p, "~") {
			errs = append(errs, fmt.Sprintf("%s:%d: %s %s: ~user is not expanded; write the full path (or ~/ for your own home)", cfg.File, line, what, shown(p)))
			return p
		}
		if filepath.IsAbs(p) {
			return filepath.Clean(p)
		}
		return filepath.Join(base, p)
	}
	for _, t := range cfg.Targets {
		if t.Path != "" {
			t.Path = resolve(t.Path, t.Line, "path:")
		}
	}
	cfg.Backup = resolve(cfg.Backup, cfg.BackupLine, "backup:")
	if len(errs) > 0 {
		return &Error{Msgs: errs}
	}
	return nil
}

// shown returns a path as printed in messages: as is, or quoted with Go
// escapes when it holds a control character or invalid UTF-8.
func shown(s string) string {
	if q := strconv.Quote(s); q[1:len(q)-1] != s {
		return q
	}
	return s
}
