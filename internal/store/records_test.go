package store

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/photo"
)

// Every field of the registry's API messages, filled through protoreflect,
// comes back from its record, but for what the record's key holds (the
// id, which comes back from the key) and what the API computes when it
// answers (a certificate's status); and every field of a record, filled
// the same way, comes back from the API message it reads as. So a field
// added to the API or to a record without its conversion fails here,
// instead of being dropped on the way to the disk.
func TestRecordsKeepEveryField(t *testing.T) {
	t.Run("producer", func(t *testing.T) {
		roundTrip(t, producerTable, func(p *estampv1.Producer) []byte { return []byte(p.Id) }, nil, nil)
	})
	t.Run("product", func(t *testing.T) {
		roundTrip(t, productTable, func(p *estampv1.Product) []byte { return []byte(p.Id) }, func(p *estampv1.Product) {
			if p.Certificate.Status == estampv1.CertificateStatus_CERTIFICATE_STATUS_UNSPECIFIED {
				t.Fatal("the filled certificate has no status to leave out")
			}
			p.Certificate.Status = estampv1.CertificateStatus_CERTIFICATE_STATUS_UNSPECIFIED
		}, func(p *estampv1.Product, r *storagev1.ProductRecord) {
			// A photo's address is made of its sum and its type, so
			// each side holds what the other can be made of.
			sum := sha256.Sum256([]byte("ảnh"))
			p.PhotoUrl = photo.URL(sum[:], photo.PNG)
			r.Photo.Sha256, r.Photo.ContentType = sum[:], photo.JPEG
		})
	})
	t.Run("retailer", func(t *testing.T) {
		roundTrip(t, retailerTable, func(r *estampv1.Retailer) []byte { return []byte(r.Id) }, nil, nil)
	})
	t.Run("batch", func(t *testing.T) {
		roundTrip(t, batchTable, func(b *estampv1.Batch) []byte { return u64(b.Id) }, nil, nil)
	})
	// A registry without an address or a certificate reads back without
	// one, not with an empty one.
	t.Run("none", func(t *testing.T) {
		p := &estampv1.Product{Id: "A", Name: "Chè lam"}
		if back := productOf([]byte("A"), productRecord(p)); !proto.Equal(back, p) {
			t.Errorf("product without a certificate reads back as %v", back)
		}
		r := &estampv1.Retailer{Id: "R"}
		if back := retailerOf([]byte("R"), retailerRecord(r)); !proto.Equal(back, r) {
			t.Errorf("retailer without an address reads back as %v", back)
		}
	})
}

// roundTrip checks both ways through table t: a full M through its record
// (key is where the M is stored; computed clears from the filled M what
// the API computes, which no record keeps), and a full record through
// its M. derived, when set, makes filled values that are derived from
// others the real ones.
func roundTrip[M, R proto.Message](t *testing.T, tab table[M, R], key func(M) []byte, computed func(M), derived func(M, R)) {
	t.Helper()
	m, r := newMessage[M](), newMessage[R]()
	n := 0
	fill(t, m.ProtoReflect(), "", &n)
	n = 0
	fill(t, r.ProtoReflect(), "", &n)
	if derived != nil {
		derived(m, r)
	}
	want := proto.Clone(m).(M)
	if computed != nil {
		computed(want)
	}
	if back := tab.of(key(m), tab.record(m)); !proto.Equal(back, want) {
		t.Errorf("%s through its record: %v differ\nwant %v\ngot  %v", tab.name, differs(want.ProtoReflect(), back.ProtoReflect(), ""), want, back)
	}

	if back := tab.record(tab.of(key(m), r)); !proto.Equal(back, r) {
		t.Errorf("%s record through the API: %v differ\nwant %v\ngot  %v", tab.name, differs(r.ProtoReflect(), back.ProtoReflect(), ""), r, back)
	}
}

// fill sets every field of m, each to a value of its own (n counts the
// fields), so that two fields swapped in a conversion show too.
func fill(t *testing.T, m protoreflect.Message, prefix string, n *int) {
	t.Helper()
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		path := prefix + string(fd.Name())
		*n++
		switch {
		case fd.IsList() || fd.IsMap():
			// None yet: a list would need its own conversion, and this
			// test teaching to fill it.
			t.Fatalf("%s is a list or map: fill it here", path)
		case fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Timestamp":
			ts := timestamppb.New(time.Unix(1_700_000_000+int64(*n)*3600, int64(*n)))
			m.Set(fd, protoreflect.ValueOfMessage(ts.ProtoReflect()))
		case fd.Message() != nil:
			fill(t, m.Mutable(fd).Message(), path+".", n)
		default:
			m.Set(fd, scalar(t, fd, path, *n))
		}
	}
}

func scalar(t *testing.T, fd protoreflect.FieldDescriptor, path string, n int) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString("‹" + path + "›")
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte("‹" + path + "›"))
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(true)
	case protoreflect.EnumKind:
		vs := fd.Enum().Values()
		return protoreflect.ValueOfEnum(vs.Get(vs.Len() - 1).Number())
	case protoreflect.Int32Kind:
		return protoreflect.ValueOfInt32(int32(n))
	case protoreflect.Int64Kind:
		return protoreflect.ValueOfInt64(int64(n))
	case protoreflect.Uint32Kind:
		return protoreflect.ValueOfUint32(uint32(n))
	case protoreflect.Uint64Kind:
		return protoreflect.ValueOfUint64(uint64(n))
	}
	t.Fatalf("%s is a %s: fill it here", path, fd.Kind())
	return protoreflect.Value{}
}

// differs names the fields of a and b that differ.
func differs(a, b protoreflect.Message, prefix string) []string {
	var out []string
	fields := a.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		path := prefix + string(fd.Name())
		va, vb := a.Get(fd), b.Get(fd)
		switch {
		case a.Has(fd) != b.Has(fd):
			out = append(out, fmt.Sprintf("%s (set %v, then %v)", path, a.Has(fd), b.Has(fd)))
		case fd.Message() != nil && !fd.IsList() && !fd.IsMap() && a.Has(fd):
			out = append(out, differs(va.Message(), vb.Message(), path+".")...)
		case !va.Equal(vb):
			out = append(out, path)
		}
	}
	return out
}

// The records are the database's own messages: none of them refers to the
// public API, so that it can change without them.
func TestRecordsStandAlone(t *testing.T) {
	for _, m := range []proto.Message{
		&storagev1.ProducerRecord{}, &storagev1.ProductRecord{}, &storagev1.RetailerRecord{}, &storagev1.BatchRecord{},
	} {
		var walk func(protoreflect.MessageDescriptor)
		walk = func(md protoreflect.MessageDescriptor) {
			fields := md.Fields()
			for i := range fields.Len() {
				fd := fields.Get(i)
				if e := fd.Enum(); e != nil && e.ParentFile().Package() != md.ParentFile().Package() {
					t.Errorf("%s.%s is an enum of %s; keep its number in an int32", md.Name(), fd.Name(), e.ParentFile().Package())
				}
				if sub := fd.Message(); sub != nil {
					if sub.ParentFile().Package() != md.ParentFile().Package() {
						t.Errorf("%s.%s is of type %s; keep what is needed of it in a record", md.Name(), fd.Name(), sub.FullName())
					} else {
						walk(sub)
					}
				}
			}
		}
		walk(m.ProtoReflect().Descriptor())
	}
}
