package server_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// apiFields calls f with every field of every message of the public API
// (package estamp.v1), nested messages included, and returns how many
// messages it saw.
func apiFields(t *testing.T, f func(protoreflect.FieldDescriptor)) int {
	t.Helper()
	// Linked in through estampv1, so that the registry holds its files.
	_ = estampv1.File_estamp_v1_registry_proto
	var walk func(protoreflect.MessageDescriptors) int
	walk = func(ms protoreflect.MessageDescriptors) int {
		n := 0
		for i := range ms.Len() {
			m := ms.Get(i)
			n++
			for j := range m.Fields().Len() {
				f(m.Fields().Get(j))
			}
			n += walk(m.Messages())
		}
		return n
	}
	n := 0
	protoregistry.GlobalFiles.RangeFilesByPackage("estamp.v1", func(fd protoreflect.FileDescriptor) bool {
		n += walk(fd.Messages())
		return true
	})
	if n < 50 {
		t.Fatalf("only %d messages in package estamp.v1: the registry does not hold the API", n)
	}
	return n
}

// Every moment in the API is a google.protobuf.Timestamp named *_time
// (AIP-142), so that a client reading JSON or Go can tell a moment from
// a date (a string, YYYY-MM-DD) or a count by its name alone: AuditEntry's
// "time" and IssuerKey's "not_before" were the odd ones out.
func TestTimestampFieldsEndInTime(t *testing.T) {
	timestamp := (&timestamppb.Timestamp{}).ProtoReflect().Descriptor().FullName()
	var odd, seen []string
	apiFields(t, func(f protoreflect.FieldDescriptor) {
		isTimestamp := f.Message() != nil && f.Message().FullName() == timestamp
		hasSuffix := strings.HasSuffix(string(f.Name()), "_time")
		if isTimestamp {
			seen = append(seen, string(f.FullName()))
		}
		if isTimestamp != hasSuffix {
			odd = append(odd, string(f.FullName())+" ("+f.Kind().String()+")")
		}
	})
	slices.Sort(odd)
	if len(odd) > 0 {
		t.Errorf("a field is a Timestamp exactly when its name ends in _time; these are not:\n%s", strings.Join(odd, "\n"))
	}
	if len(seen) < 15 {
		t.Errorf("only %d Timestamp fields found: %v", len(seen), seen)
	}
}

// isDate says whether an API field is a date: a string named *_date, or
// valid_until.
func isDate(f protoreflect.FieldDescriptor) bool {
	return f.Kind() == protoreflect.StringKind && (strings.HasSuffix(string(f.Name()), "_date") || f.Name() == "valid_until")
}

// requestDates lists, by full name, the date fields a client sends: those
// of every RPC's request and of the API's messages within it.
func requestDates(t *testing.T) map[string]bool {
	t.Helper()
	dates, seen := map[string]bool{}, map[protoreflect.FullName]bool{}
	var walk func(protoreflect.MessageDescriptor)
	walk = func(m protoreflect.MessageDescriptor) {
		if seen[m.FullName()] || m.ParentFile().Package() != "estamp.v1" {
			return
		}
		seen[m.FullName()] = true
		for i := range m.Fields().Len() {
			f := m.Fields().Get(i)
			if isDate(f) {
				dates[string(f.FullName())] = true
			}
			if f.Message() != nil {
				walk(f.Message())
			}
		}
	}
	apiFields(t, func(protoreflect.FieldDescriptor) {}) // fails unless the registry holds the API
	protoregistry.GlobalFiles.RangeFilesByPackage("estamp.v1", func(fd protoreflect.FileDescriptor) bool {
		for i := range fd.Services().Len() {
			methods := fd.Services().Get(i).Methods()
			for j := range methods.Len() {
				walk(methods.Get(j).Input())
			}
		}
		return true
	})
	return dates
}

