package verify_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/verdict"
	"github.com/ocopvn/estamp/internal/verify"
)

// shown is the allow-list as this test reads it: each field of the public
// answer, and the stored field it shows.
var shown = map[string]string{
	"product.name":                          "product.name",
	"product.group":                         "product.group",
	"product.star_grade":                    "batch.star_grade", // as the label claims it
	"product.certificate.decision_number":   "product.certificate.decision_number",
	"product.certificate.decision_date":     "product.certificate.decision_date",
	"product.certificate.authority":         "product.certificate.authority",
	"product.certificate.valid_until":       "product.certificate.valid_until",
	"product.certificate.revocation_reason": "product.certificate.revocation_reason",
	"product.description":                   "product.description",
	"product.photo_url":                     "product.photo_url",
	"product.photo_width":                   "product.photo_width",
	"product.photo_height":                  "product.photo_height",
	"producer.name":                         "producer.name",
	"producer.kind":                         "producer.kind",
	"producer.phone":                        "producer.phone",
	"producer.address.province":             "producer.address.province",
	"producer.address.commune":              "producer.address.commune",
	"producer.address.street":               "producer.address.street",
	"producer.address.legacy_district":      "producer.address.legacy_district",
	"origin.province":                       "producer.address.province",
	"origin.commune":                        "producer.address.commune",
	"origin.legacy_district":                "producer.address.legacy_district",
	"batch.lot":                             "batch.lot",
	"batch.production_date":                 "batch.production_date",
	"batch.expiry_date":                     "batch.expiry_date",
	"batch.issue_time":                      "batch.issue_time",
	"batch.revoked":                         "batch.revoked",
	"batch.revocation_reason":               "batch.revocation_reason",
	"batch.revoke_time":                     "batch.revoke_time",
	"scans.scan_count":                      "state.scan_count",
	"scans.first_scan_time":                 "state.first_scan_unix_nano",
	"scans.last_scan_time":                  "state.last_scan_unix_nano",
	"stamp_revocation_reason":               "state.revocation.reason",
	"stamp_revoke_time":                     "state.revocation.time_unix_nano",
	"received_by.retailer_name":             "retailer.name",
	"received_by.commune":                   "retailer.address.commune",
	"received_by.province":                  "retailer.address.province",
	"received_by.receive_time":              "state.receipts.first_unix_nano",
	"sold.retailer_name":                    "retailer.name",
	"sold.commune":                          "retailer.address.commune",
	"sold.province":                         "retailer.address.province",
	"sold.sale_time":                        "state.sale.time_unix_nano",
	"product.gtin":                          "product.gtin",
}

