// Package setup is a Groth16 setup for BN254 that yields exactly the keys
// gnark's own setup does, in a fraction of its time (`make bench` prints
// both).
package setup

// The Groth16 setup of gnark v0.14.0 (backend/groth16/bn254/setup.go,
// Copyright 2020-2025 Consensys Software Inc., Apache License 2.0), with
// its two batch scalar multiplications replaced by the fixed-base comb of
// fixedbase.go, which is what it spends ~98% of its time in. The keys are
// gnark's own types, filled exactly as gnark fills them: gnark's prover,
// its verifier and the chain's verifier (x/dispute/zkverify) use them
// unchanged. TestSetupMatchesGnark checks proofs both ways.

import (
	"errors"
	"fmt"
	"math/big"
	"math/bits"

	bn254 "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/fft"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/pedersen"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/constraint"
	csbn254 "github.com/consensys/gnark/constraint/bn254"
)

// Setup runs a Groth16 setup for a compiled circuit. The randomness is fresh:
// every setup yields a different key pair, and only the VK goes on-chain.
func Setup(ccs constraint.ConstraintSystem) (groth16.ProvingKey, groth16.VerifyingKey, error) {
	r1cs, ok := ccs.(*csbn254.R1CS)
	if !ok {
		return nil, nil, fmt.Errorf("zkml: setup needs a BN254 R1CS, got %T", ccs)
	}
	pk, vk := &groth16bn254.ProvingKey{}, &groth16bn254.VerifyingKey{}
	if err := setupBN254(r1cs, pk, vk); err != nil {
		return nil, nil, err
	}
	return pk, vk, nil
}

type toxicWaste struct {
	t, alpha, beta, gamma, delta fr.Element
	gammaInv, deltaInv           fr.Element
}

func sampleToxicWaste() (toxicWaste, error) {
	var res toxicWaste
	for _, e := range []*fr.Element{&res.t, &res.alpha, &res.beta, &res.gamma, &res.delta} {
		for e.IsZero() {
			if _, err := e.SetRandom(); err != nil {
				return res, err
			}
		}
	}
	res.gammaInv.Inverse(&res.gamma)
	res.deltaInv.Inverse(&res.delta)
	return res, nil
}

