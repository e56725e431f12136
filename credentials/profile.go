package credentials

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ProfileFile is one vendor CLI's configuration file.
type ProfileFile struct {
	// Path is the file; a leading "~/" is the home directory.
	Path string
	// Format is "ini" (sections of key = value; a file without sections
	// is one section), "aws-config" (ini whose sections are "[profile
	// NAME]" except "[default]"), "volcengine-json", "aliyun-json" or
	// "coscli-yaml".
	Format string
	// Section, for "ini" files without a section of the profile's name,
	// is the section to read instead (ossutil's "Credentials").
	Section string
	// ID, Secret and Token are the key names, tried in order
	// (case-insensitive).
	ID, Secret, Token []string
	// Region and Endpoint are the key names of the settings the CLI keeps
	// beside the keys ([ProfileSettings]), for "ini" and "aws-config" files.
	Region, Endpoint []string
}

// ProfileFiles lists, per provider, the CLI configuration files read by
// the profile link, in order; the first file that exists and holds the
// profile wins.
var ProfileFiles = map[string][]ProfileFile{
	"tos": {
		{Path: "~/.tosutilconfig", Format: "ini", ID: []string{"ak", "accessKeyID"}, Secret: []string{"sk", "secretKey", "accessKeySecret"},
			Token: []string{"token", "securityToken", "stsToken"}, Region: []string{"region"}, Endpoint: []string{"endpoint"}},
		{Path: "~/.volcengine/config.json", Format: "volcengine-json"},
	},
	"oss": {
		{Path: "~/.ossutilconfig", Format: "ini", Section: "Credentials", ID: []string{"accessKeyID", "accessKeyId"},
			Secret: []string{"accessKeySecret"}, Token: []string{"stsToken", "securityToken"}, Region: []string{"region"}, Endpoint: []string{"endpoint"}},
		{Path: "~/.aliyun/config.json", Format: "aliyun-json"},
	},
	"obs": {
		{Path: "~/.obsutilconfig", Format: "ini", ID: []string{"ak"}, Secret: []string{"sk"}, Token: []string{"token"}, Endpoint: []string{"endpoint"}},
	},
	"cos": {
		{Path: "~/.cos.yaml", Format: "coscli-yaml"},
	},
	"s3": {
		{Path: "~/.aws/credentials", Format: "ini", ID: []string{"aws_access_key_id"}, Secret: []string{"aws_secret_access_key"},
			Token: []string{"aws_session_token"}},
		{Path: "~/.aws/config", Format: "aws-config", ID: []string{"aws_access_key_id"}, Secret: []string{"aws_secret_access_key"},
			Token: []string{"aws_session_token"}, Region: []string{"region"}, Endpoint: []string{"endpoint_url"}},
	},
}

// profileEnv is the variable that names the profile, per provider, and the
// variables that move the files (AWS only).
var profileEnv = map[string]string{"s3": "AWS_PROFILE", "oss": "ALIBABA_CLOUD_PROFILE", "tos": "VOLCENGINE_PROFILE"}

var awsFileEnv = map[string]string{"~/.aws/credentials": "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/config": "AWS_CONFIG_FILE"}

// Profile returns a Provider reading profile (default: the provider's
// profile variable, e.g. AWS_PROFILE, else "default") from the files in
// order. home is the home directory ("" means os.UserHomeDir); getenv nil
// means os.LookupEnv. A missing file or profile is [ErrNotFound]; a file
// that cannot be parsed, or a profile with only half a key pair, is an
// error naming the file and the profile (never a value).
func Profile(provider, profile, home string, getenv func(string) (string, bool), files ...ProfileFile) Provider {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	return ProviderFunc(func(context.Context) (Value, error) {
		name := profile
		if name == "" {
			if v, ok := getenv(profileEnv[provider]); ok && profileEnv[provider] != "" && v != "" {
				name = v
			} else {
				name = "default"
			}
		}
		var tried []string
		for _, f := range files {
			path, shown, ok := profilePath(provider, f, home, getenv)
			if !ok {
				continue
			}
			link := fmt.Sprintf("profile %s [%s]", shown, name)
			data, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				tried = append(tried, shown)
				continue
			}
			if err != nil {
				return Value{}, &Error{Link: link, Err: fmt.Errorf("reading %s: %v", path, unwrapPath(err))}
			}
			v, found, err := parseProfile(f, data, name)
			if err != nil {
				return Value{}, &Error{Link: link, Err: fmt.Errorf("%s: %v", path, err)}
			}
			if !found {
				tried = append(tried, shown+" (no profile "+name+")")
				continue
			}
			if v.AccessKeyID == "" && v.SecretAccessKey == "" {
				// A profile of settings only (a region): no keys here.
				tried = append(tried, shown+" (profile "+name+" holds no keys)")
				continue
			}
			if v.AccessKeyID == "" || v.SecretAccessKey == "" {
				msg := fmt.Sprintf("%s: profile %s has only half a key pair", path, name)
				if provider == "s3" {
					msg += " (profiles with role_arn, sso_* or credential_process are not read; use credentials: {source: instance} for web identity)"
				}
				return Value{}, &Error{Link: link, Err: errors.New(msg)}
			}
			v.Source = link
			return v, nil
		}
		return Value{}, &Error{Link: "profile", Err: fmt.Errorf("%w: tried %s", ErrNotFound, strings.Join(tried, ", "))}
	})
}

