package main

import (
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// checkCredentialValues checks the credentials a target ended with: none
// may be empty unless the target is anonymous (emptyCredentials), and a
// secret written in the file itself is noted (LiteralSecret) for the check
// of the file's permissions.
func (p *cfgParser) checkCredentialValues(tn *yaml.Node, t *targetConfig, where string) {
	p.emptyCredentials(tn, t, where)
	for _, key := range []string{"secret_access_key", "session_token"} {
		n, ok := mapKey(tn, key)
		if !ok || n.Kind != yaml.ScalarNode || n.Value == "" || strings.Contains(n.Value, "${") {
			continue
		}
		t.LiteralSecret = fmt.Sprintf("%s%s on line %d", where, key, n.Line)
		return
	}
}

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
