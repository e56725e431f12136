package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Config is a parsed configuration file, every value checked and every
// ${ENV} reference resolved.
type Config struct {
	// Source says where the configuration came from, for messages: a file
	// name, or a sentence for the default.
	Source string
	// File is the file read, "" for the default configuration.
	File    string
	Targets []*Target
	// Backup is the directory of an implicit local backup (top-level
	// "backup:"), "" if none was asked for.
	Backup     string
	BackupLine int

	Breaker        failover.BreakerOptions
	Retry          failover.RetryOptions
	Throttle       failover.ThrottleOptions
	AttemptTimeout time.Duration
	// StallTimeout is retry.stall_timeout (failover.Options.StallTimeout).
	StallTimeout time.Duration
	Probe        failover.ProbeOptions
	// SkewCorrect is skew.correct (default true); SkewReport skew.report.
	SkewCorrect bool
	SkewReport  time.Duration

	// fromDests marks a configuration of command-line destinations.
	fromDests bool
	// backupProvider is the provider of the implicit backup: the
	// registry's first local provider.
	backupProvider string
}

// Target is one entry of targets:.
type Target struct {
	Line     int
	Name     string
	Provider string
	Endpoint string
	Region   string
	Bucket   string
	// The credentials, resolved. CredSource says where they came from, for
	// messages (never their values): "${TOS_ACCESS_KEY}", "the config file",
	// "anonymous".
	AccessKeyID, SecretAccessKey, SessionToken string
	CredSource                                 string
	Anonymous                                  bool
	// CredSpec is the credentials: mapping, nil if absent; CredProvider
	// the chain link that supplies keys at run time (nil: the keys above).
	CredSpec     *CredentialSpec
	CredProvider credentials.Provider

	PartSize           int64
	PartJobs           int
	MultipartThreshold int64
	ConnectTimeout     time.Duration
	ResponseTimeout    time.Duration
	SignExpiry         time.Duration
	Signature          string
	PathStyle          bool
	SkipETagCheck      bool
	// CNAME: the endpoint is a custom domain bound to the bucket (tos,
	// oss, obs, cos). VirtualHost: address buckets as bucket.host (s3).
	CNAME, VirtualHost bool
	// Path is the directory of a local target.
	Path string
	// Readable marks a local target that, when it is the only kind of
	// target, keeps each key at its path (the default configuration and
	// local command-line destinations); a configured local target keeps
	// the backup's layout.
	Readable bool
	// LiteralSecret names the key holding a secret written in the file
	// itself (not a ${NAME} reference), with its line; "" if none.
	LiteralSecret string
	// Defaults are the target's defaults: the attributes it gives an
	// object that leaves them empty (failover.Target.Defaults); DefaultsAt
	// locates them for messages.
	Defaults   uploader.Attributes
	DefaultsAt string
}

// Error is a mistake in the configuration: every one found, each naming
// the file, line and key. The command exits with status 2 on it.
type Error struct{ Msgs []string }

func (e *Error) Error() string { return strings.Join(e.Msgs, "\n") }

func configErr(msgs ...string) *Error { return &Error{Msgs: msgs} }

// Options say how a configuration is read.
type Options struct {
	// Registry holds the providers a target may name. Required.
	Registry *provider.Registry
	// Getenv reads the environment (${NAME} references, credentials,
	// HOME); nil means os.LookupEnv.
	Getenv func(string) (string, bool)
}

func (o Options) getenv() func(string) (string, bool) {
	if o.Getenv == nil {
		return os.LookupEnv
	}
	return o.Getenv
}

// cloudKeys are the keys every cloud target may have; a provider adds its
// optional keys (provider.Provider.Keys).
var cloudKeys = []string{"name", "provider", "endpoint", "region", "bucket",
	"access_key_id", "secret_access_key", "session_token", "anonymous",
	"part_size", "part_jobs", "multipart_threshold", "connect_timeout", "response_timeout", "credentials"}

// keysOf returns the keys a target of provider p may have, name and
// provider included.
func keysOf(p provider.Provider) []string {
	if p.Local {
		return append([]string{"name", "provider"}, p.Keys...)
	}
	return append(append([]string{}, cloudKeys...), p.Keys...)
}

