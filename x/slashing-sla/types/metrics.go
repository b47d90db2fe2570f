package types

import (
	errorsmod "cosmossdk.io/errors"
)

// ValidateMetrics checks a report's figures.
func ValidateMetrics(m SLAMetrics) error {
	if m.CompletedPpm > PPM {
		return errorsmod.Wrapf(ErrInvalidReport, "completed_ppm must be <= %d", PPM)
	}
	if m.ThroughputCvPpm > 10*PPM {
		return errorsmod.Wrapf(ErrInvalidReport, "throughput_cv_ppm must be <= %d", 10*PPM)
	}
	if m.LatencyP50Ms > m.LatencyP99Ms {
		return errorsmod.Wrapf(ErrInvalidReport, "latency p50 %d ms above p99 %d ms", m.LatencyP50Ms, m.LatencyP99Ms)
	}
	if m.Window <= 0 || m.Window.Seconds() > MaxMeasurementWindowSeconds {
		return errorsmod.Wrapf(ErrInvalidReport, "window must be in (0, %d s], got %s", MaxMeasurementWindowSeconds, m.Window)
	}
	return nil
}
