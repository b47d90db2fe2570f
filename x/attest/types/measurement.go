package types

import (
	"encoding/hex"

	errorsmod "cosmossdk.io/errors"
)

// MeasurementSize is the length of an allowed measurement per TEE type: a
// TDX workload id (SHA-256) or an SNP launch measurement (SHA-384).
func MeasurementSize(t TeeType) (int, error) {
	switch t {
	case TeeType_TEE_TYPE_TDX:
		return 32, nil
	case TeeType_TEE_TYPE_SEV_SNP:
		return 48, nil
	default:
		return 0, errorsmod.Wrapf(ErrInvalidMeasurement, "unknown TEE type %s", t)
	}
}

// ValidateMeasurement checks a measurement's type, length and note.
func ValidateMeasurement(m Measurement) error {
	n, err := MeasurementSize(m.TeeType)
	if err != nil {
		return err
	}
	if len(m.Value) != n {
		return errorsmod.Wrapf(ErrInvalidMeasurement, "a %s measurement is %d bytes, got %d", m.TeeType, n, len(m.Value))
	}
	if len(m.Note) > MaxNoteBytes {
		return errorsmod.Wrapf(ErrInvalidMeasurement, "note is over %d bytes", MaxNoteBytes)
	}
	return nil
}

// Hex is the measurement's value in lower-case hex.
func (m Measurement) Hex() string { return hex.EncodeToString(m.Value) }