// Lookup returns the configuration file to read: explicit (--config)
// must exist; otherwise ./upload.yaml, then
// $XDG_CONFIG_HOME/upload/config.yaml (~/.config when unset); "" when none
// exists.
func Lookup(explicit string, getenv func(string) (string, bool)) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", configErr(fmt.Sprintf("--config %s: %v", explicit, plainErr(err)))
		}
		return explicit, nil
	}
	for _, c := range Candidates(getenv) {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			return c, nil
		}
	}
	return "", nil
}

// Candidates are the files Lookup tries, in order: ./upload.yaml, then
// $XDG_CONFIG_HOME/upload/config.yaml (~/.config/upload/config.yaml when
// XDG_CONFIG_HOME is unset).
func Candidates(getenv func(string) (string, bool)) []string {
	cands := []string{"upload.yaml"}
	if x, ok := getenv("XDG_CONFIG_HOME"); ok && x != "" {
		cands = append(cands, filepath.Join(x, "upload", "config.yaml"))
	} else if h, ok := getenv("HOME"); ok && h != "" {
		cands = append(cands, filepath.Join(h, ".config", "upload", "config.yaml"))
	}
	return cands
}

// plainErr drops the "stat FILE:" of a *fs.PathError, whose path the
// caller's message already names.
func plainErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.New("no such file")
		}
		return pe.Err
	}
	return err
}

// DefaultDir is the directory of the default configuration's local
// target, relative to the working directory.
const DefaultDir = "uploads"

// Default is the configuration without a file: one target of provider
// "local", named local, in dir (DefaultDir when ""). looked lists the files
// tried (Candidates), for its Source.
func Default(dir string, looked []string) *Config {
	if dir == "" {
		dir = DefaultDir
	}
	return &Config{
		Source:      "no configuration found (looked in " + strings.Join(looked, ", ") + "): storing in ./" + dir,
		Targets:     []*Target{{Name: "local", Provider: "local", Path: dir, CredSource: "none", Readable: true}},
		SkewCorrect: true,
	}
}

// Load reads and checks the configuration file at path, and resolves its
// paths against the file's directory (see Parse).
func Load(path string, o Options) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, configErr(fmt.Sprintf("%s: %v", path, plainErr(err)))
	}
	cfg, err := Parse(path, data, o)
	if err != nil {
		return nil, err
	}
	if err := resolvePaths(cfg, o.getenv()); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Parse parses data, the contents of file. Every mistake is reported in one