func setupBN254(r1cs *csbn254.R1CS, pk *groth16bn254.ProvingKey, vk *groth16bn254.VerifyingKey) error {
	nbWires := r1cs.NbInternalVariables + r1cs.GetNbPublicVariables() + r1cs.GetNbSecretVariables()

	commitmentInfo := r1cs.CommitmentInfo.(constraint.Groth16Commitments)
	commitmentWires := commitmentInfo.CommitmentIndexes()
	privateCommitted := commitmentInfo.GetPrivateCommitted()
	nbPrivateCommittedWires := 0
	committedBy := make([]int, nbWires) // commitment index of a private committed wire, or -1
	for i := range committedBy {
		committedBy[i] = -1
	}
	for ci, ws := range privateCommitted {
		nbPrivateCommittedWires += len(ws)
		for _, w := range ws {
			if committedBy[w] == -1 {
				committedBy[w] = ci
			}
		}
	}

	// a commitment is itself defined by a hint so the prover considers it
	// private, but the verifier injects its value, so for Groth16 it is public
	nbPublicWires := r1cs.GetNbPublicVariables() + len(commitmentInfo)
	nbPrivateWires := r1cs.GetNbSecretVariables() + r1cs.NbInternalVariables - nbPrivateCommittedWires - len(commitmentInfo)

	domain := fft.NewDomain(uint64(r1cs.GetNbConstraints()))
	tw, err := sampleToxicWaste()
	if err != nil {
		return err
	}
	A, B, C := setupABC(r1cs, domain, tw)

	pkK := make([]fr.Element, nbPrivateWires)
	vkK := make([]fr.Element, nbPublicWires)
	ckK := make([][]fr.Element, len(commitmentInfo))
	for i := range commitmentInfo {
		ckK[i] = make([]fr.Element, 0, len(privateCommitted[i]))
	}
	var t0, t1 fr.Element
	computeK := func(i int, coeff *fr.Element) {
		t1.Mul(&A[i], &tw.beta)
		t0.Mul(&B[i], &tw.alpha)
		t1.Add(&t1, &t0).Add(&t1, &C[i]).Mul(&t1, coeff)
	}
	vI, nbPrivateCommittedSeen, nbCommitmentsSeen := 0, 0, 0
	for i := range A {
		commitmentIndex := committedBy[i]
		isCommitment, isPublic := false, i < r1cs.GetNbPublicVariables()
		if !isPublic && nbCommitmentsSeen < len(commitmentWires) && commitmentWires[nbCommitmentsSeen] == i {
			isCommitment = true
			nbCommitmentsSeen++
		}
		if isPublic || isCommitment || commitmentIndex != -1 {
			computeK(i, &tw.gammaInv)
			if isPublic || isCommitment {
				vkK[vI] = t1
				vI++
			} else {
				ckK[commitmentIndex] = append(ckK[commitmentIndex], t1)
				nbPrivateCommittedSeen++
			}
		} else {
			computeK(i, &tw.deltaInv)
			pkK[i-vI-nbPrivateCommittedSeen] = t1
		}
	}

	Z := make([]fr.Element, domain.Cardinality)
	one := fr.One()
	var zdt fr.Element
	zdt.Exp(tw.t, new(big.Int).SetUint64(domain.Cardinality)).Sub(&zdt, &one).Mul(&zdt, &tw.deltaInv)
	for i := range Z {
		Z[i] = zdt
		zdt.Mul(&zdt, &tw.t)
	}

	// points at infinity are marked and left out
	A, pk.InfinityA = dropZeros(A)
	B, pk.InfinityB = dropZeros(B)
	pk.NbInfinityA = uint64(nbWires - len(A))
	pk.NbInfinityB = uint64(nbWires - len(B))

	_, _, g1, g2 := bn254.Generators()

	// G1: [α], [β], [δ], A(i), B(i), Z(i), vk.K(i), pk.K(i), ck.K(i)
	g1Scalars := make([]fr.Element, 0, 3+len(A)+len(B)+len(Z)+len(vkK)+len(pkK)+nbPrivateCommittedWires)
	g1Scalars = append(g1Scalars, tw.alpha, tw.beta, tw.delta)
	g1Scalars = append(g1Scalars, A...)
	g1Scalars = append(g1Scalars, B...)
	g1Scalars = append(g1Scalars, Z...)
	g1Scalars = append(g1Scalars, vkK...)
	g1Scalars = append(g1Scalars, pkK...)
	for i := range ckK {
		g1Scalars = append(g1Scalars, ckK[i]...)
	}
	g1Points := batchMulG1(&g1, g1Scalars)

	pk.G1.Alpha, pk.G1.Beta, pk.G1.Delta = g1Points[0], g1Points[1], g1Points[2]
	offset := 3
	pk.G1.A = g1Points[offset : offset+len(A)]
	offset += len(A)
	pk.G1.B = g1Points[offset : offset+len(B)]
	offset += len(B)
	bitReverseG1(g1Points[offset : offset+int(domain.Cardinality)])
	pk.G1.Z = g1Points[offset : offset+int(domain.Cardinality)-1] // deg(H) = n − 2
	offset += int(domain.Cardinality)
	vk.G1.K = g1Points[offset : offset+nbPublicWires]
	offset += nbPublicWires
	pk.G1.K = g1Points[offset : offset+nbPrivateWires]
	offset += nbPrivateWires

	commitmentBases := make([][]bn254.G1Affine, len(commitmentInfo))
	for i := range commitmentBases {
		commitmentBases[i] = g1Points[offset : offset+len(ckK[i])]
		offset += len(ckK[i])
	}
	if offset != len(g1Points) {
		return errors.New("zkml setup: G1 points not all consumed")
	}
	cG2, err := bn254.RandomOnG2()
	if err != nil {
		return err
	}
	if len(commitmentBases) > 0 {
		pk.CommitmentKeys = make([]pedersen.ProvingKey, len(commitmentBases))
		vk.CommitmentKeys = make([]pedersen.VerifyingKey, len(commitmentBases))
	}
	for i := range commitmentBases {
		comPKey, comVKey, err := pedersen.Setup(commitmentBases[i:i+1], pedersen.WithG2Point(cG2))
		if err != nil {
			return err
		}
		pk.CommitmentKeys[i] = comPKey[0]
		vk.CommitmentKeys[i] = comVKey
	}
	vk.PublicAndCommitmentCommitted = commitmentInfo.GetPublicAndCommitmentCommitted(commitmentWires, r1cs.GetNbPublicVariables())

	// G2: B(i), [β], [δ], [γ]
	g2Scalars := append(B, tw.beta, tw.delta, tw.gamma)
	g2Points := batchMulG2(&g2, g2Scalars)
	pk.G2.B = g2Points[:len(B)]
	pk.G2.Beta = g2Points[len(B)]
	pk.G2.Delta = g2Points[len(B)+1]
	vk.G2.Delta = g2Points[len(B)+1]
	vk.G2.Gamma = g2Points[len(B)+2]

	vk.G1.Alpha = pk.G1.Alpha
	vk.G2.Beta = pk.G2.Beta
	vk.G1.Beta = pk.G1.Beta // unused by gnark, kept as gnark keeps it
	vk.G1.Delta = pk.G1.Delta
	if err := vk.Precompute(); err != nil {
		return err
	}
	pk.Domain = *domain
	return nil
}

