package zkml

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/big"
	"os"
	"path/filepath"

	"github.com/consensys/gnark-crypto/ecc"
	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/hash_to_field"
	"github.com/consensys/gnark/backend"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/constraint/solver"
)

// Version 3 (Pedersen) names a model by the BSB22 commitment its proofs
// carry instead of a hash the circuit computes.
//
// The circuit's first commitment (frontend.Committer.Commit, commitment 0
// of its proofs) is over exactly the model's wires, in the order gnark
// allocates them: every layer's shift, then every weight + 128 (layer by
// layer, row-major), then every bias + 2^31, then a wire the circuit
// constrains to 1 (so that no model commits to the point at infinity,
// which no proof may carry), then gnark's mask. Its value in
// a proof is the point C = Σ vⱼ·Bⱼ over the commitment key's basis Bⱼ (set
// up with the circuit: (β·Aⱼ(τ)+α·Bⱼ(τ)+Cⱼ(τ))/γ), and the circuit sees its
// hash, h = hash_to_field(C, "bsb22-commitment"), which it asserts equal to
// the public model_commitment. A job names a model by h.
//
// Deterministic: gnark masks every commitment with a random value (its
// hint internal/hints.Randomize) so that it hides; Verdict's prover
// overrides that hint to 0 (ProverOptions), so the model's commitment is
// the same in every proof and computable from the model and the key alone
// (ModelCommitmentWithKey). Nothing in Verdict needs the weights hidden:
// a job's model file is public to its provider and challengers.
//
// Binding: Groth16 with BSB22 commitments (gnark ≥ 0.11, one Pedersen key
// per commitment) is knowledge-sound for witnesses whose committed values
// open C; two value vectors with the same C differ by a combination of
// basis points that is zero, which (τ, α, β being unknown) means the
// combination vanishes in every constraint, so every constraint sees the
// same values and the output is the same. So h determines the model's
// output on every input, which is why the circuit can skip the byte checks
// of weights and biases that version 2 spends most of its constraints on:
// the packed products (packedDot, packedConv) and the requantization are unique for
// any field values, and a model file (int8 weights, int32 biases) is what
// every party computes h from — a commitment of no file is one no
// provider can fetch a model for, so it declines the job.

// CommitmentKey is the basis of a version 3 circuit's model commitment:
// the Pedersen basis of commitment 0 of its proving key. It comes with the
// setup (every setup draws its own), so a model's version 3 commitment is
// per circuit and per setup; `verdictd zk setup` writes it beside the
// proving key (CommitmentKeyPath).
type CommitmentKey struct {
	Basis []curve.G1Affine
}

// CommitmentKeyOf reads the commitment key out of a version 3 proving key.
func CommitmentKeyOf(pk groth16.ProvingKey) (*CommitmentKey, error) {
	p, ok := pk.(*groth16bn254.ProvingKey)
	if !ok {
		return nil, fmt.Errorf("zkml: want a BN254 proving key, got %T", pk)
	}
	if len(p.CommitmentKeys) < 2 {
		return nil, fmt.Errorf("zkml: the proving key has %d commitments, a version 3 circuit's has 2", len(p.CommitmentKeys))
	}
	return &CommitmentKey{Basis: p.CommitmentKeys[0].Basis}, nil
}

// modelValues are the values commitment 0 commits, in its order.
func modelValues(m *Model) []fr.Element {
	var shifts, ws, bs []fr.Element
	for _, l := range m.Layers {
		shifts = append(shifts, fr.NewElement(uint64(l.Shift)))
		for _, w := range l.Weights {
			ws = append(ws, fr.NewElement(uint64(int64(w)+128)))
		}
		for _, b := range l.Biases {
			bs = append(bs, fr.NewElement(uint64(int64(b)+1<<31)))
		}
	}
	out := append(append(shifts, ws...), bs...)
	return append(out, fr.One(), fr.Element{}) // the constant 1, and the mask zeroed by the prover
}

// ErrCommitmentKey: the commitment key does not fit the model (another
// circuit's), or cannot be read.
var ErrCommitmentKey = errors.New("zkml: commitment key")

// ModelCommitment is the version 3 commitment of m under the key: the hash
// of its commitment point, as the circuit computes it.
func (ck *CommitmentKey) ModelCommitment(m *Model) ([CommitmentLen]byte, error) {
	var out [CommitmentLen]byte
	if err := m.Validate(); err != nil {
		return out, err
	}
	vals := modelValues(m)
	if ck == nil || len(ck.Basis) != len(vals) {
		n := 0
		if ck != nil {
			n = len(ck.Basis)
		}
		return out, fmt.Errorf("%w: it has %d points, the model commits %d values (another circuit's key?)", ErrCommitmentKey, n, len(vals))
	}
	var c curve.G1Affine
	if _, err := c.MultiExp(ck.Basis, vals, ecc.MultiExpConfig{}); err != nil {
		return out, err
	}
	return commitmentHash(c), nil
}