// profilePath returns the path of the profile file f (an AWS file moved by
// its variable; "~/" in the home directory) and the form to show in
// messages; ok is false when the home directory is unknown.
func profilePath(provider string, f ProfileFile, home string, getenv func(string) (string, bool)) (path, shown string, ok bool) {
	path = f.Path
	if ev := awsFileEnv[path]; ev != "" && provider == "s3" {
		if v, ok := getenv(ev); ok && v != "" {
			path = v
		}
	}
	shown = path
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		h := home
		if h == "" {
			var err error
			if h, err = os.UserHomeDir(); err != nil {
				return "", "", false
			}
		}
		path = filepath.Join(h, rest)
	}
	return path, shown, true
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func parseProfile(f ProfileFile, data []byte, name string) (Value, bool, error) {
	switch f.Format {
	case "ini", "aws-config":
		secs, err := parseINI(data)
		if err != nil {
			return Value{}, false, err
		}
		sec, ok := iniSection(f, secs, name)
		if !ok {
			return Value{}, false, nil
		}
		return Value{AccessKeyID: pick(sec, f.ID), SecretAccessKey: pick(sec, f.Secret), SessionToken: pick(sec, f.Token)}, true, nil
	case "volcengine-json":
		var doc struct {
			Current  string `json:"current"`
			Profiles map[string]struct {
				AK    string `json:"access-key"`
				SK    string `json:"secret-key"`
				Token string `json:"session-token"`
			} `json:"profiles"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return Value{}, false, errors.New("not valid JSON")
		}
		if name == "default" && doc.Current != "" {
			name = doc.Current
		}
		p, ok := doc.Profiles[name]
		return Value{AccessKeyID: p.AK, SecretAccessKey: p.SK, SessionToken: p.Token}, ok, nil
	case "aliyun-json":
		var doc struct {
			Current  string `json:"current"`
			Profiles []struct {
				Name  string `json:"name"`
				Mode  string `json:"mode"`
				AK    string `json:"access_key_id"`
				SK    string `json:"access_key_secret"`
				Token string `json:"sts_token"`
			} `json:"profiles"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return Value{}, false, errors.New("not valid JSON")
		}
		if name == "default" && doc.Current != "" {
			name = doc.Current
		}
		for _, p := range doc.Profiles {
			if p.Name != name {
				continue
			}
			if p.Mode != "" && p.Mode != "AK" && p.Mode != "StsToken" {
				return Value{}, false, fmt.Errorf("profile %s has mode %s; only AK and StsToken profiles are read", name, p.Mode)
			}
			return Value{AccessKeyID: p.AK, SecretAccessKey: p.SK, SessionToken: p.Token}, true, nil
		}
		return Value{}, false, nil
	case "coscli-yaml":
		return parseCOSYAML(data)
	}
	return Value{}, false, fmt.Errorf("unknown profile format %q", f.Format)
}

// iniSection returns the section of profile name in secs, the sections of
// the ini file f: "[profile NAME]" in an aws-config file (but "[default]"),
// else "[NAME]"; for the default profile also f.Section (ossutil's
// "Credentials") and the keys before any section.
func iniSection(f ProfileFile, secs map[string]map[string]string, name string) (map[string]string, bool) {
	want := name
	if f.Format == "aws-config" && name != "default" {
		want = "profile " + name
	}
	sec, ok := secs[want]
	if !ok && f.Section != "" && name == "default" {
		sec, ok = secs[f.Section]
	}
	if !ok && name == "default" {
		sec, ok = secs[""] // a file without sections
		ok = ok && len(sec) > 0
	}
	return sec, ok
}

