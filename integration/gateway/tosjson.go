package gateway

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
)

// TOS speaks JSON where S3 speaks XML. The gateway translates the multipart
// calls: the complete request body (JSON → XML) and the initiate, complete
// and list-parts results (XML → JSON), and the ListObjectsType2 result
// (XML → JSON). These are small control messages, parsed with a bound;
// object data is never buffered.

type tosCompleteRequest struct {
	Parts []struct {
		PartNumber int    `json:"PartNumber"`
		ETag       string `json:"ETag"`
	} `json:"Parts"`
}

func tosCompleteToXML(raw []byte) ([]byte, []int, *apiError) {
	var in tosCompleteRequest
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, nil, newAPIError(http.StatusBadRequest, "MalformedJSON", "the complete body is not TOS JSON: "+err.Error())
	}
	out := completeXML{Parts: make([]completePart, len(in.Parts))}
	parts := make([]int, len(in.Parts))
	for i, p := range in.Parts {
		out.Parts[i] = completePart(p)
		parts[i] = p.PartNumber
	}
	b, err := xml.Marshal(out)
	if err != nil {
		return nil, nil, newAPIError(http.StatusInternalServerError, "InternalError", err.Error())
	}
	return b, parts, nil
}

type s3Initiate struct {
	Bucket   string `xml:"Bucket" json:"Bucket"`
	Key      string `xml:"Key" json:"Key"`
	UploadID string `xml:"UploadId" json:"UploadId"`
}

type s3Complete struct {
	Location string `xml:"Location" json:"Location"`
	Bucket   string `xml:"Bucket" json:"Bucket"`
	Key      string `xml:"Key" json:"Key"`
	ETag     string `xml:"ETag" json:"ETag"`
}

type s3Owner struct {
	ID          string `xml:"ID" json:"ID"`
	DisplayName string `xml:"DisplayName" json:"DisplayName"`
}

type s3Part struct {
	PartNumber   int    `xml:"PartNumber" json:"PartNumber"`
	LastModified string `xml:"LastModified" json:"LastModified,omitempty"`
	ETag         string `xml:"ETag" json:"ETag"`
	Size         int64  `xml:"Size" json:"Size"`
}

type s3ListParts struct {
	Bucket               string   `xml:"Bucket" json:"Bucket"`
	Key                  string   `xml:"Key" json:"Key"`
	UploadID             string   `xml:"UploadId" json:"UploadId"`
	PartNumberMarker     int      `xml:"PartNumberMarker" json:"PartNumberMarker"`
	NextPartNumberMarker int      `xml:"NextPartNumberMarker" json:"NextPartNumberMarker"`
	MaxParts             int      `xml:"MaxParts" json:"MaxParts"`
	IsTruncated          bool     `xml:"IsTruncated" json:"IsTruncated"`
	StorageClass         string   `xml:"StorageClass" json:"StorageClass,omitempty"`
	Owner                s3Owner  `xml:"Owner" json:"Owner"`
	Parts                []s3Part `xml:"Part" json:"Parts"`
}

type s3Upload struct {
	Key          string  `xml:"Key" json:"Key"`
	UploadID     string  `xml:"UploadId" json:"UploadId"`
	Owner        s3Owner `xml:"Owner" json:"Owner"`
	StorageClass string  `xml:"StorageClass" json:"StorageClass,omitempty"`
	Initiated    string  `xml:"Initiated" json:"Initiated"`
}

type s3ListUploads struct {
	Bucket             string     `xml:"Bucket" json:"Bucket"`
	Prefix             string     `xml:"Prefix" json:"Prefix"`
	KeyMarker          string     `xml:"KeyMarker" json:"KeyMarker"`
	UploadIDMarker     string     `xml:"UploadIdMarker" json:"UploadIdMarker"`
	NextKeyMarker      string     `xml:"NextKeyMarker" json:"NextKeyMarker"`
	NextUploadIDMarker string     `xml:"NextUploadIdMarker" json:"NextUploadIdMarker"`
	MaxUploads         int        `xml:"MaxUploads" json:"MaxUploads"`
	IsTruncated        bool       `xml:"IsTruncated" json:"IsTruncated"`
	Uploads            []s3Upload `xml:"Upload" json:"Uploads"`
}

