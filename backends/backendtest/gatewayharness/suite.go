package gatewayharness

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/uploader"
)

// Suite describes a cloud backend to [RunGateway]: how to make it behind
// its vendor's gateway, and the provider's forms of a wrong secret and an
// unknown key.
type Suite struct {
	// Harness makes the Env of each case: its own bucket and gateway,
	// whose dialect is the backend's vendor's. Its NewBackend makes the
	// backend under test.
	Harness Options
	// Uncorrected makes a backend like Harness.NewBackend with skew
	// correction off. Nil for a backend that cannot correct skew (s3,
	// whose SDK has no signing-time hook): then the Skew cases that need
	// a correction are skipped, saying so, and Skew/uncorrected checks
	// that the skew is reported.
	Uncorrected NewBackend
	// SkewCode is the vendor code of the refusal of a skewed request; ""
	// accepts any (COS answers RequestTimeTooSkewed or AccessDenied
	// "Request has expired", by the signature's window).
	SkewCode string
	// UncorrectedHint is what the hints of an uncorrected skew must say.
	// Default: "skew correction is off".
	UncorrectedHint string
	// WrongSecret is a fake secret of the provider's form that is not the
	// gateway's.
	WrongSecret string
	// UnknownKey is a fake access key ID of the provider's form that the
	// gateway does not know.
	UnknownKey string
	// CheckWrongSecret and CheckUnknownKey, if set, check what only this
	// provider says about the error (its hints, the StringToSign).
	CheckWrongSecret func(t *testing.T, e *uploader.Error)
	CheckUnknownKey  func(t *testing.T, e *uploader.Error)
}

// RunGateway runs the gateway conformance cases every cloud backend's
// TestGateway runs once, with the same names everywhere:
//
//	Skew/corrected-once/{31m0s,-31m0s}
//	                   the first upload (single PUT, then multipart, each on
//	                   a fresh backend) is refused once and stored signed
//	                   with the server's time; the next succeeds at once
//	Skew/shared        8 concurrent first uploads each meet the skew at
//	                   most once and share the estimate
//	Skew/uncorrected   with correction off (or impossible), the refusal is
//	                   reported with the measured skew and hints, after
//	                   one request per upload; nothing is stored
//	Skew/wrong-secret  a wrong secret on a skewed machine is
//	                   signature_mismatch, not clock_skew
//	WrongSecret        403 SignatureDoesNotMatch: Kind SignatureMismatch,
//	                   with the request ID and hints, never the secret;
//	                   nothing stored or pending
//	UnknownKey         Kind InvalidCredentials, with hints
//	Refusals/<code>    each vendor refusal the gateway injects gives its
//	                   Kind, for a single PUT and a multipart upload, and
//	                   stores nothing
//
// The fault cases of the conformance suite ([backendtest.Run], Faults/...)
// run through the same gateway in the backend's TestConformance.
func RunGateway(t *testing.T, s Suite) {
	t.Helper()
	t.Run("Skew", func(t *testing.T) {
		for _, off := range []time.Duration{31 * time.Minute, -31 * time.Minute} {
			t.Run("corrected-once/"+off.String(), func(t *testing.T) {
				s.needsCorrection(t)
				CheckSkewCorrected(t, New(t, s.Harness), off, s.SkewCode)
			})
		}
		t.Run("shared", func(t *testing.T) {
			s.needsCorrection(t)
			CheckSkewShared(t, New(t, s.Harness), 31*time.Minute, 8)
		})
		t.Run("uncorrected", func(t *testing.T) { s.checkUncorrected(t) })
		t.Run("wrong-secret", func(t *testing.T) {
			s.needsCorrection(t)
			CheckWrongSecretWhileSkewed(t, New(t, s.Harness), s.WrongSecret)
		})
	})
	t.Run("WrongSecret", s.checkWrongSecret)
	t.Run("UnknownKey", s.checkUnknownKey)
	t.Run("Refusals", func(t *testing.T) {
		e := New(t, s.Harness)
		b := e.Backend(t)
		for _, r := range Refusals {
			t.Run(r.Fault, func(t *testing.T) { checkRefusal(t, e, b, r.Fault, r.Want) })
		}
	})
}

func (s Suite) needsCorrection(t *testing.T) {
	t.Helper()
	if s.Uncorrected == nil {
		t.Skip("the backend cannot correct skew (Suite.Uncorrected is nil); Skew/uncorrected checks that it reports it")
	}
}

