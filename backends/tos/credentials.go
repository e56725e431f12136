package tos

import (
	"net/http"

	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/internal/creds"
	"github.com/resilient-upload/upload/internal/skew"
	"github.com/resilient-upload/upload/provider"
)

// sdkCredentials hands the SDK's signer the keys of a creds.Source through
// the SDK's own hook (tos.Credentials, asked on every signature).
type sdkCredentials struct{ src *creds.Source }

func (c sdkCredentials) Credential() tossdk.Credential {
	v := c.src.Current()
	return tossdk.Credential{AccessKeyID: v.AccessKeyID, AccessKeySecret: v.SecretAccessKey, SecurityToken: v.SessionToken}
}

// Credentials returns the backend's keys provider (nil for static keys):
// the cache over Options.Credentials.
func (b *Backend) Credentials() credentials.Provider {
	if b.creds == nil {
		return nil
	}
	return b.creds.Cache()
}

// sdkCredentialsFor returns the SDK credentials of the backend: those of
// src when set, else the static keys of c, or nil for anonymous access.
func sdkCredentialsFor(src *creds.Source, anonymous bool, c provider.Common) tossdk.Credentials {
	if src != nil {
		return sdkCredentials{src}
	}
	if anonymous {
		return nil
	}
	sc := tossdk.NewStaticCredentials(c.AccessKeyID, c.SecretAccessKey)
	if c.SessionToken != "" {
		sc.WithSecurityToken(c.SessionToken)
	}
	return sc
}

// clockSigner signs a request that carries no RequestDate (the SDK calls
// without GenericInput, such as ListObjectsType2) at the time of the
// backend's skew-corrected clock, as GenericInput.RequestDate does for the
// others; a request that carries one is signed at it.
type clockSigner struct {
	*tossdk.SignV4
	clock *skew.Clock
}

func (s clockSigner) SignHeader(req *tossdk.Request) http.Header {
	if req.RequestDate.IsZero() {
		req.RequestDate = s.clock.Now().UTC()
	}
	return s.SignV4.SignHeader(req)
}
