package zkml

import (
	"fmt"
	"hash"
	"math/big"
	"strings"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr/mimc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
	"github.com/consensys/gnark/frontend"
	stdhash "github.com/consensys/gnark/std/hash"
	stdmimc "github.com/consensys/gnark/std/hash/mimc"
	permposeidon2 "github.com/consensys/gnark/std/permutation/poseidon2"
)

// Scheme is the commitment hash of a version of the reference circuit
// family. The circuit, its native twin and the commitment a buyer puts in a
// job all use the scheme its circuit id names; the chain itself never
// hashes (it passes commitments to the verifier as field elements), so a
// new scheme needs only new circuit ids registered.
type Scheme uint8

const (
	// MiMC is version 1 (circuit ids mlp-<shape>): MiMC-BN254, gnark's
	// Miyaguchi–Preneel construction, ~330 constraints per element.
	MiMC Scheme = 1
	// Poseidon2 is version 2 (circuit ids mlp2-<shape>): Poseidon2 over
	// BN254 with width 2, 6 full and 50 partial rounds and an x^5 S-box
	// (gnark-crypto's default BN254 parameters), in a Merkle–Damgård chain
	// of its compression from a zero state, ~186 constraints per element.
	// Every commitment hashes its tag and length first, so the chain's lack
	// of length padding cannot merge two inputs.
	Poseidon2 Scheme = 2
)

// Poseidon2 parameters, the same in the circuit and natively.
const (
	poseidon2Width        = 2
	poseidon2FullRounds   = 6
	poseidon2PartialRound = 50
)

// Schemes lists every scheme, oldest first.
var Schemes = []Scheme{MiMC, Poseidon2}

func (s Scheme) String() string {
	switch s {
	case MiMC:
		return "mimc"
	case Poseidon2:
		return "poseidon2"
	default:
		return fmt.Sprintf("scheme(%d)", uint8(s))
	}
}

// Valid reports whether s is a known scheme.
func (s Scheme) Valid() bool { return s == MiMC || s == Poseidon2 }

// Prefix is the circuit id prefix of the scheme's MLP circuits.
func (s Scheme) Prefix() string {
	if s == Poseidon2 {
		return "mlp2-"
	}
	return "mlp-"
}

// CircuitID names the MLP circuit of a shape under the scheme.
func (s Scheme) CircuitID(sh Shape) string { return s.Prefix() + sh.String() }

// ParseCircuitID reads an MLP circuit id (mlp-<shape> or mlp2-<shape>).
func ParseCircuitID(id string) (Scheme, Shape, error) {
	for _, s := range Schemes {
		if rest, ok := strings.CutPrefix(id, s.Prefix()); ok {
			sh, err := ParseShape(rest)
			return s, sh, err
		}
	}
	return 0, nil, fmt.Errorf("zkml: circuit id %q is not mlp-<shape> or mlp2-<shape>", id)
}

// ParseScheme reads a scheme by name or version ("mimc" or "1",
// "poseidon2" or "2").
func ParseScheme(v string) (Scheme, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "mimc", "1", "v1":
		return MiMC, nil
	case "poseidon2", "2", "v2":
		return Poseidon2, nil
	}
	return 0, fmt.Errorf("zkml: unknown commitment scheme %q (mimc or poseidon2)", v)
}

// tags separate the kinds of commitment, and the schemes from each other.
func (s Scheme) tags() (model, tensor *big.Int) {
	if s == Poseidon2 {
		return tag("verdict/zkml/model/v2"), tag("verdict/zkml/tensor/v2")
	}
	return TagModel, TagTensor
}

// nativeHash is the scheme's hash over 32-byte canonical field elements.
func (s Scheme) nativeHash() hash.Hash {
	if s == Poseidon2 {
		return poseidon2.NewMerkleDamgardHasher()
	}
	return mimc.NewMiMC()
}

// circuitHash is the same hash inside a circuit.
func (s Scheme) circuitHash(api frontend.API) (stdhash.FieldHasher, error) {
	if s == Poseidon2 {
		perm, err := permposeidon2.NewPoseidon2FromParameters(api, poseidon2Width, poseidon2FullRounds, poseidon2PartialRound)
		if err != nil {
			return nil, err
		}
		return stdhash.NewMerkleDamgardHasher(api, perm, 0), nil
	}
	h, err := stdmimc.NewMiMC(api)
	if err != nil {
		return nil, err
	}
	return &h, nil
}
