package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/resilient-upload/upload/uploader"
)

// objectDefaults parses a target's defaults: mapping into t.Defaults (the
// attributes it gives a file whose own attributes leave them empty); every
// mistake names the file, the line and the key. A local target has none:
// the backup keeps each file's own attributes for the drain.
func (p *cfgParser) objectDefaults(n *yaml.Node, t *Target, where string) {
	where += "defaults"
	t.DefaultsAt = fmt.Sprintf("%s:%d: %s", p.file, n.Line, where)
	if t.Provider == "local" {
		p.errorf(n, "%s does not apply to a local target (it keeps each file's own attributes for the drain)", where)
		return
	}
	d := &t.Defaults
	header := func(field *string, key string) func(*yaml.Node) {
		return func(n *yaml.Node) {
			s, ok := p.str(n, key)
			if !ok {
				return
			}
			if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
				p.errorf(n, "%s %q: printable ASCII only (it is sent as an HTTP header)", key, s)
				return
			}
			*field = s
		}
	}
	k := where + "."
	p.mapping(n, k, map[string]func(*yaml.Node){
		"cache_control":       header(&d.CacheControl, k+"cache_control"),
		"content_disposition": header(&d.ContentDisposition, k+"content_disposition"),
		"content_encoding":    header(&d.ContentEncoding, k+"content_encoding"),
		"storage_class": func(n *yaml.Node) {
			if s, ok := p.str(n, k+"storage_class"); ok {
				var err error
				if d.StorageClass, err = uploader.ParseStorageClass(s); err != nil {
					p.errorf(n, "%sstorage_class: %v", k, err)
				}
			}
		},
		"acl": func(n *yaml.Node) {
			if s, ok := p.str(n, k+"acl"); ok {
				var err error
				if d.ACL, err = uploader.ParseACL(s); err != nil {
					p.errorf(n, "%sacl: %v", k, err)
				}
			}
		},
		"sse": func(n *yaml.Node) {
			if s, ok := p.str(n, k+"sse"); ok {
				var err error
				if d.SSE, err = uploader.ParseSSE(s); err != nil {
					p.errorf(n, "%ssse: %v", k, err)
				}
			}
		},
		"tags": func(n *yaml.Node) {
			if n.Kind != yaml.MappingNode {
				p.errorf(n, "%stags must be a mapping of KEY: VALUE", k)
				return
			}
			d.Tags = map[string]string{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				if v, ok := p.str(deref(n.Content[i+1]), k+"tags."+n.Content[i].Value); ok {
					d.Tags[n.Content[i].Value] = v
				}
			}
			if err := (uploader.Attributes{Tags: d.Tags}).Validate(); err != nil {
				p.errorf(n, "%stags: %s", k, uploader.AsError(err).Message)
			}
		},
	})
}
