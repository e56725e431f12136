package s3

import (
	"context"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7/pkg/credentials"

	ucreds "github.com/resilient-upload/upload/credentials"
	icreds "github.com/resilient-upload/upload/internal/creds"
)

// minioProvider hands minio-go the keys of a creds.Source through its own
// hook (credentials.Provider). It reports itself expired on every request
// so that minio-go asks it each time: the Source's cache is what keeps the
// keys.
type minioProvider struct{ src *icreds.Source }

func (p minioProvider) Retrieve() (credentials.Value, error) { return p.RetrieveWithCredContext(nil) }

func (p minioProvider) RetrieveWithCredContext(*credentials.CredContext) (credentials.Value, error) {
	v := p.src.Current()
	st := credentials.SignatureV4
	if v.Anonymous() {
		st = credentials.SignatureAnonymous
	}
	return credentials.Value{AccessKeyID: v.AccessKeyID, SecretAccessKey: v.SecretAccessKey, SessionToken: v.SessionToken,
		Expiration: v.Expires, SignerType: st}, nil
}

func (minioProvider) IsExpired() bool { return true }

// InstanceRole returns minio-go's IAM provider as a credentials.Provider:
// AWS web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, as on
// EKS with IRSA), the ECS and EKS Pod Identity container endpoints, else
// the EC2 instance role through IMDSv2. endpoint replaces the metadata
// address (http://169.254.169.254) or, for web identity, the STS endpoint;
// "" keeps minio-go's defaults. client nil means a default client.
func InstanceRole(endpoint string, client *http.Client) ucreds.Provider {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil}}
	}
	link := "instance role (minio-go IAM"
	if endpoint != "" {
		link += ", " + endpoint
	}
	link += ")"
	iam := &credentials.IAM{Endpoint: endpoint, Client: client}
	return ucreds.ProviderFunc(func(ctx context.Context) (ucreds.Value, error) {
		v, err := iam.RetrieveWithCredContext(&credentials.CredContext{Client: client, Context: ctx})
		if err != nil {
			return ucreds.Value{}, &ucreds.Error{Link: link, Err: err}
		}
		return ucreds.Value{AccessKeyID: v.AccessKeyID, SecretAccessKey: v.SecretAccessKey, SessionToken: v.SessionToken,
			Expires: v.Expiration, Source: link}, nil
	})
}

// Credentials returns the backend's keys provider (nil for static keys):
// the cache over Options.Credentials.
func (b *Backend) Credentials() ucreds.Provider {
	if b.creds == nil {
		return nil
	}
	return b.creds.Cache()
}
