package types

import (
	"crypto/sha512"
	"encoding/binary"
)

// Domain tags: evidence and result signatures made for Verdict cannot be
// replayed to another protocol, and the two cannot be confused.
const (
	ReportDataDomain = "verdict/attest/report-data/v1"
	ResultSignDomain = "verdict/attest/result/v2"
)

// ReportData is the 64 bytes a provider's TEE evidence must carry:
// SHA-512 over the domain tag, the chain id, the operator's address, the
// hash of the nonce block and the enclave's public key, each length-prefixed.
// Binding the chain and the operator stops replay on another chain or by
// another provider; the recent block hash stops replay of old evidence; the
// enclave key ties later result signatures to this evidence.
func ReportData(chainID string, operator, blockHash, enclaveKey []byte) [ReportDataSize]byte {
	h := sha512.New()
	for _, part := range [][]byte{[]byte(ReportDataDomain), []byte(chainID), operator, blockHash, enclaveKey} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	var out [ReportDataSize]byte
	copy(out[:], h.Sum(nil))
	return out
}

// ResultSignBytes is what an attested enclave signs (ed25519) for a job's
// result: (domain, chain id, job id, output commitment, units used), each
// length-prefixed. Version 2 adds units_used: the enclave vouches for what
// the result is paid for, not only for the output.
func ResultSignBytes(chainID string, jobID uint64, output []byte, unitsUsed uint64) []byte {
	var b []byte
	for _, part := range [][]byte{[]byte(ResultSignDomain), []byte(chainID), binary.BigEndian.AppendUint64(nil, jobID), output, binary.BigEndian.AppendUint64(nil, unitsUsed)} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(part)))
		b = append(b, part...)
	}
	return b
}
