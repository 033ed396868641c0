package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
)

// server answers StreamStamps and Backup with msgs, then io.EOF.
type server struct {
	msgs   []*estampv1.StreamStampsResponse
	backup []*estampv1.BackupResponse
}

func (s *server) StreamStamps(context.Context, *estampv1.StreamStampsRequest, ...grpc.CallOption) (grpc.ServerStreamingClient[estampv1.StreamStampsResponse], error) {
	return &stream[estampv1.StreamStampsResponse]{msgs: s.msgs}, nil
}

func (s *server) Backup(context.Context, *estampv1.BackupRequest, ...grpc.CallOption) (grpc.ServerStreamingClient[estampv1.BackupResponse], error) {
	return &stream[estampv1.BackupResponse]{msgs: s.backup}, nil
}

// stream sends msgs, then ends with err (io.EOF when nil).
type stream[M any] struct {
	grpc.ServerStreamingClient[M] // nil: only Recv is called
	msgs                          []*M
	err                           error
}

func (s *stream[M]) Recv() (*M, error) {
	if len(s.msgs) == 0 {
		if s.err != nil {
			return nil, s.err
		}
		return nil, io.EOF
	}
	m := s.msgs[0]
	s.msgs = s.msgs[1:]
	return m, nil
}

func TestReceive(t *testing.T) {
	var got []int32
	collect := func(m *estampv1.LabelLayout) error { got = append(got, m.Columns); return nil }
	err := client.Receive(&stream[estampv1.LabelLayout]{msgs: []*estampv1.LabelLayout{{Columns: 1}, {Columns: 2}}}, collect)
	if err != nil || !slices.Equal(got, []int32{1, 2}) {
		t.Errorf("to the end: %v, %v", got, err)
	}
	cut := errors.New("connection reset")
	got = nil
	err = client.Receive(&stream[estampv1.LabelLayout]{msgs: []*estampv1.LabelLayout{{Columns: 1}}, err: cut}, collect)
	if err != cut || !slices.Equal(got, []int32{1}) {
		t.Errorf("cut: %v, %v", got, err)
	}
	stop := errors.New("disk full")
	err = client.Receive(&stream[estampv1.LabelLayout]{msgs: []*estampv1.LabelLayout{{Columns: 1}, {Columns: 2}}}, func(*estampv1.LabelLayout) error { return stop })
	if err != stop {
		t.Errorf("a failed handler: %v", err)
	}
}

func TestBackupComesWhole(t *testing.T) {
	var buf bytes.Buffer
	n, err := client.Backup(context.Background(), &server{backup: []*estampv1.BackupResponse{{TotalSize: 5, Data: []byte("abc")}, {Data: []byte("de")}}}, &buf)
	if err != nil || n != 5 || buf.String() != "abcde" {
		t.Errorf("whole: %d bytes %q, %v", n, buf.String(), err)
	}
	buf.Reset()
	_, err = client.Backup(context.Background(), &server{backup: []*estampv1.BackupResponse{{TotalSize: 5, Data: []byte("abc")}}}, &buf)
	if err == nil || !strings.Contains(err.Error(), "cut short: 3 of 5 bytes") {
		t.Errorf("cut short: %v", err)
	}
}

func stamps(serials ...uint64) []*estampv1.Stamp {
	var out []*estampv1.Stamp
	for _, s := range serials {
		out = append(out, &estampv1.Stamp{Serial: s, Code: "C"})
	}
	return out
}

// A batch is taken for whole only when every serial came, in order.
func TestStampsChecksTheStream(t *testing.T) {
	batch := &estampv1.Batch{Id: 4, FirstSerial: 10, Quantity: 3}
	for _, tt := range []struct {
		name    string
		msgs    []*estampv1.StreamStampsResponse
		mention string // "" for a whole batch
	}{
		{"whole", []*estampv1.StreamStampsResponse{{Batch: batch, Total: 3, Stamps: stamps(10, 11)}, {Stamps: stamps(12)}}, ""},
		{"no batch first", []*estampv1.StreamStampsResponse{{Total: 3, Stamps: stamps(10, 11, 12)}}, "did not start with the batch"},
		{"a serial skipped", []*estampv1.StreamStampsResponse{{Batch: batch, Total: 3, Stamps: stamps(10, 12)}}, "serial 12 where 11 was due"},
		{"cut short", []*estampv1.StreamStampsResponse{{Batch: batch, Total: 3, Stamps: stamps(10, 11)}}, "ended after 2 of its codes"},
		{"empty", nil, "ended after 0 of its codes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := 0
			b, err := client.Stamps(context.Background(), &server{msgs: tt.msgs}, 4, func(b *estampv1.Batch, total uint32, s []*estampv1.Stamp) error {
				if b != batch || total != 3 {
					t.Errorf("each got batch %v, total %d", b, total)
				}
				got += len(s)
				return nil
			})
			switch {
			case tt.mention == "" && (err != nil || b != batch || got != 3):
				t.Errorf("batch %v, %d codes, %v", b, got, err)
			case tt.mention != "" && (err == nil || !strings.Contains(err.Error(), tt.mention)):
				t.Errorf("error %v, want one mentioning %q", err, tt.mention)
			}
		})
	}
}
