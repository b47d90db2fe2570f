// Package blockrand derives the chain's lotteries (x/dispute audits,
// x/reputation exploration) from block data, deterministically.
package blockrand

import (
	"crypto/sha256"
	"encoding/binary"
)

// PPM draws a number in [0, 1e6) from
// sha256(domain | block hash | height | id): the first 8 bytes, mod 1e6
// (the modulo bias, 2^64 mod 1e6 over 2^64, is below 1e-13). Whoever builds
// the block can grind its hash; see x/dispute/README.md for the bound.
func PPM(domain string, blockHash []byte, height int64, id uint64) uint32 {
	h := sha256.New()
	h.Write([]byte(domain))
	h.Write(blockHash)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(height))
	binary.BigEndian.PutUint64(b[8:], id)
	h.Write(b[:])
	return uint32(binary.BigEndian.Uint64(h.Sum(nil)[:8]) % 1_000_000)
}
