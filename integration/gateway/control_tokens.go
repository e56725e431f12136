package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// tokenBody answers POST /v1/{dialect}/tokens: the JSON form of
// [TemporaryCredentials]. Expires is nil for keys that never expire by
// themselves.
type tokenBody struct {
	Dialect   Dialect    `json:"dialect"`
	AccessKey string     `json:"access_key"`
	SecretKey string     `json:"secret_key"`
	Token     string     `json:"token"`
	Expires   *time.Time `json:"expires"`
}

func (c *control) issueToken(w http.ResponseWriter, r *http.Request) {
	g, err := c.gateway(r)
	if err != nil {
		fail(w, err)
		return
	}
	var in struct {
		Lifetime *string `json:"lifetime"`
	}
	if err := decode(r, &in); err != nil {
		fail(w, err)
		return
	}
	if in.Lifetime == nil {
		fail(w, badInput("lifetime", "required: how long the credentials stay valid on the gateway's clock, like \"15m\" (\"0\": until expired by hand)"))
		return
	}
	d, err := parseDuration("lifetime", *in.Lifetime)
	if err != nil {
		fail(w, err)
		return
	}
	if d < 0 {
		fail(w, badInput("lifetime", "%q is negative: want a duration like \"15m\", or \"0\" for no expiry", *in.Lifetime))
		return
	}
	tc := g.IssueTemporary(d)
	out := tokenBody{Dialect: g.Dialect(), AccessKey: tc.AccessKey, SecretKey: tc.SecretKey, Token: tc.Token}
	if !tc.Expires.IsZero() {
		e := tc.Expires.UTC()
		out.Expires = &e
	}
	writeJSON(w, http.StatusCreated, out)
}

func (c *control) expireTokens(w http.ResponseWriter, r *http.Request) {
	g, err := c.gateway(r)
	if err != nil {
		fail(w, err)
		return
	}
	var in struct {
		AccessKey *string `json:"access_key"`
	}
	if err := decode(r, &in); err != nil {
		fail(w, err)
		return
	}
	if in.AccessKey == nil {
		writeJSON(w, http.StatusOK, map[string]any{"dialect": g.Dialect(), "expired": g.ExpireTokens()})
		return
	}
	ak := strings.TrimSpace(*in.AccessKey)
	if ak == "" {
		fail(w, badInput("access_key", "empty: give the access_key POST /v1/%s/tokens answered, or send {} to expire every temporary key pair", g.Dialect()))
		return
	}
	if _, ok := g.temporary(ak); !ok {
		writeJSONError(w, http.StatusNotFound, "access_key", fmt.Sprintf("access_key %q: no temporary credentials of that key on %s", ak, g.Dialect()))
		return
	}
	n := 0
	if g.expireToken(ak) {
		n = 1
	}
	writeJSON(w, http.StatusOK, map[string]any{"dialect": g.Dialect(), "expired": n})
}
