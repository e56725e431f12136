package provider_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

func open(provider.Settings) (uploader.Backend, error) { return nil, errors.New("unused") }

func TestRegistryLookups(t *testing.T) {
	reg, err := provider.NewRegistry(
		provider.Provider{Name: "one", Scheme: "one", Open: open},
		provider.Provider{Name: "disk", Local: true, Keys: []string{provider.KeyPath}, Open: open},
		provider.Provider{Name: "two", Scheme: "two", Keys: []string{provider.KeySignature}, Signatures: []string{"v4"}, Open: open},
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := reg.Names(); !slices.Equal(got, []string{"one", "disk", "two"}) {
		t.Errorf("Names = %q", got)
	}
	if got := reg.Schemes(); !slices.Equal(got, []string{"one", "two"}) {
		t.Errorf("Schemes = %q", got)
	}
	if p, ok := reg.ByScheme("two"); !ok || p.Name != "two" || !p.HasKey(provider.KeySignature) {
		t.Errorf("ByScheme(two) = %+v, %v", p.Name, ok)
	}
	if _, ok := reg.ByScheme("disk"); ok {
		t.Errorf("a provider without a scheme is found by scheme")
	}
	if _, err := reg.Open("three", provider.Settings{}); err == nil || !strings.Contains(err.Error(), `unknown provider "three"`) {
		t.Errorf("Open(three) = %v", err)
	}
}

func TestRegisterRefuses(t *testing.T) {
	for _, tc := range []struct {
		p    provider.Provider
		want string
	}{
		{provider.Provider{Name: "Bad Name", Open: open}, "provider name"},
		{provider.Provider{Name: "x"}, "Open is nil"},
		{provider.Provider{Name: "x", Open: open, Keys: []string{"colour"}}, "unknown optional key"},
		{provider.Provider{Name: "x", Open: open, Keys: []string{provider.KeySignature}}, "Signatures and the signature key"},
		{provider.Provider{Name: "x", Open: open, Scheme: "file"}, "reserved"},
		{provider.Provider{Name: "x", Open: open, Scheme: "one"}, "already provider \"one\"'s"},
		{provider.Provider{Name: "one", Open: open}, "registered twice"},
		{provider.Provider{Name: "y", Open: open, Keys: []string{provider.KeyPath}}, "path is the one key of a local provider"},
	} {
		reg, err := provider.NewRegistry(provider.Provider{Name: "one", Scheme: "one", Open: open})
		if err != nil {
			t.Fatal(err)
		}
		if err := reg.Register(tc.p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Register(%q) = %v, want an error containing %q", tc.p.Name, err, tc.want)
		}
	}
}
