// Package blockrand derives the chain's lotteries (x/dispute audits and the
// item an audit of a batch job draws, x/reputation exploration) from block
// data, deterministically.
package blockrand

import (
	"crypto/sha256"
	"encoding/binary"
)

// draw is the first 8 bytes of sha256(domain | block hash | height | id).
// Whoever builds the block can grind its hash; see x/dispute/README.md for
// the bound.
func draw(domain string, blockHash []byte, height int64, id uint64) uint64 {
	h := sha256.New()
	h.Write([]byte(domain))
	h.Write(blockHash)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(height))
	binary.BigEndian.PutUint64(b[8:], id)
	h.Write(b[:])
	return binary.BigEndian.Uint64(h.Sum(nil)[:8])
}

// PPM draws a number in [0, 1e6): draw mod 1e6 (the modulo bias, 2^64 mod
// 1e6 over 2^64, is below 1e-13).
func PPM(domain string, blockHash []byte, height int64, id uint64) uint32 {
	return uint32(draw(domain, blockHash, height, id) % 1_000_000)
}

// Uniform draws a number in [0, n) (0 if n is 0): draw mod n (the modulo
// bias is below n / 2^64: under 1e-13 for any n up to 2^20).
func Uniform(domain string, blockHash []byte, height int64, id, n uint64) uint64 {
	if n == 0 {
		return 0
	}
	return draw(domain, blockHash, height, id) % n
}