// *Error, each with the file, the line and the key; no value from the
// environment is ever printed. Paths are left as written (Load resolves
// them).
//
// Parse is long because it holds the table of the file's sections and keys
// to their setters, in one place to read; each entry is one line.
func Parse(file string, data []byte, o Options) (*Config, error) {
	if o.Registry == nil {
		return nil, errors.New("config: Options.Registry is nil")
	}
	p := &cfgParser{file: file, getenv: o.getenv(), reg: o.Registry}
	cfg := &Config{Source: file, File: file, SkewCorrect: true}
	for _, n := range o.Registry.Names() {
		if pr, _ := o.Registry.Lookup(n); pr.Local {
			cfg.backupProvider = n
			break
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// yaml's messages already say "yaml: line N: ...".
		return nil, configErr(fmt.Sprintf("%s: %s", file, strings.TrimPrefix(err.Error(), "yaml: ")))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, configErr(file + ": the file is empty; it needs at least a targets: list (see upload --help)")
	}
	root := deref(doc.Content[0])
	p.mapping(root, "", map[string]func(*yaml.Node){
		"targets": func(n *yaml.Node) { p.targets(n, cfg) },
		"backup": func(n *yaml.Node) {
			if s, ok := p.str(n, "backup"); ok {
				if s == "" {
					p.errorf(n, "backup: is empty; give the directory of the local backup, e.g. ./upload-backup")
				}
				cfg.Backup, cfg.BackupLine = s, n.Line
			}
		},
		"breaker": func(n *yaml.Node) {
			b := &cfg.Breaker
			p.mapping(n, "breaker.", map[string]func(*yaml.Node){
				"consecutive":        func(n *yaml.Node) { b.Consecutive = p.posInt(n, "breaker.consecutive") },
				"failures":           func(n *yaml.Node) { b.Failures = p.posInt(n, "breaker.failures") },
				"ratio":              func(n *yaml.Node) { b.Ratio = p.ratio(n, "breaker.ratio") },
				"min_requests":       func(n *yaml.Node) { b.MinRequests = p.posInt(n, "breaker.min_requests") },
				"window":             func(n *yaml.Node) { b.Window = p.posDur(n, "breaker.window") },
				"bucket_period":      func(n *yaml.Node) { b.BucketPeriod = p.posDur(n, "breaker.bucket_period") },
				"open_timeout":       func(n *yaml.Node) { b.OpenTimeout = p.posDur(n, "breaker.open_timeout") },
				"half_open_requests": func(n *yaml.Node) { b.HalfOpenRequests = p.posInt(n, "breaker.half_open_requests") },
				"probe_interval":     func(n *yaml.Node) { cfg.Probe.Interval = p.posDur(n, "breaker.probe_interval") },
				"probe_timeout":      func(n *yaml.Node) { cfg.Probe.Timeout = p.posDur(n, "breaker.probe_timeout") },
			})
		},
		"retry": func(n *yaml.Node) {
			r := &cfg.Retry
			p.mapping(n, "retry.", map[string]func(*yaml.Node){
				"attempts":        func(n *yaml.Node) { r.MaxAttempts = p.posInt(n, "retry.attempts") },
				"budget":          func(n *yaml.Node) { r.Budget = p.posInt(n, "retry.budget") },
				"base_delay":      func(n *yaml.Node) { r.BaseDelay = p.posDur(n, "retry.base_delay") },
				"max_delay":       func(n *yaml.Node) { r.MaxDelay = p.posDur(n, "retry.max_delay") },
				"max_retry_after": func(n *yaml.Node) { r.MaxRetryAfter = p.posDur(n, "retry.max_retry_after") },
				"open_wait":       func(n *yaml.Node) { r.OpenWait = p.posDur(n, "retry.open_wait") },
				"first_delay":     func(n *yaml.Node) { r.FirstDelay = p.posDur(n, "retry.first_delay") },
				"target_retry_ratio": func(n *yaml.Node) {
					r.TargetRetryRatio = p.ratio(n, "retry.target_retry_ratio")
				},
				"target_retry_rate": func(n *yaml.Node) {
					r.TargetRetryRate = float64(p.posInt(n, "retry.target_retry_rate"))
				},
				"deadline":        func(n *yaml.Node) { r.Deadline = p.posDur(n, "retry.deadline") },
				"attempt_timeout": func(n *yaml.Node) { cfg.AttemptTimeout = p.posDur(n, "retry.attempt_timeout") },
				"stall_timeout":   func(n *yaml.Node) { cfg.StallTimeout = p.posDur(n, "retry.stall_timeout") },
			})
		},
		"throttle": func(n *yaml.Node) {
			th := &cfg.Throttle
			p.mapping(n, "throttle.", map[string]func(*yaml.Node){
				"min_concurrency": func(n *yaml.Node) { th.MinConcurrency = p.posInt(n, "throttle.min_concurrency") },
				"decrease": func(n *yaml.Node) {
					if th.Decrease = p.ratio(n, "throttle.decrease"); th.Decrease == 1 {
						p.errorf(n, "throttle.decrease: 1 would never lower the concurrency; give a fraction below 1 (e.g. 0.7)")
					}
				},
				"unusable_after": func(n *yaml.Node) { th.UnusableAfter = p.posDur(n, "throttle.unusable_after") },
				"backup": func(n *yaml.Node) {
					s, ok := p.str(n, "throttle.backup")
					switch {
					case !ok:
					case s == "outages":
						th.BackupForOutagesOnly = true
					case s == "always":
						th.BackupForOutagesOnly = false
					default:
						p.errorf(n, "throttle.backup: %q is neither outages (the backup never takes files because a target throttles) nor always (the default)", s)
					}
				},
			})
		},
		"skew": func(n *yaml.Node) {
			p.mapping(n, "skew.", map[string]func(*yaml.Node){
				"correct": func(n *yaml.Node) {
					if v, ok := p.boolean(n, "skew.correct"); ok {
						cfg.SkewCorrect = v
					}
				},
				"report": func(n *yaml.Node) { cfg.SkewReport = p.posDur(n, "skew.report") },
			})
		},
	})
	if _, ok := mapKey(root, "targets"); !ok && root.Kind == yaml.MappingNode {
		p.errorf(root, "no targets: list; name at least one target (see upload --help)")
	}
	p.checkTargets(cfg)
	if len(p.errs) > 0 {
		return nil, &Error{Msgs: p.errs}
	}
	return cfg, nil
}

// cfgParser walks the YAML nodes, collecting every mistake.
type cfgParser struct {
	file   string
	getenv func(string) (string, bool)
	reg    *provider.Registry
	// dest is the command-line destination being read ("--to URL"), ""
	// for a file: messages name it instead of a file and line, and its
	// targets are not called targets[i].
	dest string
	errs []string
	// empty lists, per value node, the ${NAME} references it holds to
	// variables set to the empty string (see emptyCredentials).
	empty map[*yaml.Node][]string
}

func (p *cfgParser) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	if p.dest != "" {
		// A command-line destination: no file, no line.
		p.errs = append(p.errs, fmt.Sprintf("%s: %s", p.dest, fmt.Sprintf(format, args...)))
		return
	}
	p.errs = append(p.errs, fmt.Sprintf("%s:%d: %s", p.file, line, fmt.Sprintf(format, args...)))
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func mapKey(n *yaml.Node, key string) (*yaml.Node, bool) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return deref(n.Content[i+1]), true
		}
	}
	return nil, false
}

