package zkml

import (
	"bytes"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
)

// Off-chain helpers: compile, set up, prove. The chain never calls these; it
// only verifies (see x/dispute/zkverify).

// Compile builds the R1CS of a shape's circuit.
func Compile(sh Shape) (constraint.ConstraintSystem, error) {
	if _, err := ParseShape(sh.String()); err != nil {
		return nil, err
	}
	return frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, NewCircuit(sh))
}

// Setup runs a Groth16 setup for a compiled circuit. The randomness is fresh:
// every setup yields a different key pair, and only the VK goes on-chain.
func Setup(ccs constraint.ConstraintSystem) (groth16.ProvingKey, groth16.VerifyingKey, error) {
	return groth16.Setup(ccs)
}

// Prove proves a job's result (the model must have the shape the circuit
// was compiled for; a mismatch fails in the prover) and returns the proof in the compressed
// encoding the chain accepts, with the output tensor it proves.
func Prove(ccs constraint.ConstraintSystem, pk groth16.ProvingKey, m *Model, input []int8, jobID uint64) ([]byte, []int8, error) {
	assignment, out, err := Assign(m, input, jobID)
	if err != nil {
		return nil, nil, err
	}
	w, err := frontend.NewWitness(assignment, ecc.BN254.ScalarField())
	if err != nil {
		return nil, nil, err
	}
	proof, err := groth16.Prove(ccs, pk, w)
	if err != nil {
		return nil, nil, fmt.Errorf("zkml: prove: %w", err)
	}
	var b bytes.Buffer
	if _, err := proof.WriteTo(&b); err != nil {
		return nil, nil, err
	}
	return b.Bytes(), out, nil
}
