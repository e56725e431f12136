package errclass

import "testing"

// TestSharedCodesAgree: a code several vendors list (most copied S3's) has
// the same Kind on each, as the documentation of Codes promises.
func TestSharedCodesAgree(t *testing.T) {
	first := map[string]Code{}
	for _, c := range Codes {
		if f, ok := first[c.Code]; ok && f.Kind != c.Kind {
			t.Errorf("%s is %v for %s but %v for %s", c.Code, f.Kind, f.Vendor, c.Kind, c.Vendor)
			continue
		}
		first[c.Code] = c
	}
}