// mapping calls the handler of each key of the mapping n; an unknown or
// repeated key is an error that names the line and suggests the closest
// known key.
func (p *cfgParser) mapping(n *yaml.Node, where string, handlers map[string]func(*yaml.Node)) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return // an empty section: all defaults
		}
		name := strings.TrimSuffix(where, ".")
		if name == "" {
			p.errorf(n, "the file must be a mapping of sections (targets:, breaker:, retry:, throttle:, skew:, backup:)")
		} else {
			p.errorf(n, "%s must be a mapping of keys", name)
		}
		return
	}
	seen := map[string]int{}
	known := make([]string, 0, len(handlers))
	for k := range handlers {
		known = append(known, k)
	}
	sort.Strings(known)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if l, dup := seen[k.Value]; dup {
			p.errorf(k, "%s%s is set twice (first on line %d)", where, k.Value, l)
			continue
		}
		seen[k.Value] = k.Line
		h, ok := handlers[k.Value]
		if !ok {
			p.errorf(k, "unknown key %s%s%s (known: %s)", where, k.Value, suggest(k.Value, known), strings.Join(known, ", "))
			continue
		}
		h(v)
	}
}

// suggest returns ` (did you mean "x"?)` for the known key closest to k,
// or "".
func suggest(k string, known []string) string {
	best, bestD := "", 3
	for _, c := range known {
		if d := editDistance(k, c); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

var envRef = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// scalar returns the text of a scalar node with its ${ENV} references
// resolved, and the names of the variables used. "$$" stands for "$".
func (p *cfgParser) scalar(n *yaml.Node, key string) (val string, vars []string, ok bool) {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "%s must be a single value, not a list or a mapping", key)
		return "", nil, false
	}
	if n.Tag == "!!null" {
		return "", nil, true
	}
	s := n.Value
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if i+1 >= len(s) || s[i+1] != '{' {
			b.WriteByte('$')
			continue
		}
		// The value may be a secret: the messages below say where the
		// mistake is, never what the value holds.
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			p.errorf(n, "%s: an unterminated ${ at character %d of the value (write ${NAME}, or $$ for a literal $; the value is not shown)", key, utf8.RuneCountInString(s[:i])+1)
			return "", nil, false
		}
		name := s[i+2 : i+end]
		if !envRef.MatchString(name) {
			p.errorf(n, "%s: a ${...} reference at character %d of the value is not an environment variable name (letters, digits and _ only; $$ for a literal $; the value is not shown)", key, utf8.RuneCountInString(s[:i])+1)
			return "", nil, false
		}
		v, set := p.getenv(name)
		if !set {
			p.errorf(n, "%s: the environment variable %s is not set", key, name)
			return "", nil, false
		}
		if v == "" {
			p.noteEmpty(n, name)
		}
		vars = append(vars, name)
		b.WriteString(v)
		i += end
	}
	return b.String(), vars, true
}

// what names a value for messages without printing what came from the
// environment.
func what(raw string, vars []string) string {
	if len(vars) > 0 {
		return "the value of ${" + strings.Join(vars, "}, ${") + "}"
	}
	return strconv.Quote(raw)
}