// setupABC evaluates, at the toxic t, each wire's A, B and C polynomials
// (sums of the Lagrange polynomials of the constraints it appears in).
func setupABC(r1cs *csbn254.R1CS, domain *fft.Domain, tw toxicWaste) (A, B, C []fr.Element) {
	nbWires := r1cs.NbInternalVariables + r1cs.GetNbPublicVariables() + r1cs.GetNbSecretVariables()
	A, B, C = make([]fr.Element, nbWires), make([]fr.Element, nbWires), make([]fr.Element, nbWires)
	one := fr.One()

	// [t − ωⁱ] and its inverse
	w := domain.Generator
	wi := fr.One()
	t := make([]fr.Element, r1cs.GetNbConstraints()+1)
	for i := range t {
		t[i].Sub(&tw.t, &wi)
		wi.Mul(&wi, &w)
	}
	tInv := fr.BatchInvert(t)

	// L₀ = 1/n·(tⁿ − 1)/(t − 1), Lᵢ₊₁ = ω·Lᵢ·(t − ωⁱ)/(t − ωⁱ⁺¹)
	var L fr.Element
	L.Exp(tw.t, new(big.Int).SetUint64(domain.Cardinality)).Sub(&L, &one)
	L.Mul(&L, &tInv[0]).Mul(&L, &domain.CardinalityInv)

	accumulate := func(res *fr.Element, term constraint.Term, value *fr.Element) {
		switch cID := term.CoeffID(); cID {
		case constraint.CoeffIdZero:
		case constraint.CoeffIdOne:
			res.Add(res, value)
		case constraint.CoeffIdMinusOne:
			res.Sub(res, value)
		case constraint.CoeffIdTwo:
			var b fr.Element
			b.Double(value)
			res.Add(res, &b)
		default:
			var b fr.Element
			b.Mul(&r1cs.Coefficients[cID], value)
			res.Add(res, &b)
		}
	}
	j := 0
	it := r1cs.GetR1CIterator()
	for c := it.Next(); c != nil; c = it.Next() {
		for _, term := range c.L {
			accumulate(&A[term.WireID()], term, &L)
		}
		for _, term := range c.R {
			accumulate(&B[term.WireID()], term, &L)
		}
		for _, term := range c.O {
			accumulate(&C[term.WireID()], term, &L)
		}
		L.Mul(&L, &w).Mul(&L, &t[j]).Mul(&L, &tInv[j+1])
		j++
	}
	return A, B, C
}

// dropZeros removes the zero scalars (in place) and marks where they were.
func dropZeros(v []fr.Element) ([]fr.Element, []bool) {
	zero := make([]bool, len(v))
	n := 0
	for i, e := range v {
		if e.IsZero() {
			zero[i] = true
			continue
		}
		v[n] = e
		n++
	}
	return v[:n], zero
}

func bitReverseG1(a []bn254.G1Affine) {
	n := uint(len(a))
	nn := uint(bits.UintSize - bits.TrailingZeros(n))
	for i := uint(0); i < n; i++ {
		if irev := bits.Reverse(i) >> nn; irev > i {
			a[i], a[irev] = a[irev], a[i]
		}
	}
}
