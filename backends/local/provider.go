package local

import (
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Registration declares the local provider for a [provider.Registry]: a
// target with a path: key that serves as the backup of the cloud targets
// ([Backend]), or, with Settings.Readable, as the destination when there is
// no cloud target ([Tree]: each key at its path).
func Registration() provider.Provider {
	return provider.Provider{
		Name: Provider, Local: true,
		Keys: []string{provider.KeyPath},
		Open: func(s provider.Settings) (uploader.Backend, error) {
			if s.Readable {
				return provider.Ret(NewTree(Options{Dir: s.Path, Name: s.Name, NoCreate: s.NoCreate}))
			}
			return provider.Ret(New(Options{Dir: s.Path, Name: s.Name, NoCreate: s.NoCreate}))
		},
	}
}