func (p *cfgParser) str(n *yaml.Node, key string) (string, bool) {
	s, _, ok := p.scalar(n, key)
	return s, ok
}

func (p *cfgParser) boolean(n *yaml.Node, key string) (bool, bool) {
	s, vars, ok := p.scalar(n, key)
	if !ok {
		return false, false
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		p.errorf(n, "%s: %s is not true or false", key, what(s, vars))
		return false, false
	}
	return v, true
}

func (p *cfgParser) posInt(n *yaml.Node, key string) int {
	s, vars, ok := p.scalar(n, key)
	if !ok {
		return 0
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v < 1 {
		p.errorf(n, "%s: %s is not a whole number of at least 1", key, what(s, vars))
		return 0
	}
	return v
}

func (p *cfgParser) ratio(n *yaml.Node, key string) float64 {
	s, vars, ok := p.scalar(n, key)
	if !ok {
		return 0
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v <= 0 || v > 1 {
		p.errorf(n, "%s: %s is not a fraction above 0 and at most 1 (e.g. 0.5)", key, what(s, vars))
		return 0
	}
	return v
}

func (p *cfgParser) posDur(n *yaml.Node, key string) time.Duration {
	s, vars, ok := p.scalar(n, key)
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		p.errorf(n, "%s: %s is not a positive duration (e.g. 500ms, 30s, 10m)", key, what(s, vars))
		return 0
	}
	return d
}

func (p *cfgParser) size(n *yaml.Node, key string) int64 {
	s, vars, ok := p.scalar(n, key)
	if !ok {
		return 0
	}
	v, err := ParseSize(s)
	if err != nil || v < 1 {
		if len(vars) > 0 {
			p.errorf(n, "%s: %s is not a size (e.g. 16MiB, 8M)", key, what(s, vars))
		} else {
			p.errorf(n, "%s: %v", key, errOr(err, "a size must be above zero"))
		}
		return 0
	}
	return v
}

func errOr(err error, msg string) string {
	if err != nil {
		return err.Error()
	}
	return msg
}

var targetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// targets parses the targets: list.
func (p *cfgParser) targets(n *yaml.Node, cfg *Config) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "targets: must be a list, each entry a target with name and provider (see upload --help)")
		return
	}
	if len(n.Content) == 0 {
		p.errorf(n, "targets: is empty; name at least one target")
	}
	names := p.reg.Names()
	for i, tn := range n.Content {
		tn = deref(tn)
		where := fmt.Sprintf("targets[%d].", i)
		if p.dest != "" {
			where = ""
		}
		if tn.Kind != yaml.MappingNode {
			p.errorf(tn, "%s must be a mapping with name, provider, endpoint, bucket...", strings.TrimSuffix(where, "."))
			continue
		}
		t := &Target{Line: tn.Line}
		provNode, hasProv := mapKey(tn, "provider")
		if !hasProv {
			p.errorf(tn, "%sprovider is missing (one of %s)", where, strings.Join(names, ", "))
			continue
		}
		name, ok := p.str(provNode, where+"provider")
		if !ok {
			continue
		}
		prov, known := p.reg.Lookup(name)
		if !known {
			p.errorf(provNode, "%sprovider: unknown provider %q (one of %s)%s", where, name, strings.Join(names, ", "), suggest(name, names))
			continue
		}
		t.Provider = name
		if nn, ok := mapKey(tn, "name"); ok {
			if s, ok := p.str(nn, where+"name"); ok {
				t.Name = s
				if p.dest == "" {
					where = fmt.Sprintf("targets[%d] (%s).", i, s)
				}
			}
		} else {
			t.Name = name
		}
		var idVars, secretVars []string
		handlers := map[string]func(*yaml.Node){}
		for _, k := range keysOf(prov) {
			if h := p.keyHandler(k, where+k, t, prov, &idVars, &secretVars); h != nil {
				handlers[k] = h
			}
		}
		handlers["defaults"] = func(n *yaml.Node) { p.objectDefaults(n, t, where) }
		// A key that another provider knows gets a precise message.
		for i := 0; i+1 < len(tn.Content); i += 2 {
			k := tn.Content[i]
			if _, ok := handlers[k.Value]; ok {
				continue
			}
			var owners []string
			for _, other := range names {
				op, _ := p.reg.Lookup(other)
				if slices.Contains(keysOf(op), k.Value) {
					owners = append(owners, other)
				}
			}
			if len(owners) > 0 {
				p.errorf(k, "%s%s does not apply to provider %s (it is a key of %s targets)", where, k.Value, name, strings.Join(owners, ", "))
				handlers[k.Value] = func(*yaml.Node) {}
			}
		}
		p.mapping(tn, where, handlers)
		if !prov.Local {
			p.credentials(tn, t, prov, where, idVars, secretVars)
			p.checkCredentialValues(tn, t, prov, where)
		}
		cfg.Targets = append(cfg.Targets, t)
	}
}

