package client_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"google.golang.org/grpc"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
)

// server answers StreamStamps with msgs, then io.EOF.
type server struct {
	estampv1.IssuanceServiceClient // nil: only StreamStamps is called
	msgs                           []*estampv1.StreamStampsResponse
}

func (s *server) StreamStamps(context.Context, *estampv1.StreamStampsRequest, ...grpc.CallOption) (grpc.ServerStreamingClient[estampv1.StreamStampsResponse], error) {
	return &stream{msgs: s.msgs}, nil
}

type stream struct {
	grpc.ServerStreamingClient[estampv1.StreamStampsResponse] // nil: only Recv is called
	msgs                                                      []*estampv1.StreamStampsResponse
}

func (s *stream) Recv() (*estampv1.StreamStampsResponse, error) {
	if len(s.msgs) == 0 {
		return nil, io.EOF
	}
	m := s.msgs[0]
	s.msgs = s.msgs[1:]
	return m, nil
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