// checkUncorrected: a backend that does not correct reports the skew.
func (s Suite) checkUncorrected(t *testing.T) {
	e := New(t, s.Harness)
	newB := s.Uncorrected
	if newB == nil {
		newB = s.Harness.NewBackend
	}
	b, err := newB(e.Access())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	hint := s.UncorrectedHint
	if hint == "" {
		hint = "skew correction is off"
	}
	CheckSkewUncorrected(t, e, b, s.SkewCode, hint)
}

// checkWrongSecret uploads a single PUT and a multipart object with a
// wrong secret.
func (s Suite) checkWrongSecret(t *testing.T) {
	e := New(t, s.Harness)
	endpoint, bucket, ak, _ := e.Access()
	b, err := s.Harness.NewBackend(endpoint, bucket, ak, s.WrongSecret)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	for _, size := range []int64{100, e.MultipartThreshold() + 1} {
		_, err := uploader.New(b).Upload(context.Background(), Zeroes("sig/k", size))
		ue := uploader.AsError(err)
		if ue == nil || ue.Kind != uploader.SignatureMismatch || ue.Status != 403 || ue.Code != "SignatureDoesNotMatch" {
			t.Fatalf("size %d: err = %v, want 403 SignatureDoesNotMatch, Kind signature_mismatch", size, err)
		}
		if ue.RequestID == "" || ue.Target != b.Name() || len(ue.Hints) == 0 {
			t.Errorf("size %d: request ID %q, target %q, hints %q; want all", size, ue.RequestID, ue.Target, ue.Hints)
		}
		if strings.Contains(ue.Explain(), s.WrongSecret) {
			t.Errorf("size %d: the explanation shows the secret:\n%s", size, ue.Explain())
		}
		if s.CheckWrongSecret != nil {
			s.CheckWrongSecret(t, ue)
		}
	}
	if ks := e.MustKeys(t); len(ks) != 0 {
		t.Errorf("keys stored after refused uploads: %q", ks)
	}
	if n := e.MustPending(t); n != 0 {
		t.Errorf("%d multipart uploads left", n)
	}
}

func (s Suite) checkUnknownKey(t *testing.T) {
	e := New(t, s.Harness)
	endpoint, bucket, _, sk := e.Access()
	b, err := s.Harness.NewBackend(endpoint, bucket, s.UnknownKey, sk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	_, err = uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("x")))
	ue := uploader.AsError(err)
	if ue == nil || ue.Kind != uploader.InvalidCredentials || ue.Status != 403 || len(ue.Hints) == 0 {
		t.Fatalf("err = %v, want 403 Kind invalid_credentials with hints", err)
	}
	if s.CheckUnknownKey != nil {
		s.CheckUnknownKey(t, ue)
	}
	if ks := e.MustKeys(t); len(ks) != 0 {
		t.Errorf("keys stored after a refused upload: %q", ks)
	}
}

// checkRefusal injects the gateway fault named code and uploads a single
// PUT and a multipart object with b: each fails with Kind want and leaves
// nothing.
func checkRefusal(t *testing.T, e *Env, b uploader.Backend, code string, want uploader.Kind) {
	a, err := gateway.NamedAction(code)
	if err != nil {
		t.Fatal(err)
	}
	id := e.Gateway.Inject(gateway.Fault{Action: a})
	defer e.Gateway.RemoveFault(id)
	for _, size := range []int64{10, e.MultipartThreshold() + 1} {
		_, err := uploader.New(b).Upload(context.Background(), Zeroes(fmt.Sprintf("refused/%d", size), size))
		if k := uploader.KindOf(err); k != want {
			t.Errorf("%d bytes: Kind %v, want %v (%v)", size, k, want, err)
		}
	}
	if ks := e.MustKeys(t); len(ks) != 0 {
		t.Errorf("keys stored after refused uploads: %q", ks)
	}
}

// A Refusal is a fault the gateway injects by name
// ([gateway.NamedAction]) and the Kind a backend must give it.
type Refusal struct {
	Fault string
	Want  uploader.Kind
}

// Refusals are the refusals every backend's TestGateway/Refusals meets on
// an upload; a backend's own tests may put other requests (a HEAD) to the
// same list.
var Refusals = []Refusal{
	{"SignatureDoesNotMatch", uploader.SignatureMismatch},
	{"InvalidAccessKeyId", uploader.InvalidCredentials},
	{"RequestTimeTooSkewed", uploader.ClockSkew},
	{"AccessDenied", uploader.AccessDenied},
	{"NoSuchBucket", uploader.BucketNotFound},
	{"500", uploader.Unavailable},
	{"503-slowdown", uploader.Throttled},
	{"429", uploader.Throttled},
	{"reset", uploader.Unavailable},
}
