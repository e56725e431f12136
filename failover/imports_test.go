package failover_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImports enforces the import rule of this package (README "Layout",
// imports_test.go at the module root): it
// imports the uploader package and gobreaker, never a backend, an SDK or
// anything else outside the standard library.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	got := strings.Fields(string(out))
	slices.Sort(got)
	want := []string{
		"github.com/resilient-upload/upload/failover",
		"github.com/resilient-upload/upload/uploader",
		"github.com/sony/gobreaker/v2",
	}
	if !slices.Equal(got, want) {
		t.Errorf("failover depends on %v, want only %v", got, want)
	}
}
