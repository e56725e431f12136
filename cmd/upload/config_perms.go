package main

import (
	"fmt"
	"os"
	"strings"
)

// secretPermsProblem returns what is wrong with the permissions of the
// configuration file when it holds literal secrets that group or others can
// read, or "".
func secretPermsProblem(cfg *config) string {
	if cfg.File == "" {
		return ""
	}
	var where []string
	for _, t := range cfg.Targets {
		if t.LiteralSecret != "" {
			where = append(where, t.LiteralSecret)
		}
	}
	if len(where) == 0 {
		return ""
	}
	fi, err := os.Stat(cfg.File)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("%s holds literal secrets (%s) and is readable by group or others (mode %04o): chmod 600 %s, or use ${NAME} references",
		shown(cfg.File), strings.Join(where, ", "), fi.Mode().Perm(), shown(cfg.File))
}

// checkConfigPerms warns on standard error about a configuration file
// whose literal secrets group or others can read, or with --strict-perms
// refuses it (exit 2).
func (a *app) checkConfigPerms(cfg *config) error {
	msg := secretPermsProblem(cfg)
	switch {
	case msg == "":
		return nil
	case a.strictPerms:
		return &configError{[]string{msg + " (refused: --strict-perms)"}}
	}
	fmt.Fprintf(a.stderr, "upload: warning: %s\n", msg)
	return nil
}
