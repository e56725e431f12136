package uploader_test

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// wantNames is the list of stable names, in declaration order. The
// names appear in reports and logs; renaming one breaks users, so they are
// spelled out here rather than derived from the code under test.
var wantNames = []string{
	"signature_mismatch", "clock_skew", "invalid_credentials", "access_denied",
	"bucket_not_found", "throttled", "unavailable", "timeout", "integrity",
	"invalid", "canceled", "circuit_open", "unknown", "target_refused",
}

func TestKindNames(t *testing.T) {
	ks := uploader.Kinds()
	if len(ks) != len(wantNames) {
		t.Fatalf("Kinds() has %d kinds, want %d", len(ks), len(wantNames))
	}
	snake := regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	seen := map[string]bool{}
	for i, k := range ks {
		name := k.String()
		if name != wantNames[i] {
			t.Errorf("Kinds()[%d].String() = %q, want %q", i, name, wantNames[i])
		}
		if !snake.MatchString(name) {
			t.Errorf("%q is not snake_case", name)
		}
		if seen[name] {
			t.Errorf("name %q used twice", name)
		}
		seen[name] = true
		if k == uploader.OK {
			t.Errorf("Kinds() includes OK")
		}
		got, ok := uploader.ParseKind(name)
		if !ok || got != k {
			t.Errorf("ParseKind(%q) = %v, %v; want %v, true", name, got, ok, k)
		}
	}
	if uploader.OK.String() != "ok" {
		t.Errorf("OK.String() = %q", uploader.OK.String())
	}
}

func TestKindConstantsMatchNames(t *testing.T) {
	// The exported constants, one by one, so that reordering the const
	// block without the name table is caught.
	for k, want := range map[uploader.Kind]string{
		uploader.SignatureMismatch:  "signature_mismatch",
		uploader.ClockSkew:          "clock_skew",
		uploader.InvalidCredentials: "invalid_credentials",
		uploader.AccessDenied:       "access_denied",
		uploader.BucketNotFound:     "bucket_not_found",
		uploader.Throttled:          "throttled",
		uploader.Unavailable:        "unavailable",
		uploader.Timeout:            "timeout",
		uploader.Integrity:          "integrity",
		uploader.Invalid:            "invalid",
		uploader.Canceled:           "canceled",
		uploader.CircuitOpen:        "circuit_open",
		uploader.Unknown:            "unknown",
		uploader.TargetRefused:      "target_refused",
	} {
		if k.String() != want {
			t.Errorf("kind %d: String() = %q, want %q", int(k), k.String(), want)
		}
	}
}

func TestKindOutOfRange(t *testing.T) {
	for _, k := range []uploader.Kind{-1, 99} {
		if s := k.String(); s == "" || s == "unknown" {
			t.Errorf("Kind(%d).String() = %q, want a distinct placeholder", int(k), s)
		}
		if _, err := k.MarshalText(); err == nil {
			t.Errorf("Kind(%d).MarshalText() succeeded", int(k))
		}
	}
	if k, ok := uploader.ParseKind("no_such_kind"); ok {
		t.Errorf("ParseKind(no_such_kind) = %v, true", k)
	}
	var k uploader.Kind
	if err := k.UnmarshalText([]byte("Throttled")); err == nil {
		t.Errorf("UnmarshalText accepted a non-canonical spelling")
	}
}

func TestKindJSONRoundTrip(t *testing.T) {
	type rec struct {
		Kind uploader.Kind `json:"kind"`
	}
	for _, k := range uploader.Kinds() {
		b, err := json.Marshal(rec{k})
		if err != nil {
			t.Fatalf("marshal %v: %v", k, err)
		}
		if want := `{"kind":"` + k.String() + `"}`; string(b) != want {
			t.Errorf("json = %s, want %s", b, want)
		}
		var back rec
		if err := json.Unmarshal(b, &back); err != nil || back.Kind != k {
			t.Errorf("unmarshal %s = %v, %v", b, back.Kind, err)
		}
	}
}

// TestKindPolicy pins the policy of the Kinds (failover package doc): which kinds open a
// breaker at once, which may pass by themselves, which say nothing about the
// target.
func TestKindPolicy(t *testing.T) {
	type pol struct{ fatal, transient, neutral bool }
	want := map[uploader.Kind]pol{
		uploader.SignatureMismatch:  {fatal: true},
		uploader.ClockSkew:          {fatal: true},
		uploader.InvalidCredentials: {fatal: true},
		uploader.AccessDenied:       {fatal: true},
		uploader.BucketNotFound:     {fatal: true},
		uploader.Throttled:          {transient: true},
		uploader.Unavailable:        {transient: true},
		uploader.Timeout:            {transient: true},
		uploader.Integrity:          {transient: true},
		uploader.Invalid:            {neutral: true},
		uploader.Canceled:           {neutral: true},
		uploader.CircuitOpen:        {},
		uploader.Unknown:            {transient: true},
		uploader.TargetRefused:      {fatal: true},
	}
	for _, k := range uploader.Kinds() {
		w, ok := want[k]
		if !ok {
			t.Errorf("%v: no policy in this test; add it", k)
			continue
		}
		got := pol{k.Fatal(), k.Transient(), k.Neutral()}
		if got != w {
			t.Errorf("%v: (fatal, transient, neutral) = %+v, want %+v", k, got, w)
		}
	}
}
