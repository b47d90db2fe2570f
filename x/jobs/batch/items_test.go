package batch

import (
	"errors"
	"testing"
)

func TestItemLens(t *testing.T) {
	for id, want := range map[string][2]uint64{
		"mlp-64-64-10":              {64, 10},
		"mlp2-784-128-10":           {784, 10},
		"cnn-1x28x28-8k3-16k3-10":   {784, 10},
		"cnn-3x256x256-4k3-2k3-100": {196608, 100},
	} {
		in, out, err := ItemLens(id)
		if err != nil || [2]uint64{in, out} != want {
			t.Fatalf("%s: %d, %d, %v; want %v", id, in, out, err, want)
		}
		if err := CheckCircuit(id); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	for _, id := range []string{
		"", "resnet-v1", "mlp-", "mlp-64", "mlp-0-10", "mlp-64-x", "mlp-64-99999999999999999999",
		"cnn-28x28-10", "cnn-1x28x28-8k3", "cnn-1x0x28-10", "MLP-64-10", "mlp--64-10",
	} {
		if _, _, err := ItemLens(id); !errors.Is(err, ErrCircuit) {
			t.Fatalf("%q: %v, want ErrCircuit", id, err)
		}
	}
	// a valid arch whose items a proof cannot carry
	if err := CheckCircuit("cnn-3x512x512-1k3-1k2-1k2-1k2-1k2-1k2-10"); !errors.Is(err, ErrCircuit) {
		t.Fatalf("oversized items: %v", err)
	}
}
