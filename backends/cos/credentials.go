package cos

import "github.com/resilient-upload/upload/credentials"

// Credentials returns the backend's keys provider (nil for static keys):
// the cache over Options.Credentials.
func (b *Backend) Credentials() credentials.Provider {
	if b.creds == nil {
		return nil
	}
	return b.creds.Cache()
}
