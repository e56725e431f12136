package main

import (
	"strings"
	"testing"
)

func TestGatewayListenAndToken(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	withEnv := func(k string) (string, bool) { return "from-env", k == "UPLOAD_GATEWAY_TOKEN" }
	cases := []struct {
		listen   string
		loopback bool
		port     int
		urlHost  string
	}{
		{"127.0.0.1", true, 0, "127.0.0.1:7"},
		{"127.0.0.1:9100", true, 9100, "127.0.0.1:7"},
		{"localhost", true, 0, "localhost:7"},
		{"::1", true, 0, "[::1]:7"},
		{"[::1]:9100", true, 9100, "[::1]:7"},
		{"0.0.0.0", false, 0, "127.0.0.1:7"},
		{"0.0.0.0:9100", false, 9100, "127.0.0.1:7"},
		{"::", false, 0, "127.0.0.1:7"},
		{"192.168.1.5", false, 0, "192.168.1.5:7"},
	}
	for _, tc := range cases {
		l, err := parseGatewayListen(tc.listen)
		if err != nil || l.loopback() != tc.loopback || l.port != tc.port || l.urlHost(7) != tc.urlHost {
			t.Errorf("--listen %s: %+v loopback=%v urlHost=%s, %v", tc.listen, l, l.loopback(), l.urlHost(7), err)
			continue
		}
		tok, gen, err := controlToken(l, noEnv)
		if err != nil || gen == tc.loopback || (tok == "") != tc.loopback || (gen && len(tok) != 32) {
			t.Errorf("--listen %s: token %d chars, generated %v, %v", tc.listen, len(tok), gen, err)
		}
		if tok, gen, _ := controlToken(l, withEnv); tok != "from-env" || gen {
			t.Errorf("--listen %s with UPLOAD_GATEWAY_TOKEN: %q generated %v", tc.listen, tok, gen)
		}
	}
	for _, bad := range []string{"", ":9100", "example.com", "127.0.0.1:x", "127.0.0.1:65535"} {
		if _, err := parseGatewayListen(bad); err == nil || !strings.Contains(err.Error(), "--listen") {
			t.Errorf("--listen %q: %v", bad, err)
		}
	}
}

func TestGatewayUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"gateway", "--bucket", "Photos"}, nil, `--bucket "Photos"`},
		{[]string{"gateway", "--bucket", "ab"}, nil, `--bucket "ab"`},
		{[]string{"gateway", "--listen", "example.com"}, nil, `--listen "example.com"`},
		{[]string{"gateway", "--minio", "127.0.0.1:9000"}, nil, `--minio "127.0.0.1:9000"`},
		{[]string{"gateway", "--minio", "http://127.0.0.1:9000"}, nil, "MINIO_ROOT_USER and MINIO_ROOT_PASSWORD"},
		{[]string{"gateway", "extra"}, nil, "unknown command"},
		{[]string{"gateway", "--bandwidth-up", "fast"}, nil, `--bandwidth-up: bandwidth "fast"`},
		{[]string{"gateway", "--bandwidth-down", "10Mb"}, nil, `--bandwidth-down: bandwidth "10Mb"`},
		{[]string{"gateway", "--delay-up", "-20ms"}, nil, "--delay-up -20ms: a delay cannot be negative"},
		{[]string{"gateway", "--delay-down", "soon"}, nil, `"soon" for "--delay-down"`},
	} {
		c := newCLI(t)
		for k, v := range tc.env {
			c.env[k] = v
		}
		r := c.run(tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:9000": "http://127.0.0.1:9000",
		"a b":                   "'a b'",
		"it's":                  `'it'\''s'`,
		"":                      "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
