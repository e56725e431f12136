package obs

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

// viaGateway returns a backend through a new OBS-dialect gateway in front
// of a new bucket of the shared MinIO.
func viaGateway(t *testing.T, mod func(*Options)) (*Backend, *gateway.Gateway, *harness) {
	t.Helper()
	srv := miniotest.Shared(t)
	gw, err := startGateway(srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	h := &harness{srv: srv, bucket: srv.NewBucket(t, "obs-gw"), gw: gw}
	o := h.options(h.bucket)
	if mod != nil {
		mod(&o)
	}
	b, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, gw, h
}

func near(got, want time.Duration) bool {
	d := got - want
	return d > -3*time.Second && d < 3*time.Second
}

// TestSkewCorrectedThroughGateway puts the gateway's clock 31 minutes
// ahead (and behind): the first Put is refused for skew, corrected once and
// stored; the next Put is signed right from the start.
func TestSkewCorrectedThroughGateway(t *testing.T) {
	for _, sig := range []Signature{SignatureV2, SignatureV4} {
		for _, off := range []time.Duration{31 * time.Minute, -31 * time.Minute} {
			t.Run(string(sig)+"/"+off.String(), func(t *testing.T) {
				b, gw, h := viaGateway(t, func(o *Options) { o.Signature = sig })
				gw.SetClockOffset(off)
				ctx := context.Background()
				data := randomBytes(1000)
				res, err := b.Put(ctx, uploader.BytesObject("skewed", data))
				if err != nil {
					t.Fatalf("first put: %v", uploader.AsError(err).Explain())
				}
				if len(res.Attempts) != 2 {
					t.Fatalf("attempts %+v, want 2", res.Attempts)
				}
				a0, a1 := res.Attempts[0], res.Attempts[1]
				if a0.Kind != uploader.ClockSkew || a0.Status != 403 || a0.Code != "RequestTimeTooSkewed" || !near(a0.Skew, off) || a0.SkewCorrected {
					t.Errorf("first attempt %+v", a0)
				}
				if a1.Err != nil || !a1.SkewCorrected || !near(a1.Skew, off) {
					t.Errorf("second attempt %+v", a1)
				}
				if got, ok, _ := h.Read(ctx, "skewed"); !ok || !bytes.Equal(got, data) {
					t.Fatal("not stored")
				}
				// Later requests are signed with the corrected time at once,
				// multipart included.
				res, err = b.Put(ctx, uploader.Object{Key: "skewed-big", Size: 11 << 20, Open: zeroBody(11 << 20)})
				if err != nil || len(res.Attempts) != 1 || !res.Attempts[0].SkewCorrected {
					t.Fatalf("second put: %+v, %v", res.Attempts, err)
				}
				if got, ok := b.Skew(); !ok || !near(got, off) {
					t.Errorf("Skew() = %v %v", got, ok)
				}
				if n := gw.CountOutcome(gateway.OpAny, gateway.OutcomeRejected); n != 1 {
					t.Errorf("the gateway rejected %d requests, want 1", n)
				}
			})
		}
	}
}

// TestSkewSharedByConcurrentPuts starts many Puts at once against a skewed
// gateway: each succeeds after at most one correction, and every later Put
// succeeds at once (run with -race).
func TestSkewSharedByConcurrentPuts(t *testing.T) {
	b, gw, _ := viaGateway(t, nil)
	gw.SetClockOffset(40 * time.Minute)
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			res, err := b.Put(context.Background(), uploader.BytesObject("c/"+strings.Repeat("x", i+1), randomBytes(5000)))
			if err != nil {
				t.Errorf("put %d: %v", i, err)
				return
			}
			if n := len(res.Attempts); n > 2 {
				t.Errorf("put %d: %d attempts", i, n)
			}
		})
	}
	wg.Wait()
	res, err := b.Put(context.Background(), uploader.BytesObject("after", []byte("x")))
	if err != nil || len(res.Attempts) != 1 {
		t.Fatalf("after: %+v %v", res.Attempts, err)
	}
}

// TestSkewWithCorrectionDisabled: the refusal is reported with the measured
// skew and hints, and nothing is stored.
func TestSkewWithCorrectionDisabled(t *testing.T) {
	b, gw, h := viaGateway(t, func(o *Options) { o.DisableSkewCorrection = true })
	gw.SetClockOffset(31 * time.Minute)
	res, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("data")))
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.ClockSkew || !near(e.Skew, 31*time.Minute) || e.ServerTime.IsZero() {
		t.Fatalf("%#v", err)
	}
	hints := strings.Join(e.Hints, "\n")
	if !strings.Contains(hints, "skew correction is off") || !strings.Contains(hints, "behind the server") {
		t.Errorf("hints %q", e.Hints)
	}
	if len(res.Attempts) != 1 {
		t.Errorf("attempts %+v", res.Attempts)
	}
	if ks, _ := h.Keys(context.Background()); len(ks) != 0 {
		t.Errorf("keys %v", ks)
	}
}

// TestCredentialErrorsThroughGateway: a wrong secret gives
// SignatureMismatch with the server's StringToSign and hints; an unknown key
// gives InvalidCredentials.
func TestCredentialErrorsThroughGateway(t *testing.T) {
	for _, sig := range []Signature{SignatureV2, SignatureV4} {
		t.Run(string(sig), func(t *testing.T) {
			b, _, _ := viaGateway(t, func(o *Options) { o.Signature = sig; o.SecretAccessKey = "a-wrong-fake-secret" })
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

			u, _, _ := viaGateway(t, func(o *Options) { o.Signature = sig; o.AccessKeyID = "nosuchkey" })
			_, err = uploader.New(u).Upload(context.Background(), uploader.BytesObject("k", []byte("data")))
			if e := uploader.AsError(err); e == nil || e.Kind != uploader.InvalidCredentials || len(e.Hints) == 0 {
				t.Fatalf("unknown key: %#v", err)
			}
		})
	}
}

// TestWrongSecretWhileSkewed: with the gateway 31 minutes ahead and a wrong
// secret, the corrected retry is refused for its signature, and that is
// what the error says (not clock_skew); the next upload, signed correctly
// from the start, says the same at once.
func TestWrongSecretWhileSkewed(t *testing.T) {
	b, gw, _ := viaGateway(t, func(o *Options) { o.SecretAccessKey = "a-wrong-fake-secret" })
	gw.SetClockOffset(31 * time.Minute)
	for i, want := range []int{2, 1} {
		res, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("data")))
		e := uploader.AsError(err)
		if e == nil || e.Kind != uploader.SignatureMismatch || e.Code != "SignatureDoesNotMatch" || !near(e.Skew, 31*time.Minute) {
			t.Fatalf("upload %d: %#v", i, err)
		}
		if len(res.Attempts) != want || !res.Attempts[len(res.Attempts)-1].SkewCorrected {
			t.Fatalf("upload %d: attempts %+v", i, res.Attempts)
		}
	}
}
