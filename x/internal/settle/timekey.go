package settle

import (
	"encoding/binary"
	"fmt"
	"time"

	"cosmossdk.io/collections/codec"
)

// TimeKey is the queues' key codec for a due time: 12 bytes that sort as
// the times do — the Unix seconds as a big-endian int64 with its sign bit
// flipped, then the nanoseconds as a big-endian uint32. The SDK's TimeKey
// writes a 29-byte string instead; every queue entry is written and deleted
// once per job, dispute or claim, and store writes are charged per byte.
// Times decode in UTC.
var TimeKey codec.KeyCodec[time.Time] = timeKey{}

const timeKeySize = 12

type timeKey struct{}

func (timeKey) Encode(buffer []byte, t time.Time) (int, error) {
	if len(buffer) < timeKeySize {
		return 0, fmt.Errorf("settle: time key buffer of %d bytes, need %d", len(buffer), timeKeySize)
	}
	binary.BigEndian.PutUint64(buffer, uint64(t.Unix())^(1<<63))
	binary.BigEndian.PutUint32(buffer[8:], uint32(t.Nanosecond()))
	return timeKeySize, nil
}

func (timeKey) Decode(buffer []byte) (int, time.Time, error) {
	if len(buffer) != timeKeySize {
		return 0, time.Time{}, fmt.Errorf("settle: time key of %d bytes, want %d", len(buffer), timeKeySize)
	}
	return decodeTime(buffer)
}

func decodeTime(buffer []byte) (int, time.Time, error) {
	sec := int64(binary.BigEndian.Uint64(buffer) ^ (1 << 63))
	nsec := binary.BigEndian.Uint32(buffer[8:])
	if nsec >= uint32(time.Second) {
		return 0, time.Time{}, fmt.Errorf("settle: time key nanoseconds %d out of range", nsec)
	}
	return timeKeySize, time.Unix(sec, int64(nsec)).UTC(), nil
}

func (timeKey) Size(time.Time) int { return timeKeySize }

func (k timeKey) EncodeJSON(t time.Time) ([]byte, error) { return t.UTC().MarshalJSON() }

func (timeKey) DecodeJSON(b []byte) (time.Time, error) {
	var t time.Time
	err := t.UnmarshalJSON(b)
	return t.UTC(), err
}

func (timeKey) Stringify(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func (timeKey) KeyType() string { return "verdict/settle/time" }

func (k timeKey) EncodeNonTerminal(buffer []byte, t time.Time) (int, error) {
	return k.Encode(buffer, t)
}

func (timeKey) DecodeNonTerminal(buffer []byte) (int, time.Time, error) {
	if len(buffer) < timeKeySize {
		return 0, time.Time{}, fmt.Errorf("settle: time key of %d bytes, want %d", len(buffer), timeKeySize)
	}
	return decodeTime(buffer[:timeKeySize])
}

func (timeKey) SizeNonTerminal(time.Time) int { return timeKeySize }
