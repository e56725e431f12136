package local

import "github.com/resilient-upload/upload/uploader"

// attrRecord is how a record keeps an object's attributes. Its field names
// are part of the on-disk format: keep them.
type attrRecord struct {
	CacheControl       string            `json:"cache_control,omitempty"`
	ContentDisposition string            `json:"content_disposition,omitempty"`
	ContentEncoding    string            `json:"content_encoding,omitempty"`
	StorageClass       string            `json:"storage_class,omitempty"`
	ACL                string            `json:"acl,omitempty"`
	SSE                string            `json:"sse,omitempty"` // as uploader.ParseSSE reads it
	Tags               map[string]string `json:"tags,omitempty"`
}

// recordAttributes returns what a record keeps of a, nil for none.
func recordAttributes(a uploader.Attributes) *attrRecord {
	r := &attrRecord{CacheControl: a.CacheControl, ContentDisposition: a.ContentDisposition, ContentEncoding: a.ContentEncoding,
		StorageClass: string(a.StorageClass), ACL: string(a.ACL), SSE: a.SSE.String(), Tags: a.Tags}
	if len(r.Tags) == 0 && r.CacheControl+r.ContentDisposition+r.ContentEncoding+r.StorageClass+r.ACL+r.SSE == "" {
		return nil
	}
	return r
}

// attributes returns the attributes r kept; nil keeps none.
func (r *attrRecord) attributes() uploader.Attributes {
	if r == nil {
		return uploader.Attributes{}
	}
	sse, _ := uploader.ParseSSE(r.SSE) // written by SSE.String
	return uploader.Attributes{CacheControl: r.CacheControl, ContentDisposition: r.ContentDisposition, ContentEncoding: r.ContentEncoding,
		StorageClass: uploader.StorageClass(r.StorageClass), ACL: uploader.ACL(r.ACL), SSE: sse, Tags: r.Tags}
}

// setInfo sets the attributes of info from a record's.
func setInfo(info *uploader.ObjectInfo, a uploader.Attributes) {
	info.CacheControl, info.ContentDisposition, info.ContentEncoding = a.CacheControl, a.ContentDisposition, a.ContentEncoding
	info.StorageClass, info.ACL, info.SSE, info.TagCount = a.StorageClass, a.ACL, a.SSE, len(a.Tags)
}
