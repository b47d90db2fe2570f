package zkml

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
)

// Off-chain helpers: compile, set up, prove. The chain never calls these; it
// only verifies (see x/dispute/zkverify).

// Compile builds the R1CS of a shape's version 1 (MiMC) circuit.
func Compile(sh Shape) (constraint.ConstraintSystem, error) { return MiMC.Compile(sh) }

// Compile builds the R1CS of a shape's circuit under scheme s.
func (s Scheme) Compile(sh Shape) (constraint.ConstraintSystem, error) {
	if _, err := ParseShape(sh.String()); err != nil {
		return nil, err
	}
	if !s.Valid() {
		return nil, fmt.Errorf("zkml: unknown commitment scheme %v", s)
	}
	return frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, s.NewCircuit(sh))
}

// NewCircuitByID allocates the reference circuit a circuit id names:
// mlp-<shape> (version 1), mlp2-<shape> or cnn-<arch> (version 2),
// mlp3-<shape> or cnn3-<arch> (version 3), with the scheme its commitments
// use.
func NewCircuitByID(id string) (*Circuit, Scheme, error) {
	if sc, a, err := ParseCNNCircuitID(id); err == nil {
		c, err := sc.NewCNNCircuit(a)
		return c, sc, err
	} else if isCNNID(id) {
		return nil, 0, err
	}
	sc, sh, err := ParseCircuitID(id)
	if err != nil {
		return nil, 0, fmt.Errorf("%w (nor cnn-<arch>)", err)
	}
	return sc.NewCircuit(sh), sc, nil
}

// CompileByID compiles the circuit an id names; with split, it also
// measures the constraints by part (see compileSplit).
func CompileByID(id string, split bool) (constraint.ConstraintSystem, Split, error) {
	c, _, err := NewCircuitByID(id)
	if err != nil {
		return nil, Split{}, err
	}
	if !split {
		ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c)
		if err != nil {
			return nil, Split{}, err
		}
		return ccs, Split{Total: ccs.GetNbConstraints()}, nil
	}
	return compileSplit(c)
}

// Prove proves a job's result (the model must have the shape the circuit
// was compiled for; a mismatch fails in the prover) and returns the proof in the compressed
// encoding the chain accepts, with the output tensor it proves.
func Prove(ccs constraint.ConstraintSystem, pk groth16.ProvingKey, m *Model, input []int8, jobID uint64) ([]byte, []int8, error) {
	return MiMC.Prove(ccs, pk, m, input, jobID)
}

// Prove is Prove for a circuit compiled under scheme s.
func (s Scheme) Prove(ccs constraint.ConstraintSystem, pk groth16.ProvingKey, m *Model, input []int8, jobID uint64) ([]byte, []int8, error) {
	ck, err := s.keyOf(pk)
	if err != nil {
		return nil, nil, err
	}
	assignment, out, err := s.AssignWithKey(ck, m, input, jobID)
	if err != nil {
		return nil, nil, err
	}
	return s.prove(ccs, pk, assignment, out)
}

// ProveItem proves item i of batch job jobID (its input is the item's).
func (s Scheme) ProveItem(ccs constraint.ConstraintSystem, pk groth16.ProvingKey, m *Model, input []int8, jobID, item uint64) ([]byte, []int8, error) {
	ck, err := s.keyOf(pk)
	if err != nil {
		return nil, nil, err
	}
	assignment, out, err := s.AssignItem(ck, m, input, jobID, item)
	if err != nil {
		return nil, nil, err
	}
	return s.prove(ccs, pk, assignment, out)
}

// keyOf is the commitment key a version 3 proof's model commitment is
// computed with: its proving key's (nil for the older versions).
func (s Scheme) keyOf(pk groth16.ProvingKey) (*CommitmentKey, error) {
	if s != Pedersen {
		return nil, nil
	}
	return CommitmentKeyOf(pk)
}

func (s Scheme) prove(ccs constraint.ConstraintSystem, pk groth16.ProvingKey, assignment *Circuit, out []int8) ([]byte, []int8, error) {
	w, err := frontend.NewWitness(assignment, ecc.BN254.ScalarField())
	if err != nil {
		return nil, nil, err
	}
	proof, err := groth16.Prove(ccs, pk, w, s.ProverOptions()...)
	if err != nil {
		return nil, nil, fmt.Errorf("zkml: prove: %w", err)
	}
	var b bytes.Buffer
	if _, err := proof.WriteTo(&b); err != nil {
		return nil, nil, err
	}
	return b.Bytes(), out, nil
}

// KeyPathsByID names the key files of any reference circuit id.
func KeyPathsByID(dir, id string) (pk, vk string) {
	base := filepath.Join(dir, id)
	return base + ".pk", base + ".vk"
}

// WriteKeysByID stores a key pair under KeyPathsByID.
func WriteKeysByID(dir, id string, pk groth16.ProvingKey, vk groth16.VerifyingKey) (vkBytes []byte, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	pkPath, vkPath := KeyPathsByID(dir, id)
	f, err := os.Create(pkPath)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(f)
	if _, err := pk.WriteRawTo(w); err != nil {
		_ = f.Close()
		return nil, err
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := vk.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), os.WriteFile(vkPath, b.Bytes(), 0o644)
}

// ReadProvingKeyByID loads the proving key of any reference circuit id
// (the provider's own file: the unchecked decoder is used).
func ReadProvingKeyByID(dir, id string) (groth16.ProvingKey, error) {
	pkPath, _ := KeyPathsByID(dir, id)
	f, err := os.Open(pkPath)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only: a close error loses nothing
	pk := groth16.NewProvingKey(ecc.BN254)
	if _, err := pk.UnsafeReadFrom(bufio.NewReaderSize(f, 1<<20)); err != nil {
		return nil, fmt.Errorf("%s: %w", pkPath, err)
	}
	return pk, nil
}

// ExampleForID derives an example model and input for a reference circuit
// id (a provider's warm-up, benchmarks) and the scheme it is proven under.
func ExampleForID(id, seed string) (*Model, []int8, Scheme, error) {
	if sc, a, err := ParseCNNCircuitID(id); err == nil {
		m, err := ExampleCNN(a, seed)
		return m, ExampleInput(a.InputLen(), seed), sc, err
	}
	sc, sh, err := ParseCircuitID(id)
	if err != nil {
		return nil, nil, 0, err
	}
	m, err := ExampleModel(sh, seed)
	return m, ExampleInput(sh[0], seed), sc, err
}

// Fingerprint identifies a compiled circuit: the SHA-256 of its serialized
// constraint system (compilation is deterministic). `verdictd zk setup`
// stores it next to the keys, so a key pair made for an older build of a
// circuit is noticed rather than registered.
func Fingerprint(ccs constraint.ConstraintSystem) (string, error) {
	h := sha256.New()
	if _, err := ccs.WriteTo(h); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// FingerprintPath is where setup records the fingerprint of id's keys.
func FingerprintPath(dir, id string) string { return filepath.Join(dir, id+".ccs.sha256") }
