package tos

import (
	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/internal/creds"
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
