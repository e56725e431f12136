package diag

import (
	"strings"
	"testing"
)

// TestShortSecretOnlyWhereDefined: a short secret is worth a warning only
// for a vendor that defines its keys' format, not for S3-compatible
// servers such as MinIO, whose secrets may be short.
func TestShortSecretOnlyWhereDefined(t *testing.T) {
	for _, tc := range []struct {
		provider, id string
		warn         bool
	}{
		{"tos", "AKLT" + strings.Repeat("x", 40), true},
		{"oss", "LTAI" + strings.Repeat("x", 20), true},
		{"cos", "AKID" + strings.Repeat("x", 32), true},
		{"s3", "minioadmin", false},
		{"obs", "ABCDEFGHIJKLMNOPQRST", false},
	} {
		warned := false
		for _, f := range CheckKeys(Config{Provider: tc.provider, AccessKeyID: tc.id, Secret: "short"}) {
			if f.Check == "secret" && strings.Contains(f.Message, "only 5 characters") {
				warned = true
			}
		}
		if warned != tc.warn {
			t.Errorf("%s: short-secret warning %v, want %v", tc.provider, warned, tc.warn)
		}
	}
}