// pick returns the value of the first of keys (case-insensitive) that sec
// holds, or "".
func pick(sec map[string]string, keys []string) string {
	for _, k := range keys {
		if v, ok := sec[strings.ToLower(k)]; ok && v != "" {
			return v
		}
	}
	return ""
}

// ProfileSettings returns the region and endpoint that the provider's CLI
// profile files hold beside the keys for profile ("" means the provider's
// profile variable, else "default", as for [Profile]): each from the first
// file, in the order of [ProfileFiles], that names it (ossutil, tosutil
// and obsutil keep an endpoint, ossutil and tosutil a region, the AWS
// config file region and endpoint_url). A file that is missing or cannot
// be read gives nothing: the settings are a convenience, and reading the
// keys reports a broken file. home is the home directory ("" means
// os.UserHomeDir); getenv nil means os.LookupEnv.
func ProfileSettings(provider, profile, home string, getenv func(string) (string, bool)) (region, endpoint string) {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	name := profile
	if name == "" {
		name = "default"
		if v, ok := getenv(profileEnv[provider]); ok && profileEnv[provider] != "" && v != "" {
			name = v
		}
	}
	for _, f := range ProfileFiles[provider] {
		if len(f.Region)+len(f.Endpoint) == 0 || (f.Format != "ini" && f.Format != "aws-config") {
			continue
		}
		path, _, ok := profilePath(provider, f, home, getenv)
		if !ok {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		secs, err := parseINI(data)
		if err != nil {
			continue
		}
		sec, ok := iniSection(f, secs, name)
		if !ok {
			continue
		}
		if region == "" {
			region = pick(sec, f.Region)
		}
		if endpoint == "" {
			endpoint = pick(sec, f.Endpoint)
		}
	}
	return region, endpoint
}

// parseINI returns the sections of an ini file, keys lower-cased; keys
// before any section go to "". Comments start with # or ;.
func parseINI(data []byte) (map[string]map[string]string, error) {
	secs := map[string]map[string]string{}
	cur := ""
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' || s[0] == ';' {
			continue
		}
		if s[0] == '[' {
			if !strings.HasSuffix(s, "]") {
				return nil, fmt.Errorf("line %d: a section header without ]", line)
			}
			cur = strings.Join(strings.Fields(s[1:len(s)-1]), " ")
			if secs[cur] == nil {
				secs[cur] = map[string]string{}
			}
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			if k, v, ok = strings.Cut(s, ":"); !ok {
				return nil, fmt.Errorf("line %d: neither a section nor key = value", line)
			}
		}
		if secs[cur] == nil {
			secs[cur] = map[string]string{}
		}
		secs[cur][strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"'`)
	}
	return secs, sc.Err()
}

// parseCOSYAML reads coscli's ~/.cos.yaml: the keys secretid, secretkey
// and sessiontoken under cos: base:. Only that simple shape (scalars, two
// levels of nesting) is understood.
func parseCOSYAML(data []byte) (Value, bool, error) {
	var v Value
	var path []string
	var indents []int
	found := false
	for _, raw := range strings.Split(string(data), "\n") {
		if t := strings.TrimSpace(raw); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		indent := len(raw) - len(strings.TrimLeft(raw, " "))
		for len(indents) > 0 && indent <= indents[len(indents)-1] {
			indents, path = indents[:len(indents)-1], path[:len(path)-1]
		}
		k, val, ok := strings.Cut(strings.TrimSpace(raw), ":")
		if !ok {
			continue
		}
		k, val = strings.ToLower(strings.TrimSpace(k)), strings.Trim(strings.TrimSpace(val), `"'`)
		if val == "" {
			path, indents = append(path, k), append(indents, indent)
			continue
		}
		if strings.Join(path, ".") != "cos.base" {
			continue
		}
		switch k {
		case "secretid":
			v.AccessKeyID, found = val, true
		case "secretkey":
			v.SecretAccessKey, found = val, true
		case "sessiontoken":
			v.SessionToken = val
		}
	}
	return v, found, nil
}