// Every date a client sends is exactly YYYY-MM-DD, a real day: the server
// refuses any other form with InvalidArgument naming the field as the
// request holds it. The table must list every date field of every
// request, so that a new one cannot go unchecked.
func TestDateFieldsRefuseOtherForms(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	ctx := context.Background()
	issue := func(edit func(*estampv1.IssueStampsRequest)) error {
		r := &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA", Lot: "L1", ProductionDate: "2026-11-20", ExpiryDate: "2027-05-20", Quantity: 1, RequestId: "dates"}
		edit(r)
		_, err := e.Issuance.IssueStamps(ctx, r)
		return err
	}
	create := func(edit func(*estampv1.Certificate)) error {
		c := &estampv1.Certificate{DecisionNumber: "7/QĐ-UBND", DecisionDate: "2025-08-20", ValidUntil: "2028-08-19"}
		edit(c)
		_, err := e.Registry.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: &estampv1.Product{
			Id: "NEM-CHUA-MOI", ProducerId: "HTX-NEM-CHUA", Name: "Nem chua mới", StarGrade: 4,
			Group: estampv1.ProductGroup_PRODUCT_GROUP_FOOD, Certificate: c,
		}})
		return err
	}
	renew := func(edit func(*estampv1.Certificate)) error {
		c := &estampv1.Certificate{DecisionNumber: "8/QĐ-UBND", DecisionDate: "2026-06-01", ValidUntil: "2029-05-31"}
		edit(c)
		_, err := e.Registry.UpdateCertification(ctx, &estampv1.UpdateCertificationRequest{ProductId: "NEM-CHUA",
			Change: &estampv1.UpdateCertificationRequest_Renewal{Renewal: &estampv1.Renewal{StarGrade: 4, Certificate: c}}})
		return err
	}
	roll := e.issueInactive(t, "NEM-CHUA", 2, "roll")
	activate := func(edit func(*estampv1.ActivateStampsRequest)) error {
		r := &estampv1.ActivateStampsRequest{BatchId: roll.Batch.Id, Lot: "L1", ProductionDate: "2026-11-20", ExpiryDate: "2027-05-20"}
		edit(r)
		_, err := e.Issuance.ActivateStamps(ctx, r)
		return err
	}
	fields := []struct {
		name string // in the API
		path string // in the request, as errors name it
		call func(value string) error
	}{
		{"estamp.v1.IssueStampsRequest.production_date", "production_date", func(v string) error {
			return issue(func(r *estampv1.IssueStampsRequest) { r.ProductionDate = v })
		}},
		{"estamp.v1.IssueStampsRequest.expiry_date", "expiry_date", func(v string) error {
			return issue(func(r *estampv1.IssueStampsRequest) { r.ExpiryDate = v })
		}},
		{"estamp.v1.ActivateStampsRequest.production_date", "production_date", func(v string) error {
			return activate(func(r *estampv1.ActivateStampsRequest) { r.ProductionDate = v })
		}},
		{"estamp.v1.ActivateStampsRequest.expiry_date", "expiry_date", func(v string) error {
			return activate(func(r *estampv1.ActivateStampsRequest) { r.ExpiryDate = v })
		}},
		{"estamp.v1.Certificate.decision_date", "product.certificate.decision_date", func(v string) error {
			return create(func(c *estampv1.Certificate) { c.DecisionDate = v })
		}},
		{"estamp.v1.Certificate.valid_until", "product.certificate.valid_until", func(v string) error {
			return create(func(c *estampv1.Certificate) { c.ValidUntil = v })
		}},
		{"estamp.v1.Certificate.decision_date", "renewal.certificate.decision_date", func(v string) error {
			return renew(func(c *estampv1.Certificate) { c.DecisionDate = v })
		}},
		{"estamp.v1.Certificate.valid_until", "renewal.certificate.valid_until", func(v string) error {
			return renew(func(c *estampv1.Certificate) { c.ValidUntil = v })
		}},
	}
	// What people and programs type instead: the Vietnamese and American
	// orders, a day without its zero, a moment, a stray space, a day that
	// does not exist, and one out of range.
	bad := []string{"20/11/2026", "11/20/2026", "2026-11-2", "2026-11-20T00:00:00+07:00", " 2026-11-20", "2026-11-20\n", "2025-02-29", "1989-12-31"}
	covered := map[string]bool{}
	for _, f := range fields {
		covered[f.name] = true
		for _, v := range bad {
			t.Run(f.path+"="+v, func(t *testing.T) {
				err := f.call(v)
				if s := status.Convert(err); s.Code() != codes.InvalidArgument || !strings.HasPrefix(s.Message(), f.path+": ") {
					t.Errorf("%s %q: %v; want InvalidArgument naming %s", f.path, v, err, f.path)
				}
			})
		}
	}
	// The same requests with good dates pass, so that the refusals above
	// are the dates' doing.
	if err := create(func(*estampv1.Certificate) {}); err != nil {
		t.Errorf("a product with good dates: %v", err)
	}
	if err := renew(func(*estampv1.Certificate) {}); err != nil {
		t.Errorf("a renewal with good dates: %v", err)
	}
	if err := issue(func(*estampv1.IssueStampsRequest) {}); err != nil {
		t.Errorf("a batch with good dates: %v", err)
	}
	if err := activate(func(*estampv1.ActivateStampsRequest) {}); err != nil {
		t.Errorf("an activation with good dates: %v", err)
	}
	want := requestDates(t)
	if len(want) < 4 {
		t.Errorf("only %d date fields in requests: %v", len(want), want)
	}
	for name := range want {
		if !covered[name] {
			t.Errorf("date field %s of a request is not in the table", name)
		}
	}
	for name := range covered {
		if !want[name] {
			t.Errorf("%s is in the table but is not a date field of any request", name)
		}
	}
}

