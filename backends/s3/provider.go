package s3

import (
	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Registration declares the S3 provider for a [provider.Registry]:
// s3://bucket/prefix destinations, the path_style, skip_etag_check and
// virtual_host keys, the AWS_* credential variables, and minio-go's
// instance role (web identity, the container endpoints, IMDSv2).
func Registration() provider.Provider {
	return provider.Provider{
		Name: "s3", Scheme: "s3",
		Keys:        []string{provider.KeyPathStyle, provider.KeySkipETagCheck, provider.KeyVirtualHost},
		EndpointEnv: []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}, RegionEnv: []string{"AWS_REGION", "AWS_DEFAULT_REGION"},
		EndpointFor:  func(region string) string { return "https://s3." + region + ".amazonaws.com" },
		Env:          credentials.EnvFamilies["s3"],
		InstanceRole: func(endpoint string) credentials.Provider { return InstanceRole(endpoint, nil) },
		Open: func(s provider.Settings) (uploader.Backend, error) {
			// DisableSkewCorrection is not passed: it has no effect here
			// (Options.DisableSkewCorrection).
			return provider.Ret(New(Options{Name: s.Name, Endpoint: s.Endpoint, Region: s.Region, Bucket: s.Bucket,
				AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken, Credentials: s.Credentials,
				PathStyle: s.PathStyle, SkipETagCheck: s.SkipETagCheck,
				ConnectTimeout: s.ConnectTimeout, ResponseTimeout: s.ResponseTimeout,
				PartSize: s.PartSize, PartConcurrency: s.PartConcurrency, MultipartThreshold: s.MultipartThreshold, VirtualHost: s.VirtualHost}))
		},
	}
}
