package xfer

import "hash/crc64"

// CRC64Combine returns the CRC-64/ECMA (as hash/crc64 computes it, the
// checksum TOS, OSS and COS send in x-*-hash-crc64ecma) of A followed by B, given
// crcA, crcB and the length of B. It appends lenB zero bytes to crcA with
// the GF(2) matrix method of zlib's crc32_combine (the pre- and
// post-conditioning of both CRCs cancel out), then adds crcB.
//
// It lets a multipart upload be checked against the whole object's CRC
// that the server returns on completion, from the parts' CRCs the SDK verified,
// without reading the data again.
func CRC64Combine(crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA ^ crcB // B is empty: crcB is 0
	}
	var even, odd [64]uint64
	odd[0] = crc64.ECMA // the operator for one zero bit
	row := uint64(1)
	for n := 1; n < 64; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four zero bits
	for {
		gf2Square(&even, &odd) // first pass: one zero byte
		if lenB&1 != 0 {
			crcA = gf2Times(&even, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		gf2Square(&odd, &even)
		if lenB&1 != 0 {
			crcA = gf2Times(&odd, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2Times(mat *[64]uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(dst, mat *[64]uint64) {
	for n := range dst {
		dst[n] = gf2Times(mat, mat[n])
	}
}

// CombinedCRC64 returns the CRC-64/ECMA of the parts' bytes in order, from
// each part's CRC-64, which crc returns (false when it is not known), and
// whether every part's was known. It is what a backend compares with the
// CRC-64 the server returns for the assembled object.
func CombinedCRC64(parts []Part, crc func(Part) (uint64, bool)) (uint64, bool) {
	var all uint64
	for _, p := range parts {
		c, ok := crc(p)
		if !ok {
			return 0, false
		}
		all = CRC64Combine(all, c, p.Size)
	}
	return all, true
}
