package zkml

import "fmt"

// accBound bounds |accumulator| so that the circuit's integer reasoning
// (range checks of ClampBits bits) covers every value native code accepts.
const accBound = int64(1) << 38

// clampBounds returns the clamp range of layer i of n: ReLU+int8 for hidden
// layers, int8 for the last.
func clampBounds(i, n int) (lo, hi int64) {
	if i == n-1 {
		return -128, 127
	}
	return 0, 127
}

// Requantize is one neuron's output: floor(acc / 2^shift) clamped to [lo, hi].
func Requantize(acc int64, shift uint8, lo, hi int64) int8 {
	q := acc >> shift // arithmetic shift: floor division
	return int8(max(lo, min(hi, q)))
}

// Infer runs the model on an input tensor.
func Infer(m *Model, input []int8) ([]int8, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if m.Arch != nil {
		return inferCNN(m, input)
	}
	if len(input) != m.Layers[0].In {
		return nil, fmt.Errorf("zkml: input has %d values, model expects %d", len(input), m.Layers[0].In)
	}
	x := input
	for li, l := range m.Layers {
		lo, hi := clampBounds(li, len(m.Layers))
		y := make([]int8, l.Out)
		for j := 0; j < l.Out; j++ {
			acc := int64(l.Biases[j])
			row := l.Weights[j*l.In : (j+1)*l.In]
			for i, w := range row {
				acc += int64(w) * int64(x[i])
			}
			if acc >= accBound || acc <= -accBound {
				return nil, fmt.Errorf("zkml: layer %d neuron %d accumulator %d out of range", li, j, acc)
			}
			y[j] = Requantize(acc, l.Shift, lo, hi)
		}
		x = y
	}
	return x, nil
}