// TestPublicAnswerIsTheAllowList fills every field of the stored records
// of a stamp (producer, product, certificate, batch and the stamp's own
// state), walking them with protoreflect so that a field added to them
// later is filled too, and checks that Verify answers with exactly the
// allow-listed values, found by walking the answer the same way: a field
// the answer gains must be added to the list above (a decision), and a
// stored field nobody chose never reaches a buyer.
func TestPublicAnswerIsTheAllowList(t *testing.T) {
	rec := &record.Stamp{Producer: &estampv1.Producer{}, Product: &estampv1.Product{}, Batch: &estampv1.Batch{}, State: &record.StampState{}}
	shop := &estampv1.Retailer{}
	stored := map[string]string{}
	n := 100
	fill(rec.Producer.ProtoReflect(), "producer.", &n, stored)
	fill(rec.Product.ProtoReflect(), "product.", &n, stored)
	fill(rec.Batch.ProtoReflect(), "batch.", &n, stored)
	fill(rec.State.ProtoReflect(), "state.", &n, stored)
	fill(shop.ProtoReflect(), "retailer.", &n, stored)
	for _, must := range []string{"producer.tax_code", "product.certificate.revoke_time", "batch.request_id", "batch.revoked_by", "state.revocation.actor",
		"state.receipts.retailer_id", "state.receipts.count", "retailer.tax_code", "retailer.address.street",
		"state.sale.retailer_id", "state.sale.request_id", "retailer.gln", "producer.gln"} {
		if _, ok := stored[must]; !ok {
			t.Fatalf("the filler missed %s", must)
		}
	}
	// A stored unix-nano field is shown as a timestamp.
	for _, f := range []string{"state.first_scan_unix_nano", "state.last_scan_unix_nano", "state.revocation.time_unix_nano", "state.receipts.first_unix_nano", "state.sale.time_unix_nano"} {
		var ns int64
		fmt.Sscan(stored[f], &ns)
		stored[f] = record.Time(ns).String()
	}

	key, err := keys.ReadFile("../stampcode/testdata/issuer-test-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	claims := stampcode.Claims{Serial: 4242, ProductNumber: rec.Product.Number, BatchID: 7, StarGrade: 4, ValidUntil: time.Date(2028, 8, 19, 0, 0, 0, 0, time.UTC)}
	code, err := key.Issuer.Sign("", claims)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	svc, err := verify.New(fakeStore{proto.Clone(rec.Producer).(*estampv1.Producer), proto.Clone(rec.Product).(*estampv1.Product), proto.Clone(rec.Batch).(*estampv1.Batch), rec.State, shop},
		fakeScans{rec.State}, keys.NewRing(key), []string{"https://tem.example"}, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := svc.Verify(context.Background(), &estampv1.VerifyRequest{Code: code})
	if err != nil {
		t.Fatal(err)
	}

	// What the answer says besides stored values: the verdict (the stamp
	// itself was revoked), its sentence, the code's serial and key, the
	// certificate's status today and the warnings.
	revoked := verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_REVOKED, Cause: verdict.StampRevoked, Reason: rec.State.Revocation.Reason}
	computed := map[string]string{
		"verdict":                    fmt.Sprint(estampv1.Verdict_VERDICT_REVOKED.Number()),
		"message":                    verdict.Sentence(revoked, ocop.VI),
		"message_en":                 verdict.Sentence(revoked, ocop.EN),
		"serial":                     "4242",
		"key_id":                     key.ID.String(),
		"product.certificate.status": fmt.Sprint(estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED.Number()),
		"warnings":                   fmt.Sprint([]any{estampv1.VerifyWarning_VERIFY_WARNING_MANY_SCANS.Number()}),
	}
	answer := map[string]string{}
	leaves(resp.ProtoReflect(), "", answer)
	for path, got := range answer {
		want, ok := computed[path]
		if src, isShown := shown[path]; isShown {
			want, ok = stored[src], true
		}
		switch {
		case !ok:
			t.Errorf("the answer carries %s = %s, which is not on the allow-list", path, got)
		case got != want:
			t.Errorf("the answer's %s = %s, want %s", path, got, want)
		}
	}
	for _, path := range slices.Sorted(func(yield func(string) bool) {
		for p := range shown {
			yield(p)
		}
		for p := range computed {
			yield(p)
		}
	}) {
		if _, ok := answer[path]; !ok {
			t.Errorf("the answer lacks %s", path)
		}
	}

	// Nor does a private value hide inside a public text.
	public := map[string]bool{}
	for _, src := range shown {
		public[src] = true
	}
	for src, v := range stored {
		if public[src] || !strings.HasPrefix(v, "‹") {
			continue
		}
		for path, got := range answer {
			if strings.Contains(got, v) {
				t.Errorf("the answer's %s shows the private %s", path, src)
			}
		}
	}
}

type fakeStore struct {
	producer *estampv1.Producer
	product  *estampv1.Product
	batch    *estampv1.Batch
	state    *record.StampState
	// shop is every retailer.
	shop *estampv1.Retailer
}

func (f fakeStore) Stamp(context.Context, uint64, uint64) (*record.Stamp, error) {
	return &record.Stamp{Producer: f.producer, Product: f.product, Batch: f.batch, State: f.state}, nil
}

func (f fakeStore) Retailer(_ context.Context, id string) (*estampv1.Retailer, error) {
	if f.shop == nil {
		return nil, &ocop.NotFoundError{What: "retailer", ID: id}
	}
	return f.shop, nil
}

// fakeScans records nothing: the stored state is the state after the scan.
type fakeScans struct{ state *record.StampState }

func (f fakeScans) Record(context.Context, record.Scan) (*record.StampState, error) {
	return f.state, nil
}

// fill sets every field of m, nested messages and lists included, to a
// value that is not zero, and notes in stored what each field holds, by
// its path. Texts name their field ("‹producer.tax_code›"), numbers count
// up, enums take their last value, a list gets one element.
func fill(m protoreflect.Message, prefix string, n *int, stored map[string]string) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		path := prefix + string(fd.Name())
		*n++
		switch {
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			mp.Set(scalar(fd.MapKey(), path, *n).MapKey(), scalar(fd.MapValue(), path, *n))
			stored[path] = fmt.Sprint(*n)
		case fd.IsList() && fd.Message() != nil:
			l := m.Mutable(fd).List()
			e := l.NewElement()
			fill(e.Message(), path+".", n, stored)
			l.Append(e)
		case fd.IsList():
			v := scalar(fd, path, *n)
			m.Mutable(fd).List().Append(v)
			stored[path] = fmt.Sprint(v.Interface())
		case fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Timestamp":
			ts := timestamppb.New(time.Unix(1_700_000_000+int64(*n)*3600, int64(*n)))
			m.Set(fd, protoreflect.ValueOfMessage(ts.ProtoReflect()))
			stored[path] = ts.AsTime().String()
		case fd.Message() != nil:
			fill(m.Mutable(fd).Message(), path+".", n, stored)
		default:
			v := scalar(fd, path, *n)
			m.Set(fd, v)
			stored[path] = fmt.Sprint(v.Interface())
		}
	}
}

func scalar(fd protoreflect.FieldDescriptor, path string, n int) protoreflect.Value {
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
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(n))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(int64(n))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(n))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(n))
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(n))
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(float64(n))
	}
	panic("unknown kind " + fd.Kind().String())
}

// leaves flattens the set fields of m by path: a timestamp is one value,
// and so is a list.
func leaves(m protoreflect.Message, prefix string, out map[string]string) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		path := prefix + string(fd.Name())
		switch {
		case fd.IsList() && fd.Message() != nil:
			// Each element's fields, by the list's path: the filled
			// records hold one.
			for i := range v.List().Len() {
				leaves(v.List().Get(i).Message(), path+".", out)
			}
		case fd.IsList():
			var items []any
			for i := range v.List().Len() {
				items = append(items, v.List().Get(i).Interface())
			}
			out[path] = fmt.Sprint(items)
		case fd.IsMap():
			out[path] = fmt.Sprint(v.Map().Len())
		case fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Timestamp":
			out[path] = v.Message().Interface().(*timestamppb.Timestamp).AsTime().String()
		case fd.Message() != nil:
			leaves(v.Message(), path+".", out)
		default:
			out[path] = fmt.Sprint(v.Interface())
		}
		return true
	})
}