// keyHandler returns the setter of target key k (written key in messages),
// the table of keys to fields.
func (p *cfgParser) keyHandler(k, key string, t *Target, prov provider.Provider, idVars, secretVars *[]string) func(*yaml.Node) {
	switch k {
	case "name", "provider":
		return func(*yaml.Node) {} // read above
	case "path":
		return func(n *yaml.Node) { t.Path, _ = p.str(n, key) }
	case "endpoint":
		return func(n *yaml.Node) { t.Endpoint, _ = p.str(n, key) }
	case "region":
		return func(n *yaml.Node) { t.Region, _ = p.str(n, key) }
	case "bucket":
		return func(n *yaml.Node) { t.Bucket, _ = p.str(n, key) }
	case "access_key_id":
		return func(n *yaml.Node) { t.AccessKeyID, *idVars, _ = p.scalar(n, key) }
	case "secret_access_key":
		return func(n *yaml.Node) { t.SecretAccessKey, *secretVars, _ = p.scalar(n, key) }
	case "session_token":
		return func(n *yaml.Node) { t.SessionToken, _ = p.str(n, key) }
	case "anonymous":
		return func(n *yaml.Node) { t.Anonymous, _ = p.boolean(n, key) }
	case "credentials":
		return func(n *yaml.Node) { t.CredSpec = p.credSpec(n, key+".") }
	case "part_size":
		return func(n *yaml.Node) { t.PartSize = p.size(n, key) }
	case "multipart_threshold":
		return func(n *yaml.Node) { t.MultipartThreshold = p.size(n, key) }
	case "part_jobs":
		return func(n *yaml.Node) { t.PartJobs = p.posInt(n, key) }
	case "connect_timeout":
		return func(n *yaml.Node) { t.ConnectTimeout = p.posDur(n, key) }
	case "response_timeout":
		return func(n *yaml.Node) { t.ResponseTimeout = p.posDur(n, key) }
	case provider.KeySignExpiry:
		return func(n *yaml.Node) { t.SignExpiry = p.posDur(n, key) }
	case provider.KeyPathStyle:
		return func(n *yaml.Node) { t.PathStyle, _ = p.boolean(n, key) }
	case provider.KeySkipETagCheck:
		return func(n *yaml.Node) { t.SkipETagCheck, _ = p.boolean(n, key) }
	case provider.KeyCNAME:
		return func(n *yaml.Node) { t.CNAME, _ = p.boolean(n, key) }
	case provider.KeyVirtualHost:
		return func(n *yaml.Node) { t.VirtualHost, _ = p.boolean(n, key) }
	case provider.KeySignature:
		return func(n *yaml.Node) {
			s, ok := p.str(n, key)
			if !ok {
				return
			}
			s = strings.ToLower(s)
			if slices.Contains(prov.Signatures, s) {
				t.Signature = s
				return
			}
			p.errorf(n, "%s: %q is not a signature %s knows (one of %s)", key, s, prov.Name, strings.Join(prov.Signatures, ", "))
		}
	}
	return nil
}

