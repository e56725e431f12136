package tos

import (
	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Registration declares the TOS provider for a [provider.Registry]:
// tos://bucket/prefix destinations, the cname key, and the TOS_* and
// VOLC_* credential variables.
func Registration() provider.Provider {
	return provider.Provider{
		Name: Provider, Scheme: "tos",
		Keys:        []string{provider.KeyCNAME},
		EndpointEnv: []string{"TOS_ENDPOINT"}, RegionEnv: []string{"TOS_REGION"},
		EndpointFor: func(region string) string { return "tos-" + region + ".volces.com" },
		Env:         credentials.EnvFamilies[Provider],
		Open: func(s provider.Settings) (uploader.Backend, error) {
			return provider.Ret(New(Options{Name: s.Name, Endpoint: s.Endpoint, Region: s.Region, Bucket: s.Bucket,
				AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken, Credentials: s.Credentials,
				ConnectTimeout: s.ConnectTimeout, ResponseTimeout: s.ResponseTimeout,
				PartSize: s.PartSize, PartConcurrency: s.PartConcurrency, MultipartThreshold: s.MultipartThreshold,
				DisableSkewCorrection: s.DisableSkewCorrection, CustomDomain: s.CustomDomain}))
		},
	}
}
