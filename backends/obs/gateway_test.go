package obs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/uploader"
)

// viaGateway returns a backend (with mod's changes) through a new
// OBS-dialect gateway in front of a new bucket of the shared MinIO.
func viaGateway(t *testing.T, mod func(*Options)) (*Backend, *gatewayharness.Env) {
	t.Helper()
	env := gatewayharness.New(t, testHarness(true, ""))
	return gatewayharness.Open(t, New, testOptions("")(env.Access()), mod), env
}

// TestSkewCorrectedThroughGateway puts the gateway's clock 31 minutes
// ahead (and behind): the first Put is refused for skew, corrected once and
// stored; the next Put is signed right from the start (single PUT, then
// multipart on a fresh backend).
func TestSkewCorrectedThroughGateway(t *testing.T) {
	for _, sig := range []Signature{SignatureV2, SignatureV4} {
		for _, off := range []time.Duration{31 * time.Minute, -31 * time.Minute} {
			t.Run(string(sig)+"/"+off.String(), func(t *testing.T) {
				gatewayharness.CheckSkewCorrected(t, gatewayharness.New(t, testHarness(true, sig)), off, "RequestTimeTooSkewed")
			})
		}
	}
}

// TestSkewSharedByConcurrentPuts starts many Puts at once against a skewed
// gateway: each succeeds after at most one correction, and every later Put
// succeeds at once (run with -race).
func TestSkewSharedByConcurrentPuts(t *testing.T) {
	gatewayharness.CheckSkewShared(t, gatewayharness.New(t, testHarness(true, "")), 40*time.Minute, 12)
}

// TestSkewWithCorrectionDisabled: the refusal is reported with the measured
// skew and hints, and nothing is stored.
func TestSkewWithCorrectionDisabled(t *testing.T) {
	b, env := viaGateway(t, func(o *Options) { o.DisableSkewCorrection = true })
	gatewayharness.CheckSkewUncorrected(t, env, b, "RequestTimeTooSkewed")
}

// TestCredentialErrorsThroughGateway: a wrong secret gives
// SignatureMismatch with the server's StringToSign and hints; an unknown key
// gives InvalidCredentials.
func TestCredentialErrorsThroughGateway(t *testing.T) {
	for _, sig := range []Signature{SignatureV2, SignatureV4} {
		t.Run(string(sig), func(t *testing.T) {
			b, _ := viaGateway(t, func(o *Options) { o.Signature = sig; o.SecretAccessKey = "a-wrong-fake-secret" })
			_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("data")))
			e := uploader.AsError(err)
			if e == nil || e.Kind != uploader.SignatureMismatch || e.Code != "SignatureDoesNotMatch" || e.RequestID == "" {
				t.Fatalf("%#v", err)
			}
			wantPrefix := "PUT\n"
			if sig == SignatureV4 {
				wantPrefix = "AWS4-HMAC-SHA256\n"
			}
			if !strings.HasPrefix(e.StringToSign, wantPrefix) {
				t.Errorf("StringToSign %q", e.StringToSign)
			}
			if len(e.Hints) < 3 || !strings.Contains(e.Explain(), "server's StringToSign") {
				t.Errorf("explain:\n%s", e.Explain())
			}
			if strings.Contains(e.Explain(), "a-wrong-fake-secret") {
				t.Error("the secret leaked")
			}

			u, _ := viaGateway(t, func(o *Options) { o.Signature = sig; o.AccessKeyID = "nosuchkey" })
			_, err = uploader.New(u).Upload(context.Background(), uploader.BytesObject("k", []byte("data")))
			if e := uploader.AsError(err); e == nil || e.Kind != uploader.InvalidCredentials || len(e.Hints) == 0 {
				t.Fatalf("unknown key: %#v", err)
			}
		})
	}
}

// TestWrongSecretWhileSkewed: with the gateway 31 minutes ahead and a wrong
// secret, the corrected retry is refused for its signature and the upload
// fails with signature_mismatch, not clock_skew (the first attempt was
// clock_skew); the next upload, signed correctly from the start, fails with
// signature_mismatch at once.
func TestWrongSecretWhileSkewed(t *testing.T) {
	for _, sig := range []Signature{SignatureV2, SignatureV4} {
		t.Run(string(sig), func(t *testing.T) {
			gatewayharness.CheckWrongSecretWhileSkewed(t, gatewayharness.New(t, testHarness(true, sig)), "a-wrong-fake-secret")
		})
	}
}
