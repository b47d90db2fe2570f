package zkml

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/consensys/gnark/frontend"
	stdmimc "github.com/consensys/gnark/std/hash/mimc"
	permposeidon2 "github.com/consensys/gnark/std/permutation/poseidon2"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"
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
	// Poseidon2 is version 2 (circuit ids mlp2-<shape>): commitments by
	// Poseidon2 over BN254 — width 3, 8 full and 56 partial rounds, x^5
	// S-box (the round numbers the Poseidon2 paper, eprint 2023/323, gives
	// for 128-bit security at this width; gnark-crypto derives the round
	// constants from the parameters) — in a sponge of rate 2 whose capacity
	// starts at the number of elements hashed, ~120 constraints per element.
	// Its circuit also computes each layer's matrix product on packed
	// columns (several neurons' products in one multiplication, see
	// packedDot), so it has about a tenth of the version 1 circuit's
	// multiplications. The commitments of a model are those of version 1
	// with the hash and the tags changed.
	Poseidon2 Scheme = 2
	// Pedersen is version 3 (circuit ids mlp3-<shape> and cnn3-<arch>): the
	// circuit does not hash its model. It commits to the model's values
	// (shifts, weights, biases) in a BSB22 Pedersen commitment of its
	// Groth16 proof (gnark's frontend.Committer), made deterministic (see
	// modelcommit.go), and its model_commitment public input is that
	// commitment's hash. A model's commitment is therefore computed from
	// the circuit's commitment key (a by-product of its setup, written
	// beside its proving key), not from the model alone. Tensors are
	// committed as in version 2 (the same tags, so the chain computes
	// batch items' commitments alike), and the matrix products are version
	// 2's packed columns.
	Pedersen Scheme = 3
)

// Poseidon2 parameters, the same in the circuit and natively
// (x/dispute/zkverify holds the native hash).
const (
	poseidon2Width         = zkverify.Poseidon2Width
	poseidon2Rate          = zkverify.Poseidon2Rate
	poseidon2FullRounds    = zkverify.Poseidon2FullRounds
	poseidon2PartialRounds = zkverify.Poseidon2PartialRounds
)

// Schemes lists every scheme, oldest first.
var Schemes = []Scheme{MiMC, Poseidon2, Pedersen}

func (s Scheme) String() string {
	switch s {
	case MiMC:
		return "mimc"
	case Poseidon2:
		return "poseidon2"
	case Pedersen:
		return "pedersen"
	default:
		return fmt.Sprintf("scheme(%d)", uint8(s))
	}
}

// Valid reports whether s is a known scheme.
func (s Scheme) Valid() bool { return s == MiMC || s == Poseidon2 || s == Pedersen }

// Prefix is the circuit id prefix of the scheme's MLP circuits.
func (s Scheme) Prefix() string {
	switch s {
	case Poseidon2:
		return "mlp2-"
	case Pedersen:
		return "mlp3-"
	}
	return "mlp-"
}

// CNNPrefix is the circuit id prefix of the scheme's CNN circuits (version
// 2 and 3 only).
func (s Scheme) CNNPrefix() string {
	if s == Pedersen {
		return "cnn3-"
	}
	return CNNPrefix
}

// HasCNN reports whether the scheme has CNN circuits.
func (s Scheme) HasCNN() bool { return s == Poseidon2 || s == Pedersen }

// hashScheme is the hash of the scheme's tensor commitments (and of its
// model commitments, for versions 1 and 2).
func (s Scheme) hashScheme() zkverify.Scheme {
	if s == Pedersen {
		return zkverify.SchemePoseidon2
	}
	return zkverify.Scheme(s)
}

// CircuitID names the MLP circuit of a shape under the scheme.
func (s Scheme) CircuitID(sh Shape) string { return s.Prefix() + sh.String() }

// ParseCircuitID reads an MLP circuit id (mlp-<shape>, mlp2-<shape> or
// mlp3-<shape>).
func ParseCircuitID(id string) (Scheme, Shape, error) {
	for _, s := range Schemes {
		if rest, ok := strings.CutPrefix(id, s.Prefix()); ok {
			sh, err := ParseShape(rest)
			return s, sh, err
		}
	}
	return 0, nil, fmt.Errorf("zkml: circuit id %q is not mlp-<shape>, mlp2-<shape> or mlp3-<shape>", id)
}

// ParseScheme reads a scheme by name or version ("mimc" or "1",
// "poseidon2" or "2", "pedersen" or "3").
func ParseScheme(v string) (Scheme, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "mimc", "1", "v1":
		return MiMC, nil
	case "poseidon2", "2", "v2":
		return Poseidon2, nil
	case "pedersen", "3", "v3":
		return Pedersen, nil
	}
	return 0, fmt.Errorf("zkml: unknown commitment scheme %q (mimc, poseidon2 or pedersen)", v)
}

// tags separate the kinds of commitment, and the schemes from each other.
func (s Scheme) tags() (model, tensor *big.Int) {
	switch s {
	case Poseidon2:
		return tag("verdict/zkml/model/v2"), zkverify.TensorTag(zkverify.SchemePoseidon2)
	case Pedersen: // no model hash
		return nil, zkverify.TensorTag(zkverify.SchemePoseidon2)
	}
	return TagModel, TagTensor
}

// hashNative hashes field elements under the scheme (x/dispute/zkverify:
// the chain computes batch items' commitments with the same code); every
// element must be below the field modulus (pack keeps them so).
func (s Scheme) hashNative(elems []*big.Int) [CommitmentLen]byte {
	out, _ := zkverify.HashElems(s.hashScheme(), elems) // s is valid by construction: cannot fail
	return out
}

// hashCircuit is hashNative inside a circuit.
func (s Scheme) hashCircuit(api frontend.API, elems []frontend.Variable) (frontend.Variable, error) {
	if s.hashScheme() == zkverify.SchemePoseidon2 {
		perm, err := permposeidon2.NewPoseidon2FromParameters(api, poseidon2Width, poseidon2FullRounds, poseidon2PartialRounds)
		if err != nil {
			return nil, err
		}
		st := make([]frontend.Variable, poseidon2Width)
		for k := range st {
			st[k] = 0
		}
		st[poseidon2Rate] = len(elems)
		for i := 0; i == 0 || i < len(elems); i += poseidon2Rate {
			for k := 0; k < poseidon2Rate && i+k < len(elems); k++ {
				st[k] = api.Add(st[k], elems[i+k])
			}
			if err := perm.Permutation(st); err != nil {
				return nil, err
			}
		}
		return st[0], nil
	}
	h, err := stdmimc.NewMiMC(api)
	if err != nil {
		return nil, err
	}
	h.Write(elems...)
	return h.Sum(), nil
}
