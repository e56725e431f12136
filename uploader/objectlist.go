package uploader

import "context"

// ListPageSize is the number of keys an [ObjectLister] asks for per
// request: the most every provider returns.
const ListPageSize = 1000

// ObjectLister is implemented by backends that list the objects of their
// bucket by key prefix, a page (one request) at a time, so that a caller
// compares many files with what is stored without a request per file.
type ObjectLister interface {
	// ListObjects calls fn with each object whose key starts with prefix
	// ("" for every object), in key order, one LIST request per page of
	// up to ListPageSize keys, until the listing ends or fn returns false.
	// Key, Size, ETag and LastModified are set; CRC64 where the provider's
	// listing carries it. It fails with an *Error.
	ListObjects(ctx context.Context, prefix string, fn func(ObjectInfo) bool) error
}
