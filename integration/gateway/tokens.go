package gateway

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"
)

// TemporaryCredentials are keys with a security token, as an STS or an
// instance metadata service issues them. The gateway accepts them, with
// their token, until Expires on its clock ([Gateway.Now]).
type TemporaryCredentials struct {
	AccessKey, SecretKey, Token string
	// Expires is when the gateway starts refusing them; zero means never
	// (until [Gateway.ExpireToken]).
	Expires time.Time
}

// tokens are the temporary credentials a gateway accepts, by access key.
type tokens struct {
	mu sync.Mutex
	m  map[string]TemporaryCredentials
}

// AddTemporary makes the gateway accept c besides its static keys: a
// request signed with c.AccessKey must carry c.Token in the dialect's
// security-token header (x-tos-security-token, x-oss-security-token,
// x-cos-security-token; OBS x-obs-security-token or
// x-amz-security-token). A wrong or missing token gets 403
// InvalidSecurityToken (OBS and COS: InvalidToken); once c has expired,
// the vendor's expired-token refusal: TOS 403 ExpiredToken, OSS 403
// SecurityTokenExpired, OBS 403 InvalidAccessKeyId (the temporary key is
// no longer known), COS 400 ExpiredToken.
func (g *Gateway) AddTemporary(c TemporaryCredentials) {
	g.tokens.mu.Lock()
	defer g.tokens.mu.Unlock()
	if g.tokens.m == nil {
		g.tokens.m = map[string]TemporaryCredentials{}
	}
	g.tokens.m[c.AccessKey] = c
}

// IssueTemporary returns new random temporary credentials that expire
// after lifetime on the gateway's clock (zero: never), and accepts them.
func (g *Gateway) IssueTemporary(lifetime time.Duration) TemporaryCredentials {
	c := TemporaryCredentials{AccessKey: "STS" + strings.ToUpper(randHex(8)), SecretKey: "fake-sts-secret-" + randHex(12),
		Token: "fake-sts-token-" + randHex(24)}
	if lifetime > 0 {
		c.Expires = g.Now().Add(lifetime)
	}
	g.AddTemporary(c)
	return c
}

// ExpireToken makes the temporary credentials of accessKey expire now.
func (g *Gateway) ExpireToken(accessKey string) { g.expireToken(accessKey) }

// ExpireTokens makes every temporary key pair still valid expire now and
// returns how many it expired.
func (g *Gateway) ExpireTokens() int {
	g.tokens.mu.Lock()
	defer g.tokens.mu.Unlock()
	now, n := g.Now(), 0
	for ak, c := range g.tokens.m {
		if c.Expires.IsZero() || now.Before(c.Expires) {
			c.Expires = now.Add(-time.Second)
			g.tokens.m[ak] = c
			n++
		}
	}
	return n
}

// expireToken expires the temporary credentials of accessKey, reporting
// whether they were still valid.
func (g *Gateway) expireToken(accessKey string) bool {
	g.tokens.mu.Lock()
	defer g.tokens.mu.Unlock()
	c, ok := g.tokens.m[accessKey]
	if !ok {
		return false
	}
	now := g.Now()
	valid := c.Expires.IsZero() || now.Before(c.Expires)
	if valid {
		c.Expires = now.Add(-time.Second)
		g.tokens.m[accessKey] = c
	}
	return valid
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// temporary returns the temporary credentials of ak.
func (g *Gateway) temporary(ak string) (TemporaryCredentials, bool) {
	g.tokens.mu.Lock()
	defer g.tokens.mu.Unlock()
	c, ok := g.tokens.m[ak]
	return c, ok
}

// tokenHeaders are the security-token headers of each dialect.
var tokenHeaders = map[Dialect][]string{
	TOS: {"X-Tos-Security-Token"},
	OSS: {"X-Oss-Security-Token"},
	OBS: {"X-Obs-Security-Token", "X-Amz-Security-Token"},
	COS: {"X-Cos-Security-Token"},
}

// checkToken runs after the signature verified: a request signed with
// temporary keys must carry their token, before they expire.
func (g *Gateway) checkToken(x *exchange) *apiError {
	c, ok := g.temporary(x.auth.accessKey)
	if !ok {
		return nil
	}
	var got string
	for _, h := range tokenHeaders[g.opts.Dialect] {
		if v := x.r.Header.Get(h); v != "" {
			got = v
			break
		}
	}
	if got == "" || !hmac.Equal([]byte(got), []byte(c.Token)) {
		switch g.opts.Dialect {
		case OBS, COS:
			return newAPIError(http.StatusForbidden, "InvalidToken", "The provided token is malformed or otherwise invalid.")
		}
		return newAPIError(http.StatusForbidden, "InvalidSecurityToken", "The security token included in the request is invalid.")
	}
	if c.Expires.IsZero() || x.now.Before(c.Expires) {
		return nil
	}
	switch g.opts.Dialect {
	case OSS:
		return newAPIError(http.StatusForbidden, "SecurityTokenExpired", "The security token you provided has expired.")
	case OBS:
		return newAPIError(http.StatusForbidden, "InvalidAccessKeyId", "")
	case COS:
		return newAPIError(http.StatusBadRequest, "ExpiredToken", "The provided token has expired.")
	}
	return newAPIError(http.StatusForbidden, "ExpiredToken", "The provided token has expired.")
}