// protoComments reads the comment above every field of the API's .proto
// files, by the field's full name: the generated code does not keep them.
func protoComments(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "proto", "estamp", "v1", "*.proto"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .proto files: %v", err)
	}
	message := regexp.MustCompile(`^\s*message (\w+) \{`)
	field := regexp.MustCompile(`^\s*(?:optional |repeated )?[\w.]+ (\w+) = \d+;`)
	comments := map[string]string{}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var (
			scope   []string // enclosing messages, outermost first
			depth   []int    // brace depth at which each opened
			braces  int
			comment []string
		)
		for _, line := range strings.Split(string(src), "\n") {
			trimmed := strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(trimmed, "//"):
				comment = append(comment, strings.TrimSpace(strings.TrimPrefix(trimmed, "//")))
				continue
			case message.MatchString(line):
				scope, depth = append(scope, message.FindStringSubmatch(line)[1]), append(depth, braces)
			case field.MatchString(line) && len(scope) > 0:
				comments["estamp.v1."+strings.Join(scope, ".")+"."+field.FindStringSubmatch(line)[1]] = strings.Join(comment, " ")
			}
			braces += strings.Count(line, "{") - strings.Count(line, "}")
			for len(depth) > 0 && braces <= depth[len(depth)-1] {
				scope, depth = scope[:len(scope)-1], depth[:len(depth)-1]
			}
			comment = nil
		}
	}
	return comments
}

// Every date in the API, sent or returned, says in its comment its exact
// form and its calendar: YYYY-MM-DD, a day in Vietnam (UTC+7). A date
// read as a UTC day would be wrong for seven hours of every day.
func TestDateFieldsAreDocumented(t *testing.T) {
	comments := protoComments(t)
	var dates []string
	apiFields(t, func(f protoreflect.FieldDescriptor) {
		if _, ok := comments[string(f.FullName())]; !ok {
			t.Errorf("no comment found for %s: protoComments misread the .proto files", f.FullName())
		}
		if !isDate(f) {
			return
		}
		dates = append(dates, string(f.FullName()))
		c := comments[string(f.FullName())]
		for _, want := range []string{"YYYY-MM-DD", "a calendar day in Vietnam (UTC+7)"} {
			if !strings.Contains(c, want) {
				t.Errorf("%s does not say %q: %q", f.FullName(), want, c)
			}
		}
	})
	if len(dates) < 10 {
		t.Errorf("only %d date fields: %v", len(dates), dates)
	}
}
