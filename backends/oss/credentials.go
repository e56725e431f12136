package oss

import (
	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/internal/creds"
)

// sdkCredentials hands the SDK the keys of a creds.Source through the
// SDK's own hook (oss.CredentialsProvider, asked for every request).
type sdkCredentials struct{ src *creds.Source }

type sdkValue struct{ v credentials.Value }

func (v sdkValue) GetAccessKeyID() string     { return v.v.AccessKeyID }
func (v sdkValue) GetAccessKeySecret() string { return v.v.SecretAccessKey }
func (v sdkValue) GetSecurityToken() string   { return v.v.SessionToken }

func (c sdkCredentials) GetCredentials() oss.Credentials { return sdkValue{c.src.Current()} }

// Credentials returns the backend's keys provider (nil for static keys):
// the cache over Options.Credentials.
func (b *Backend) Credentials() credentials.Provider {
	if b.creds == nil {
		return nil
	}
	return b.creds.Cache()
}
