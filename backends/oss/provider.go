package oss

import (
	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Registration declares the OSS provider for a [provider.Registry]:
// oss://bucket/prefix destinations, the signature (v4, v1), path_style and
// cname keys, and the OSS_* and ALIBABA_CLOUD_* credential variables.
func Registration() provider.Provider {
	return provider.Provider{
		Name: Provider, Scheme: "oss",
		Keys:        []string{provider.KeySignature, provider.KeyPathStyle, provider.KeyCNAME},
		Signatures:  []string{"v4", "v1"},
		EndpointEnv: []string{"OSS_ENDPOINT"}, RegionEnv: []string{"OSS_REGION"},
		EndpointFor: func(region string) string { return "oss-" + region + ".aliyuncs.com" },
		Env:         credentials.EnvFamilies[Provider],
		Open: func(s provider.Settings) (uploader.Backend, error) {
			sig := 0
			switch s.Signature {
			case "v1":
				sig = 1
			case "v4":
				sig = 4
			}
			return provider.Ret(New(Options{Common: s.Common,
				SignatureVersion: sig, PathStyle: s.PathStyle,
				CustomDomain: s.CustomDomain}))
		},
	}
}
