// Package creds is what the cloud backends share about keys that come from
// a [credentials.Provider]: a [credentials.Cache] over it, the value the
// SDK signs with, and the decision, after a refusal, whether the keys had
// expired and one refresh and one retry are worth it. A [Source] is the
// [skew.Credentials] of a backend's clock, so every SDK call made through
// skew.Clock.Do gets it.
package creds

import (
	"context"
	"time"

	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/internal/skew"
	"github.com/resilient-upload/upload/uploader"
)

// Source is a backend's keys. It is safe for concurrent use.
type Source struct {
	target, provider string
	cache            *credentials.Cache
	now              func() time.Time
}

var _ skew.Credentials = (*Source)(nil)

// New returns the Source of target over p, cached (p itself if it is a
// *credentials.Cache). now is the clock (nil: time.Now).
func New(target, provider string, p credentials.Provider, now func() time.Time) *Source {
	if now == nil {
		now = time.Now
	}
	c, ok := p.(*credentials.Cache)
	if !ok {
		c = credentials.NewCache(p, credentials.CacheOptions{Now: now})
	}
	return &Source{target: target, provider: provider, cache: c, now: now}
}

// Current returns the keys to sign with now: the cached ones, fetched
// first (without a deadline of the caller's) if there are none yet. SDK
// hooks that take no context call it; Prepare has normally fetched them.
func (s *Source) Current() credentials.Value {
	if v, ok := s.cache.Peek(); ok {
		return v
	}
	v, _ := s.cache.Retrieve(context.Background())
	return v
}

// Cached returns the cached keys, empty if none were fetched yet; it
// never blocks. Calls made through skew.Clock.Do have had Prepare fetch
// them.
func (s *Source) Cached() credentials.Value {
	v, _ := s.cache.Peek()
	return v
}

// Retrieve returns the keys, fetching them if stale.
func (s *Source) Retrieve(ctx context.Context) (credentials.Value, error) {
	return s.cache.Retrieve(ctx)
}

// Cache returns the cache of the keys.
func (s *Source) Cache() *credentials.Cache { return s.cache }

// Prepare implements [skew.Credentials]: it fetches the keys if the cached
// ones are stale. A failure is Kind InvalidCredentials naming the link.
func (s *Source) Prepare(ctx context.Context) (any, error) {
	v, err := s.cache.Retrieve(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &uploader.Error{Kind: uploader.Canceled, Target: s.target, Provider: s.provider, Op: "credentials",
				Message: "canceled while fetching the credentials", Err: ctx.Err()}
		}
		return nil, s.fetchError(err, "")
	}
	return v, nil
}

func (s *Source) fetchError(err error, after string) *uploader.Error {
	link := credentials.LinkOf(err)
	if link == "" {
		link = "the credentials provider"
	}
	return &uploader.Error{Kind: uploader.InvalidCredentials, Target: s.target, Provider: s.provider, Op: "credentials",
		Message: after + "no usable credentials: " + err.Error(), Err: err,
		Hints: []string{"the credentials come from " + link + ": check it (upload doctor names the link that supplied the keys)"}}
}

// expiredCodes are the vendors' codes for a security token that expired:
// TOS and S3 ExpiredToken, OSS SecurityTokenExpired, S3
// TokenRefreshRequired.
var expiredCodes = map[string]bool{
	"ExpiredToken": true, "SecurityTokenExpired": true, "TokenRefreshRequired": true, "ExpiredTokenException": true,
}

// temporaryCodes are refusals that, for temporary keys, mean the keys or
// token are no longer valid: vendors answer an expired temporary key with
// InvalidAccessKeyId, and an outdated token with InvalidSecurityToken.
var temporaryCodes = map[string]bool{
	"InvalidAccessKeyId": true, "InvalidSecurityToken": true, "InvalidToken": true, "InvalidSecurity": true,
}

// Expired reports whether err refuses keys like used as expired: an
// expired-token code, or for temporary keys an invalid key or token, or a
// credentials refusal (a HEAD has no error code) after their expiry.
func Expired(err error, used credentials.Value, now time.Time) bool {
	e := uploader.AsError(err)
	if e == nil {
		return false
	}
	if expiredCodes[e.Code] {
		return true
	}
	if !used.Temporary() {
		return false
	}
	if temporaryCodes[e.Code] {
		return true
	}
	return e.Code == "" && (e.Status == 400 || e.Status == 401 || e.Status == 403) &&
		!used.Expires.IsZero() && !now.Before(used.Expires)
}

// Refresh implements [skew.Credentials].
func (s *Source) Refresh(ctx context.Context, used any, err error) (bool, error) {
	v, _ := used.(credentials.Value)
	if !Expired(err, v, s.now()) {
		return false, err
	}
	e := uploader.AsError(err)
	nv, rerr := s.cache.Refresh(ctx, v)
	if rerr != nil {
		if ctx.Err() != nil {
			return false, err
		}
		fe := s.fetchError(rerr, "the server refused the keys from "+v.Source+" as expired ("+e.Code+"), and fetching new ones failed: ")
		fe.Status, fe.Code, fe.RequestID, fe.Op, fe.Key = e.Status, e.Code, e.RequestID, e.Op, e.Key
		return false, fe
	}
	if nv.AccessKeyID == v.AccessKeyID && nv.SecretAccessKey == v.SecretAccessKey && nv.SessionToken == v.SessionToken {
		e.Hints = append(e.Hints, "the server refused the keys from "+v.Source+" as expired, and "+v.Source+
			" still gives the same keys: renew them there")
		return false, err
	}
	return true, nil
}

// Refused implements [skew.Credentials].
func (s *Source) Refused(err error) error {
	if e := uploader.AsError(err); e != nil && e.Kind == uploader.InvalidCredentials {
		v, _ := s.cache.Peek()
		e.Hints = append(e.Hints, "the credentials were refreshed from "+v.Source+" and refused again: check that "+
			v.Source+" gives keys of this account with access to the bucket")
	}
	return err
}
