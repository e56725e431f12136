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
			return provider.Ret(New(Options{Common: s.Common,
				CustomDomain: s.CustomDomain}))
		},
	}
}