type s3Object struct {
	Key          string   `xml:"Key" json:"Key"`
	LastModified string   `xml:"LastModified" json:"LastModified,omitempty"`
	ETag         string   `xml:"ETag" json:"ETag"`
	Size         int64    `xml:"Size" json:"Size"`
	Owner        *s3Owner `xml:"Owner" json:"Owner,omitempty"`
	StorageClass string   `xml:"StorageClass" json:"StorageClass,omitempty"`
}

type s3CommonPrefix struct {
	Prefix string `xml:"Prefix" json:"Prefix"`
}

// s3ListObjectsV2 is a ListObjectsV2 result, and in JSON TOS's
// ListObjectsType2 result. Its entries carry no HashCrc64Ecma: the gateway
// keeps no object's CRC-64, so a client compares by ETag.
type s3ListObjectsV2 struct {
	Name                  string           `xml:"Name" json:"Name"`
	Prefix                string           `xml:"Prefix" json:"Prefix"`
	StartAfter            string           `xml:"StartAfter" json:"StartAfter,omitempty"`
	ContinuationToken     string           `xml:"ContinuationToken" json:"ContinuationToken,omitempty"`
	NextContinuationToken string           `xml:"NextContinuationToken" json:"NextContinuationToken,omitempty"`
	KeyCount              int              `xml:"KeyCount" json:"KeyCount"`
	MaxKeys               int              `xml:"MaxKeys" json:"MaxKeys"`
	Delimiter             string           `xml:"Delimiter" json:"Delimiter,omitempty"`
	EncodingType          string           `xml:"EncodingType" json:"EncodingType,omitempty"`
	IsTruncated           bool             `xml:"IsTruncated" json:"IsTruncated"`
	Contents              []s3Object       `xml:"Contents" json:"Contents"`
	CommonPrefixes        []s3CommonPrefix `xml:"CommonPrefixes" json:"CommonPrefixes"`
}

// xmlRoot decodes an S3 XML reply into v, or reports the <Error> it holds
// instead (MinIO may answer a complete with 200 and an error body).
func xmlRoot(r io.Reader, v any) *apiError {
	raw, err := io.ReadAll(io.LimitReader(r, maxControlBody))
	if err != nil {
		return newAPIError(http.StatusBadGateway, "GatewayUpstreamError", "reading MinIO's reply: "+err.Error())
	}
	var probe struct{ XMLName xml.Name }
	if err := xml.Unmarshal(raw, &probe); err == nil && probe.XMLName.Local == "Error" {
		var ue upstreamError
		_ = xml.Unmarshal(raw, &ue)
		return newAPIError(http.StatusInternalServerError, ue.Code, ue.Message)
	}
	if err := xml.NewDecoder(bytes.NewReader(raw)).Decode(v); err != nil {
		return newAPIError(http.StatusBadGateway, "GatewayUpstreamError", "MinIO's reply is not the expected XML: "+err.Error())
	}
	return nil
}

// tosJSON translates the XML result of op into TOS's JSON.
func tosJSON(op Op, body io.Reader) ([]byte, *apiError) {
	var v any
	switch op {
	case OpInitiate:
		v = &s3Initiate{}
	case OpComplete:
		v = &s3Complete{}
	case OpListUploads:
		v = &s3ListUploads{}
	case OpList:
		v = &s3ListObjectsV2{}
	default:
		v = &s3ListParts{}
	}
	if e := xmlRoot(body, v); e != nil {
		return nil, e
	}
	if lp, ok := v.(*s3ListParts); ok && lp.Parts == nil {
		lp.Parts = []s3Part{}
	}
	if lu, ok := v.(*s3ListUploads); ok && lu.Uploads == nil {
		lu.Uploads = []s3Upload{}
	}
	if lo, ok := v.(*s3ListObjectsV2); ok {
		if lo.Contents == nil {
			lo.Contents = []s3Object{}
		}
		if lo.CommonPrefixes == nil {
			lo.CommonPrefixes = []s3CommonPrefix{}
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, newAPIError(http.StatusInternalServerError, "InternalError", err.Error())
	}
	return b, nil
}
