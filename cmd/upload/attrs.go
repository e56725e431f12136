package main

import (
	"fmt"
	"mime"
	"path"
	"strings"

	"github.com/resilient-upload/upload/uploader"
)

// attrFlags are the object attributes given on the command line.
type attrFlags struct {
	contentType string
	metadata    []string
	// The object attributes (attrs_more.go).
	cacheControl, contentDisposition, contentEncoding string
	storageClass, acl, sse                            string
	tags                                              []string
}

// attrs are the checked attributes every uploaded object gets.
type attrs struct {
	// contentType overrides the type guessed from the key's extension.
	contentType string
	metadata    map[string]string
	// attributes are --cache-control ... --tags; each target's defaults:
	// fill what they leave empty.
	attributes uploader.Attributes
}

// newAttrs checks the attribute flags: --metadata is KEY=VALUE with a key
// of letters, digits, "-", "_" and ".", and a value of printable ASCII
// (what every provider's x-*-meta-* headers carry unchanged).
func newAttrs(f attrFlags) (*attrs, error) {
	a := &attrs{contentType: f.contentType}
	if strings.ContainsFunc(f.contentType, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		return nil, &usageError{fmt.Sprintf("--content-type %q: printable ASCII only", f.contentType)}
	}
	for _, kv := range f.metadata {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, &usageError{fmt.Sprintf("--metadata %q: want KEY=VALUE", kv)}
		}
		for _, r := range k {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
				return nil, &usageError{fmt.Sprintf("--metadata %q: the key may hold only letters, digits, -, _ and .", kv)}
			}
		}
		if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
			return nil, &usageError{fmt.Sprintf("--metadata %q: the value must be printable ASCII (providers send it as an HTTP header)", kv)}
		}
		if a.metadata == nil {
			a.metadata = map[string]string{}
		}
		lk := strings.ToLower(k) // providers store metadata keys in lower case
		if _, dup := a.metadata[lk]; dup {
			return nil, &usageError{fmt.Sprintf("--metadata %q: key %q is given twice", kv, lk)}
		}
		a.metadata[lk] = v
	}
	var err error
	if a.attributes, err = parseAttributeFlags(f); err != nil {
		return nil, err
	}
	return a, nil
}

// apply sets obj's content type (--content-type, else from the key's
// extension by the standard library's table, else left to the provider)
// and metadata.
func (a *attrs) apply(obj *uploader.Object) {
	if a == nil {
		return
	}
	obj.ContentType = a.contentType
	if obj.ContentType == "" {
		obj.ContentType = mime.TypeByExtension(path.Ext(obj.Key))
	}
	if len(a.metadata) > 0 {
		obj.Metadata = make(map[string]string, len(a.metadata))
		for k, v := range a.metadata {
			obj.Metadata[k] = v
		}
	}
	obj.Attributes = a.attributes
	if a.attributes.Tags != nil {
		obj.Tags = make(map[string]string, len(a.attributes.Tags))
		for k, v := range a.attributes.Tags {
			obj.Tags[k] = v
		}
	}
}
