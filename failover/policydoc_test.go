package failover

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// TestPolicyTableMatchesCode: the Kind table of the package documentation
// (doc.go, "# Policy") is the retry decision of the code: a row for every
// Kind, and in each row the retry, failover and breaker columns say what
// the Kind's predicates ([uploader.Kind.Transient], Neutral, Fatal) and
// excluded decide, which run.onTarget and the breaker follow (TestKindTable
// drives one upload per Kind to show they do).
func TestPolicyTableMatchesCode(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	rows := policyRows(t, string(src))
	byName := map[string]uploader.Kind{}
	for _, k := range uploader.Kinds() {
		byName[camel(k.String())] = k
	}
	seen := map[uploader.Kind]bool{}
	for _, r := range rows {
		k, ok := byName[r[0]]
		if !ok {
			t.Errorf("the table names %q, which is no Kind", r[0])
			continue
		}
		seen[k] = true
		retry, failover, breaker := r[1], r[2], r[3]
		if got := !strings.HasPrefix(retry, "no"); got != k.Transient() {
			t.Errorf("%v: the table says retry %q; Transient() is %v", k, retry, k.Transient())
		}
		if got := retry == "once"; got != (k == uploader.Integrity || k == uploader.Unknown) {
			t.Errorf("%v: the table says retry %q; run.onTarget retries only Integrity and Unknown once", k, retry)
		}
		if got := strings.HasPrefix(failover, "no"); got != k.Neutral() {
			t.Errorf("%v: the table says fail over %q; Neutral() is %v", k, failover, k.Neutral())
		}
		if got := breaker == "opens at once"; got != k.Fatal() {
			t.Errorf("%v: the table says breaker %q; Fatal() is %v", k, breaker, k.Fatal())
		}
		err := &uploader.Error{Kind: k}
		switch {
		case k == uploader.Throttled:
			if breaker != "excluded while usable" {
				t.Errorf("%v: the table says breaker %q; a usable target's throttling is paced, not counted", k, breaker)
			}
		case excluded(err):
			if breaker != "excluded" && breaker != "(the refusal)" {
				t.Errorf("%v: the table says breaker %q; the breaker excludes it", k, breaker)
			}
		case !k.Fatal() && breaker != "counts":
			t.Errorf("%v: the table says breaker %q; the breaker counts it", k, breaker)
		}
	}
	for _, k := range uploader.Kinds() {
		if !seen[k] {
			t.Errorf("the table has no row for %v", k)
		}
	}
}

// policyRows returns the rows of the table under "# Policy" in src, each
// as its four columns.
func policyRows(t *testing.T, src string) [][]string {
	t.Helper()
	_, table, ok := strings.Cut(src, "//\tKind ")
	if !ok {
		t.Fatal(`doc.go has no table starting with "Kind" under # Policy`)
	}
	split := regexp.MustCompile(`\s{2,}`)
	var rows [][]string
	for _, line := range strings.Split(table, "\n")[1:] {
		cells, ok := strings.CutPrefix(line, "//\t")
		if !ok {
			break
		}
		cols := split.Split(strings.TrimSpace(cells), -1)
		if len(cols) != 4 {
			t.Fatalf("table row %q has %d columns, want 4", cells, len(cols))
		}
		rows = append(rows, cols)
	}
	if len(rows) == 0 {
		t.Fatal("the policy table has no rows")
	}
	return rows
}

// camel turns a Kind's snake_case name into its Go name.
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, "")
}
