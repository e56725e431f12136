package config

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/resilient-upload/upload/provider"
)

// noteEmpty records that the value node n refers to the variable name,
// which is set to the empty string.
func (p *cfgParser) noteEmpty(n *yaml.Node, name string) {
	if p.empty == nil {
		p.empty = map[*yaml.Node][]string{}
	}
	p.empty[n] = append(p.empty[n], name)
}

var credVarRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// emptyCredentials refuses a target whose access key ID or secret came out
// empty: from a ${NAME} (or the provider's usual variable) set to the
// empty string, which the SDKs would take for anonymous access, or from an
// empty value in the file. The error names the variable or the key, never
// a value. Unsigned requests need anonymous: true.
func (p *cfgParser) emptyCredentials(tn *yaml.Node, t *Target, prov provider.Provider, where string) {
	if t.Anonymous {
		return
	}
	reported := false
	for _, key := range []string{"access_key_id", "secret_access_key"} {
		n, ok := mapKey(tn, key)
		if !ok {
			continue
		}
		if names := p.empty[n]; len(names) > 0 {
			for _, name := range names {
				p.errorf(n, "%s%s: the environment variable %s is set but empty; set it to the key, or write anonymous: true for unsigned requests", where, key, name)
			}
			reported = true
			continue
		}
		if (key == "access_key_id" && t.AccessKeyID == "" || key == "secret_access_key" && t.SecretAccessKey == "") && n.Kind == yaml.ScalarNode {
			p.errorf(n, "%s%s is empty; set it, or write anonymous: true for unsigned requests", where, key)
			reported = true
		}
	}
	if reported {
		return
	}
	// The provider's usual variables (read when the file names none).
	tokens := map[string]bool{}
	for _, fam := range prov.Env {
		tokens[fam.Token] = true
	}
	_, hasID := mapKey(tn, "access_key_id")
	if hasID {
		return
	}
	for _, m := range credVarRef.FindAllStringSubmatch(t.CredSource, -1) {
		name := m[1]
		if tokens[name] {
			continue // an empty session token is no token, not anonymous access
		}
		if v, set := p.getenv(name); set && v == "" {
			p.errorf(tn, "%scredentials: %s is set but empty; set it to the key, unset it, or write anonymous: true for unsigned requests", where, name)
		}
	}
}

// checkCredentialValues checks the credentials a target ended with: none
// may be empty unless the target is anonymous (emptyCredentials), and a
// secret written in the file itself is noted (LiteralSecret) for the check
// of the file's permissions.
func (p *cfgParser) checkCredentialValues(tn *yaml.Node, t *Target, prov provider.Provider, where string) {
	p.emptyCredentials(tn, t, prov, where)
	for _, key := range []string{"secret_access_key", "session_token"} {
		n, ok := mapKey(tn, key)
		if !ok || n.Kind != yaml.ScalarNode || n.Value == "" || strings.Contains(n.Value, "${") {
			continue
		}
		t.LiteralSecret = fmt.Sprintf("%s%s on line %d", where, key, n.Line)
		return
	}
}
