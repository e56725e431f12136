package cos

import (
	"context"
	"net/http"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/resilient-upload/upload/internal/creds"
)

// signLeeway is how far before the signing time a signature's q-sign-time
// starts, so that a server clock a little behind ours (less than the skew
// clock corrects) does not find the request not yet valid.
const signLeeway = time.Minute

type signTimeKey struct{}

// signing is how the requests made under a context are signed: at the time
// at, which carries the clock correction correction (local time plus it).
type signing struct {
	at         time.Time
	correction time.Duration
}

// withSignTime returns ctx carrying at, the time the signer signs the
// requests made under ctx with, and correction, the clock correction at
// carries (for classifying a refusal: errclass.Reply.Correction).
func withSignTime(ctx context.Context, at time.Time, correction time.Duration) context.Context {
	return context.WithValue(ctx, signTimeKey{}, signing{at: at, correction: correction})
}

// signTime returns the time withSignTime put in ctx.
func signTime(ctx context.Context) (time.Time, bool) {
	s, ok := ctx.Value(signTimeKey{}).(signing)
	return s.at, ok && !s.at.IsZero()
}

// signCorrection returns the correction withSignTime put in ctx, and false
// if ctx carries none (its requests are signed with the clock's time of
// the moment).
func signCorrection(ctx context.Context) (time.Duration, bool) {
	s, ok := ctx.Value(signTimeKey{}).(signing)
	return s.correction, ok && !s.at.IsZero()
}

// signer is the RoundTripper that signs each request with
// cos.AddAuthorizationHeader (q-sign-algorithm=sha1). Its q-sign-time runs
// from the signing time in the request's context (or now, the clock's
// corrected time) minus signLeeway, to that time plus expiry. Without an
// access key ID it sends requests unsigned (anonymous).
type signer struct {
	id, secret, token string
	creds             *creds.Source // when set, the keys come from it
	expiry            time.Duration
	now               func() time.Time
	next              http.RoundTripper
}

// RoundTrip signs a copy of req and sends it.
func (s *signer) RoundTrip(req *http.Request) (*http.Response, error) {
	id, secret, token := s.id, s.secret, s.token
	if s.creds != nil {
		v := s.creds.Current()
		id, secret, token = v.AccessKeyID, v.SecretAccessKey, v.SessionToken
	}
	if id == "" {
		return s.next.RoundTrip(req)
	}
	at, ok := signTime(req.Context())
	if !ok {
		at = s.now()
	}
	start, end := at.Add(-signLeeway), at.Add(s.expiry)
	r := req.Clone(req.Context()) // a RoundTripper must not modify req
	cossdk.AddAuthorizationHeader(id, secret, token, r, &cossdk.AuthTime{
		SignStartTime: start, SignEndTime: end, KeyStartTime: start, KeyEndTime: end,
	})
	return s.next.RoundTrip(r)
}

// pathStyle is the RoundTripper that puts the bucket in front of every
// request path: the SDK resolves object paths against its bucket URL and
// drops that URL's own path, so it cannot do it itself.
type pathStyle struct {
	bucket string
	next   http.RoundTripper
}

// RoundTrip sends a copy of req whose path starts with /bucket.
func (p *pathStyle) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Path = "/" + p.bucket + r.URL.Path
	if r.URL.RawPath != "" {
		r.URL.RawPath = "/" + p.bucket + r.URL.RawPath
	}
	return p.next.RoundTrip(r)
}