// credentials fills in the credentials a target left out from the
// provider's usual environment variables, and records where they came from.
func (p *cfgParser) credentials(tn *yaml.Node, t *Target, prov provider.Provider, where string, idVars, secretVars []string) {
	if t.CredSpec != nil {
		p.credentialsFromSpec(tn, t, prov, where)
		return
	}
	_, hasID := mapKey(tn, "access_key_id")
	_, hasSecret := mapKey(tn, "secret_access_key")
	if t.Anonymous {
		if hasID || hasSecret {
			p.errorf(tn, "%sanonymous: true and credentials are both set; keep one", where)
		}
		t.AccessKeyID, t.SecretAccessKey, t.CredSource = "", "", "anonymous"
		return
	}
	switch {
	case hasID && hasSecret:
		t.CredSource = source(idVars) + " and " + source(secretVars)
		return
	case hasID != hasSecret:
		missing := "secret_access_key"
		if !hasID {
			missing = "access_key_id"
		}
		p.errorf(tn, "%s%s is missing: set both access_key_id and secret_access_key, or neither to read %s", where, missing, envNames(prov))
		return
	}
	for _, fam := range prov.Env {
		id, idSet := p.getenv(fam.AccessKeyID)
		secret, secretSet := p.getenv(fam.Secret)
		if !idSet && !secretSet {
			continue
		}
		if !idSet || !secretSet {
			set, missing := fam.AccessKeyID, fam.Secret
			if !idSet {
				set, missing = missing, set
			}
			p.errorf(tn, "%scredentials: %s is set but %s is not", where, set, missing)
			return
		}
		t.AccessKeyID, t.SecretAccessKey = id, secret
		t.CredSource = "${" + fam.AccessKeyID + "} and ${" + fam.Secret + "}"
		if fam.Token != "" {
			if tok, ok := p.getenv(fam.Token); ok && t.SessionToken == "" {
				t.SessionToken = tok
				t.CredSource += " and ${" + fam.Token + "}"
			}
		}
		return
	}
	if p.profileFallback(tn, t, prov, where) {
		return
	}
	example := "NAME"
	if len(prov.Env) > 0 {
		example = prov.Env[0].AccessKeyID
	}
	p.errorf(tn, "%sno credentials: set access_key_id and secret_access_key (e.g. ${%s}), export %s, write a profile in %s, "+
		"set credentials: {source: instance, role: NAME} on a machine with a role, or set anonymous: true",
		where, example, envNames(prov), profileNames(t.Provider))
}

func source(vars []string) string {
	if len(vars) == 0 {
		return "the config file"
	}
	return "${" + strings.Join(vars, "}${") + "}"
}

func envNames(prov provider.Provider) string {
	var parts []string
	for _, fam := range prov.Env {
		parts = append(parts, fam.AccessKeyID+" and "+fam.Secret)
	}
	if len(parts) == 0 {
		return "(no environment variables for " + prov.Name + ")"
	}
	return strings.Join(parts, ", or ")
}

// checkTargets checks what involves several targets: unique names, at most
// one local target, no local target beside backup:.
func (p *cfgParser) checkTargets(cfg *Config) {
	names := map[string]int{}
	var local *Target
	for _, t := range cfg.Targets {
		n := &yaml.Node{Line: t.Line}
		if !targetName.MatchString(t.Name) {
			p.errorf(n, "target name %q: use letters, digits, '.', '_' and '-' only (at most 64), starting with a letter or digit", t.Name)
		}
		if l, dup := names[t.Name]; dup {
			p.errorf(n, "two targets are named %q (the other on line %d); names must be unique (set name:)", t.Name, l)
		}
		names[t.Name] = t.Line
		if prov, _ := p.reg.Lookup(t.Provider); prov.Local {
			if local != nil {
				p.errorf(n, "a second local target (%q; the first, %q, is on line %d): only one local backup is allowed", t.Name, local.Name, local.Line)
			}
			local = t
			if t.Path == "" {
				p.errorf(n, "local target %q: path is missing (e.g. path: ./upload-backup)", t.Name)
			}
		}
	}
	if cfg.Backup != "" {
		if cfg.backupProvider == "" {
			p.errorf(&yaml.Node{Line: cfg.BackupLine}, "backup: needs a local provider, and none is registered")
		}
		if local != nil {
			p.errorf(&yaml.Node{Line: cfg.BackupLine}, "backup: and a local target (%q, line %d) are both set; keep one", local.Name, local.Line)
		}
		if _, dup := names["backup"]; dup {
			p.errorf(&yaml.Node{Line: cfg.BackupLine}, "backup: adds a target named \"backup\", and a target already has that name")
		}
	}
}

// AllTargets returns the targets with the implicit backup of backup:
// appended (provider "local").
func (c *Config) AllTargets() []*Target {
	if c.Backup == "" {
		return c.Targets
	}
	prov := c.backupProvider
	if prov == "" {
		prov = "local"
	}
	return append(append([]*Target{}, c.Targets...),
		&Target{Line: c.BackupLine, Name: "backup", Provider: prov, Path: c.Backup, CredSource: "none"})
}
