package s3

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/uploader"
)

// viaGateway returns a backend (with mod's changes) through a new gateway
// (OBS dialect: AWS V4 verified by the gateway against its own, skewable
// clock) in front of a new bucket of the shared MinIO.
func viaGateway(t *testing.T, mod func(*Options)) (*Backend, *gatewayharness.Env) {
	t.Helper()
	env := gatewayharness.New(t, testHarness(true))
	return gatewayharness.Open(t, New, testOptions(env.Access()), mod), env
}

// TestSkewReportedThroughGateway: with the gateway's clock 31 minutes off,
// the s3 backend (which cannot correct) reports ClockSkew with the measured
// skew, the server's time and hints, after exactly one request, for a single
// PUT and for a multipart upload; nothing is stored. A MinIO reached
// directly cannot be skewed (it uses the real clock); the gateway checks the
// signed X-Amz-Date against its own offset clock, as S3 and MinIO do.
func TestSkewReportedThroughGateway(t *testing.T) {
	for _, off := range []time.Duration{31 * time.Minute, -31 * time.Minute} {
		t.Run(off.String(), func(t *testing.T) {
			b, env := viaGateway(t, nil)
			env.Gateway.SetClockOffset(off)
			for _, obj := range []uploader.Object{
				uploader.BytesObject("small", []byte("data")),
				gatewayharness.Zeroes("big", 9<<20),
			} {
				env.Gateway.ResetCounts()
				res, err := uploader.New(b).Upload(context.Background(), obj)
				e := uploader.AsError(err)
				if e == nil || e.Kind != uploader.ClockSkew || e.Code != "RequestTimeTooSkewed" || !gatewayharness.Near(e.Skew, off) || e.ServerTime.IsZero() {
					t.Fatalf("%s: %#v", obj.Key, err)
				}
				if !strings.Contains(strings.Join(e.Hints, "\n"), "cannot correct skew") {
					t.Errorf("%s: hints %q", obj.Key, e.Hints)
				}
				if len(res.Attempts) != 1 || !gatewayharness.Near(res.Attempts[0].Skew, off) || res.Attempts[0].Kind != uploader.ClockSkew {
					t.Errorf("%s: attempts %+v", obj.Key, res.Attempts)
				}
				if n := env.Gateway.Count(gateway.OpAny); n != 1 {
					t.Errorf("%s: %d requests reached the gateway, want 1", obj.Key, n)
				}
			}
			if ks, _ := env.Keys(context.Background()); len(ks) != 0 {
				t.Errorf("keys %v", ks)
			}
			if n, _ := env.PendingMultipart(context.Background()); n != 0 {
				t.Errorf("%d pending uploads", n)
			}
			// When the clocks agree again, the next upload works.
			env.Gateway.SetClockOffset(0)
			if _, err := b.Put(context.Background(), uploader.BytesObject("healed", []byte("x"))); err != nil {
				t.Fatalf("after the clocks agree: %v", err)
			}
		})
	}
}

// TestCredentialErrorsThroughGateway: a wrong secret gives
// SignatureMismatch with the StringToSign the gateway sends (as AWS does) and
// hints; an unknown key gives InvalidCredentials.
func TestCredentialErrorsThroughGateway(t *testing.T) {
	b, _ := viaGateway(t, func(o *Options) { o.SecretAccessKey = "a-wrong-fake-secret" })
	_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("data")))
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.SignatureMismatch || !strings.HasPrefix(e.StringToSign, "AWS4-HMAC-SHA256\n") || len(e.Hints) < 3 {
		t.Fatalf("%#v", err)
	}
	if strings.Contains(e.Explain(), "a-wrong-fake-secret") {
		t.Error("the secret leaked")
	}
	u, _ := viaGateway(t, func(o *Options) { o.AccessKeyID = "nosuchkey" })
	_, err = uploader.New(u).Upload(context.Background(), uploader.BytesObject("k", []byte("data")))
	if e := uploader.AsError(err); e == nil || e.Kind != uploader.InvalidCredentials || len(e.Hints) == 0 {
		t.Fatalf("unknown key: %#v", err)
	}
}
