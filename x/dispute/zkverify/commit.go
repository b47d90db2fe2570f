package zkverify

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/mimc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
)

// The circuits' commitment hashes, natively: the one implementation the
// prover (zkml) and the chain share. The chain needs them for batch jobs:
// a batch commits to its items by SHA-256 trees over the raw tensors
// (x/jobs/batch), and a dispute of one item reveals the item's input and
// output, from which the chain computes the commitments the item's proof
// is checked against (its public inputs are never the submitter's).

// Scheme is a commitment scheme: 1 MiMC-BN254 (version 1), 2 a
// Poseidon2-BN254 sponge (version 2). The prover's zkml.Scheme has the
// same numbers.
type Scheme uint8

const (
	SchemeMiMC      Scheme = 1
	SchemePoseidon2 Scheme = 2
)

// Poseidon2 parameters (the same in the circuit): width 3, rate 2, 8 full
// and 56 partial rounds.
const (
	Poseidon2Width         = 3
	Poseidon2Rate          = 2
	Poseidon2FullRounds    = 8
	Poseidon2PartialRounds = 56
)

// ErrScheme: a circuit id names no known commitment scheme.
var ErrScheme = errors.New("unknown commitment scheme")

// Circuit id prefixes and the schemes of their tensor commitments:
// mlp-<shape> (version 1), mlp2-<shape> and cnn-<arch> (version 2),
// mlp3-<shape> and cnn3-<arch> (version 3, whose tensors are committed as
// version 2's; its model commitment is a Pedersen commitment's hash, which
// the chain never computes).
var circuitPrefixes = []struct {
	prefix string
	scheme Scheme
}{
	{"mlp-", SchemeMiMC},
	{"mlp2-", SchemePoseidon2},
	{"cnn-", SchemePoseidon2},
	{"mlp3-", SchemePoseidon2},
	{"cnn3-", SchemePoseidon2},
}

// NeedsCommitmentKey reports whether a circuit id names a version 3
// circuit, whose model commitments are computed with a commitment key
// (registered by its sha256 beside the verifying key).
func NeedsCommitmentKey(id string) bool {
	return strings.HasPrefix(id, "mlp3-") || strings.HasPrefix(id, "cnn3-")
}

// SchemeOfCircuit is the scheme of a circuit id's tensor commitments.
func SchemeOfCircuit(id string) (Scheme, error) {
	for _, p := range circuitPrefixes {
		if strings.HasPrefix(id, p.prefix) {
			return p.scheme, nil
		}
	}
	return 0, fmt.Errorf("%w: circuit id %q is not mlp-, mlp2-, mlp3-, cnn- or cnn3-", ErrScheme, id)
}

// Tag turns a domain string into a field element (its bytes, big-endian).
func Tag(s string) *big.Int { return new(big.Int).SetBytes([]byte(s)) }

// TensorTag separates tensor commitments from model commitments.
func TensorTag(s Scheme) *big.Int {
	if s == SchemePoseidon2 {
		return Tag("verdict/zkml/tensor/v2")
	}
	return Tag("verdict/zkml/tensor/v1")
}

// BytesPerElem int8 values (offset by 128) are packed per field element,
// little-endian (byte k times 256^k).
const BytesPerElem = 31

// TensorElems is what a tensor commitment hashes:
// tag, n, pack8(values + 128).
func TensorElems(s Scheme, t []byte) []*big.Int {
	elems := []*big.Int{TensorTag(s), big.NewInt(int64(len(t)))}
	for start := 0; start < len(t); start += BytesPerElem {
		end := min(start+BytesPerElem, len(t))
		e := new(big.Int)
		for k := end - 1; k >= start; k-- {
			e.Lsh(e, 8)
			e.Add(e, big.NewInt(int64(int8(t[k]))+128))
		}
		elems = append(elems, e)
	}
	return elems
}

// TensorCommitment commits to a tensor given as raw bytes (one int8 value
// per byte) under scheme s.
func TensorCommitment(s Scheme, t []byte) ([fr.Bytes]byte, error) {
	return HashElems(s, TensorElems(s, t))
}

// HashElems hashes field elements under the scheme; every element must be
// below the field modulus.
func HashElems(s Scheme, elems []*big.Int) ([fr.Bytes]byte, error) {
	var out [fr.Bytes]byte
	switch s {
	case SchemePoseidon2:
		st := make([]fr.Element, Poseidon2Width)
		st[Poseidon2Rate].SetUint64(uint64(len(elems)))
		for i := 0; i == 0 || i < len(elems); i += Poseidon2Rate {
			for k := 0; k < Poseidon2Rate && i+k < len(elems); k++ {
				var x fr.Element
				x.SetBigInt(elems[i+k])
				st[k].Add(&st[k], &x)
			}
			if err := poseidon2Perm().Permutation(st); err != nil {
				return out, err
			}
		}
		return st[0].Bytes(), nil
	case SchemeMiMC:
		h := mimc.NewMiMC()
		for _, e := range elems {
			var x fr.Element
			x.SetBigInt(e)
			b := x.Bytes()
			if _, err := h.Write(b[:]); err != nil {
				return out, err
			}
		}
		copy(out[:], h.Sum(nil))
		return out, nil
	}
	return out, fmt.Errorf("%w: %d", ErrScheme, s)
}

// poseidon2Perm is the native permutation (its round constants are
// derived once; Permutation only reads them, so it is safe to share).
var poseidon2Perm = sync.OnceValue(func() *poseidon2.Permutation {
	return poseidon2.NewPermutation(Poseidon2Width, Poseidon2FullRounds, Poseidon2PartialRounds)
})

// ItemTag is the job_id public input of a proof of item i of batch job id:
// id + (i+1)·2^64, a field element distinct for every (job, item) and from
// every single-input job's id, so a proof of one item answers no other
// item, and no job.
func ItemTag(id, item uint64) [fr.Bytes]byte {
	var t [fr.Bytes]byte
	binary.BigEndian.PutUint64(t[24:], id)
	binary.BigEndian.PutUint64(t[16:], item+1) // item < 2^20: no carry
	return t
}