// commitmentHash is how gnark's Groth16 prover and verifier turn a
// commitment with no public values into its wire's value.
func commitmentHash(c curve.G1Affine) [CommitmentLen]byte {
	h := hash_to_field.New([]byte(constraint.CommitmentDst))
	h.Write(c.Marshal()) // #nosec G104 -- a hash's Write does not fail
	var e fr.Element
	e.SetBytes(h.Sum(nil)[:fr.Bytes])
	return e.Bytes()
}

// ModelCommitmentWithKey is the commitment a buyer puts in a job that names
// a circuit of scheme s: version 3 needs the circuit's commitment key, the
// older versions ignore it.
func (s Scheme) ModelCommitmentWithKey(m *Model, ck *CommitmentKey) ([CommitmentLen]byte, error) {
	if s != Pedersen {
		return s.ModelCommitment(m)
	}
	return ck.ModelCommitment(m)
}

// ModelCommitmentIn is ModelCommitmentWithKey with a version 3 circuit's
// key read from dir (CommitmentKeyPath).
func (s Scheme) ModelCommitmentIn(dir string, m *Model) ([CommitmentLen]byte, error) {
	if s != Pedersen {
		return s.ModelCommitment(m)
	}
	ck, err := ReadCommitmentKeyByID(dir, m.CircuitID(s))
	if err != nil {
		return [CommitmentLen]byte{}, err
	}
	return ck.ModelCommitment(m)
}

// randomizeHint is gnark's commitment mask hint (internal/hints.Randomize,
// not importable): solver hint ids are the FNV-1a hash of the function's
// name.
var randomizeHint = func() solver.HintID {
	h := fnv.New32a()
	h.Write([]byte("github.com/consensys/gnark/internal/hints.Randomize")) // #nosec G104 -- does not fail
	return solver.HintID(h.Sum32())
}()

func zeroHint(_ *big.Int, _, out []*big.Int) error {
	for _, o := range out {
		o.SetUint64(0)
	}
	return nil
}

// ProverOptions are the options a scheme's proofs are made with: version 3
// zeroes the commitments' masks (see above); without it no proof of a
// version 3 circuit can match a job's model commitment.
func (s Scheme) ProverOptions() []backend.ProverOption {
	if s != Pedersen {
		return nil
	}
	return []backend.ProverOption{backend.WithSolverOptions(solver.OverrideHint(randomizeHint, zeroHint))}
}

// Commitment key files: "VCK1", u32 n, then n uncompressed G1 points (64
// bytes each; on the curve, not at infinity — BN254's G1 has cofactor 1,
// so that is the subgroup check).
var ckMagic = []byte("VCK1")

// maxCommitmentKey bounds a key file (about 4 million model values).
const maxCommitmentKey = 1 << 22

// WriteTo writes the key in its file format.
func (ck *CommitmentKey) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	var n int64
	hdr := make([]byte, 8)
	copy(hdr, ckMagic)
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(ck.Basis))) // #nosec G115 -- bounded by the circuit
	k, err := bw.Write(hdr)
	n += int64(k)
	for i := range ck.Basis {
		if err != nil {
			break
		}
		b := ck.Basis[i].RawBytes()
		k, err = bw.Write(b[:])
		n += int64(k)
	}
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// ReadCommitmentKey parses a key file; no input makes it panic or allocate
// more than its own length.
func ReadCommitmentKey(b []byte) (*CommitmentKey, error) {
	if len(b) < 8 || !bytes.Equal(b[:4], ckMagic) {
		return nil, fmt.Errorf("%w: not a commitment key file", ErrCommitmentKey)
	}
	n := binary.BigEndian.Uint32(b[4:8])
	const size = curve.SizeOfG1AffineUncompressed
	if n == 0 || n > maxCommitmentKey || uint64(len(b)-8) != uint64(n)*size {
		return nil, fmt.Errorf("%w: %d points do not match its %d bytes", ErrCommitmentKey, n, len(b))
	}
	ck := &CommitmentKey{Basis: make([]curve.G1Affine, n)}
	for i := range ck.Basis {
		s := b[8+i*size : 8+(i+1)*size]
		if k, err := ck.Basis[i].SetBytes(s); err != nil || k != size {
			return nil, fmt.Errorf("%w: point %d: not an uncompressed G1 point", ErrCommitmentKey, i)
		}
		if ck.Basis[i].IsInfinity() {
			return nil, fmt.Errorf("%w: point %d is the point at infinity", ErrCommitmentKey, i)
		}
	}
	return ck, nil
}

// CommitmentKeyPath is where `verdictd zk setup` writes a version 3
// circuit's commitment key.
func CommitmentKeyPath(dir, id string) string { return filepath.Join(dir, id+".ck") }

// ReadCommitmentKeyByID loads a circuit's commitment key from dir.
func ReadCommitmentKeyByID(dir, id string) (*CommitmentKey, error) {
	b, err := os.ReadFile(CommitmentKeyPath(dir, id))
	if err != nil {
		return nil, fmt.Errorf("%w: %v (made by `verdictd zk setup --circuit %s`)", ErrCommitmentKey, err, id)
	}
	return ReadCommitmentKey(b)
}
