package batch

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxItemBytes bounds one item's tensor (one byte per value): what a proof
// of an item (x/dispute's MsgSubmitProof) may carry of the item's input and
// of its output. A batch job is accepted only on a circuit whose items fit,
// so an honest provider can always send its evidence.
const MaxItemBytes = 1 << 18

// ErrCircuit: the circuit id names no shape whose items a proof can carry.
var ErrCircuit = errors.New("batch: circuit unsuitable for a batch job")

// ItemLens reads the lengths of an item's input and output tensors from a
// reference circuit id: mlp-<w0>-…-<wn> and mlp2-<w0>-…-<wn> (input w0,
// output wn), cnn-<C>x<H>x<W>-…-<dn> (input C·H·W, output dn, the last
// dense width). The prefixes are those whose commitment scheme the chain
// computes (x/dispute/zkverify.SchemeOfCircuit); zkml's circuits agree
// (TestItemLensMatchTheCircuits). Any other id is ErrCircuit: a batch's
// item evidence could not be checked against it.
func ItemLens(circuitID string) (in, out uint64, err error) {
	bad := func(why string) (uint64, uint64, error) {
		return 0, 0, fmt.Errorf("%w: %q: %s", ErrCircuit, circuitID, why)
	}
	var rest string
	var cnn bool
	switch {
	case strings.HasPrefix(circuitID, "mlp-"):
		rest = strings.TrimPrefix(circuitID, "mlp-")
	case strings.HasPrefix(circuitID, "mlp2-"):
		rest = strings.TrimPrefix(circuitID, "mlp2-")
	case strings.HasPrefix(circuitID, "mlp3-"):
		rest = strings.TrimPrefix(circuitID, "mlp3-")
	case strings.HasPrefix(circuitID, "cnn-"):
		rest, cnn = strings.TrimPrefix(circuitID, "cnn-"), true
	case strings.HasPrefix(circuitID, "cnn3-"):
		rest, cnn = strings.TrimPrefix(circuitID, "cnn3-"), true
	default:
		return bad("batch jobs take mlp-, mlp2-, mlp3-, cnn- or cnn3- circuits")
	}
	parts := strings.Split(rest, "-")
	if len(parts) < 2 || len(parts) > 64 {
		return bad("want an input and an output width")
	}
	width := func(s string) (uint64, bool) {
		n, err := strconv.ParseUint(s, 10, 32)
		return n, err == nil && n >= 1 && n <= 1<<20
	}
	var ok bool
	if cnn {
		dims := strings.Split(parts[0], "x")
		if len(dims) != 3 {
			return bad("the input must be <C>x<H>x<W>")
		}
		in = 1
		for _, d := range dims {
			n, ok := width(d)
			if !ok {
				return bad("input dimension " + strconv.Quote(d))
			}
			in *= n
		}
	} else if in, ok = width(parts[0]); !ok {
		return bad("input width " + strconv.Quote(parts[0]))
	}
	if out, ok = width(parts[len(parts)-1]); !ok {
		return bad("output width " + strconv.Quote(parts[len(parts)-1]))
	}
	return in, out, nil
}

// CheckCircuit checks that a batch job on circuitID can be disputed item by
// item: its scheme is known and both of an item's tensors fit a proof.
func CheckCircuit(circuitID string) error {
	in, out, err := ItemLens(circuitID)
	if err != nil {
		return err
	}
	if in > MaxItemBytes || out > MaxItemBytes {
		return fmt.Errorf("%w: %q: items of %d input and %d output values, a proof carries at most %d each", ErrCircuit, circuitID, in, out, MaxItemBytes)
	}
	return nil
}
