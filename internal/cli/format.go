package cli

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/verdict"
)

var (
	kindNames = map[string]estampv1.ProducerKind{
		"cooperative": estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE,
		"enterprise":  estampv1.ProducerKind_PRODUCER_KIND_ENTERPRISE,
		"household":   estampv1.ProducerKind_PRODUCER_KIND_HOUSEHOLD_BUSINESS,
		"group":       estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE_GROUP,
	}
	groupNames = map[string]estampv1.ProductGroup{
		"food":       estampv1.ProductGroup_PRODUCT_GROUP_FOOD,
		"beverage":   estampv1.ProductGroup_PRODUCT_GROUP_BEVERAGE,
		"herbal":     estampv1.ProductGroup_PRODUCT_GROUP_HERBAL,
		"handicraft": estampv1.ProductGroup_PRODUCT_GROUP_HANDICRAFT,
		"ornamental": estampv1.ProductGroup_PRODUCT_GROUP_ORNAMENTAL,
		"tourism":    estampv1.ProductGroup_PRODUCT_GROUP_TOURISM_SERVICE,
	}
	authorityNames = map[string]estampv1.CertifyingAuthority{
		"":           estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_UNSPECIFIED,
		"provincial": estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_PROVINCIAL,
		"central":    estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_CENTRAL,
		"district":   estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_DISTRICT,
	}
)

func pick[T any](m map[string]T, flagName, v string) (T, error) {
	t, ok := m[strings.ToLower(strings.TrimSpace(v))]
	if !ok {
		names := make([]string, 0, len(m))
		for k := range m {
			if k != "" {
				names = append(names, k)
			}
		}
		return t, fmt.Errorf("%w: --%s %q: want one of %s", ErrUsage, flagName, v, strings.Join(slices.Sorted(slices.Values(names)), ", "))
	}
	return t, nil
}

func producerKind(v string) (estampv1.ProducerKind, error) { return pick(kindNames, "kind", v) }
func productGroup(v string) (estampv1.ProductGroup, error) { return pick(groupNames, "group", v) }
func certAuthority(v string) (estampv1.CertifyingAuthority, error) {
	return pick(authorityNames, "authority", v)
}

func certFlags(fs *flag.FlagSet, c *estampv1.Certificate, authority *string) {
	fs.StringVar(&c.DecisionNumber, "decision", "", "decision number, e.g. 5445/QĐ-UBND")
	fs.StringVar(&c.DecisionDate, "decision-date", "", "decision date: YYYY-MM-DD")
	fs.StringVar(&c.ValidUntil, "valid-until", "", "last valid day: YYYY-MM-DD (default: the day before the decision's 36-month anniversary)")
	fs.StringVar(authority, "authority", "", "provincial | central | district (default from the grade)")
}

// Stars draws a grade as ★★★☆☆.
func Stars(n int32) string {
	if n < 0 || n > 5 {
		return fmt.Sprint(n)
	}
	return strings.Repeat("★", int(n)) + strings.Repeat("☆", 5-int(n))
}

func date(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return "—"
	}
	return ocop.TableTime(ts.AsTime())
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func (a *app) table(header string, rows func(w *tabwriter.Writer)) error {
	w := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, header)
	rows(w)
	return w.Flush()
}

func (a *app) fields(pairs ...string) error {
	w := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(w, "%s:\t%s\n", pairs[i], pairs[i+1])
	}
	return w.Flush()
}

func (a *app) producerTable(list []*estampv1.Producer) error {
	return a.table("MÃ\tTÊN CHỦ THỂ\tLOẠI HÌNH\tXÃ/PHƯỜNG\tTỈNH", func(w *tabwriter.Writer) {
		for _, p := range list {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.Id, p.Name, ocop.KindName(p.Kind, ocop.VI), p.GetAddress().GetCommune(), p.GetAddress().GetProvince())
		}
	})
}

func (a *app) producerDetails(p *estampv1.Producer) error {
	ad := p.GetAddress()
	return a.fields(
		"Mã", p.Id,
		"Tên", p.Name,
		"Loại hình", ocop.KindName(p.Kind, ocop.VI),
		"Mã số thuế", orDash(p.TaxCode),
		"Địa chỉ", address(ad),
		"Điện thoại", orDash(p.Phone),
		"Đăng ký lúc", date(p.CreateTime),
	)
}

func address(ad *estampv1.Address) string {
	parts := []string{}
	for _, s := range []string{ad.GetStreet(), ad.GetCommune(), ad.GetProvince()} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	s := strings.Join(parts, ", ")
	if ad.GetLegacyDistrict() != "" {
		s += " (trước 2025: " + ad.GetLegacyDistrict() + ")"
	}
	return s
}

func (a *app) productTable(list []*estampv1.Product) error {
	return a.table("MÃ\tTÊN SẢN PHẨM\tHẠNG\tNHÓM\tQUYẾT ĐỊNH\tHIỆU LỰC ĐẾN\tTRẠNG THÁI", func(w *tabwriter.Writer) {
		for _, p := range list {
			c := p.GetCertificate()
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Id, p.Name, Stars(p.StarGrade), ocop.GroupName(p.Group, ocop.VI), c.GetDecisionNumber(), c.GetValidUntil(), ocop.StatusName(c.GetStatus(), ocop.VI))
		}
	})
}

func (a *app) productDetails(p *estampv1.Product) error {
	c := p.GetCertificate()
	pairs := []string{
		"Mã", p.Id,
		"Số hiệu", fmt.Sprint(p.Number),
		"Tên", p.Name,
		"Chủ thể", p.ProducerId,
		"Nhóm", ocop.GroupName(p.Group, ocop.VI),
		"Hạng", Stars(p.StarGrade) + " OCOP",
		"Quyết định", c.GetDecisionNumber() + " ngày " + c.GetDecisionDate() + " (" + ocop.AuthorityName(c.GetAuthority(), ocop.VI) + ")",
		"Hiệu lực đến", c.GetValidUntil(),
		"Trạng thái", ocop.StatusName(c.GetStatus(), ocop.VI),
	}
	if c.GetRevocationReason() != "" {
		pairs = append(pairs, "Lý do thu hồi", c.GetRevocationReason())
	}
	return a.fields(pairs...)
}

func (a *app) batchDetails(b *estampv1.Batch) error {
	pairs := []string{
		"Lô tem", fmt.Sprint(b.Id),
		"Sản phẩm", b.ProductId,
		"Số lô", b.Lot,
		"Ngày sản xuất", b.ProductionDate,
		"Hạn sử dụng", orDash(b.ExpiryDate),
		"Số lượng", fmt.Sprint(b.Quantity),
		"Số sê-ri", fmt.Sprintf("%d – %d", b.FirstSerial, b.FirstSerial+uint64(b.Quantity)-1),
		"Hạng", Stars(b.StarGrade),
		"Quyết định", b.CertificateDecisionNumber,
		"Khóa ký", b.KeyId,
		"Phát hành lúc", date(b.IssueTime),
	}
	if b.Revoked {
		pairs = append(pairs, "Thu hồi", b.RevocationReason)
	}
	return a.fields(pairs...)
}

func (a *app) batchTable(list []*estampv1.Batch) error {
	return a.table("LÔ TEM\tSỐ LÔ\tNGÀY SX\tSỐ LƯỢNG\tSÊ-RI ĐẦU\tPHÁT HÀNH LÚC\tTHU HỒI", func(w *tabwriter.Writer) {
		for _, b := range list {
			revoked := ""
			if b.Revoked {
				revoked = "có"
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%d\t%s\t%s\n", b.Id, b.Lot, b.ProductionDate, b.Quantity, b.FirstSerial, date(b.IssueTime), revoked)
		}
	})
}

func (a *app) stampTable(list []*estampv1.Stamp) error {
	return a.table("SÊ-RI\tMÃ QR", func(w *tabwriter.Writer) {
		for _, s := range list {
			fmt.Fprintf(w, "%d\t%s\n", s.Serial, s.Code)
		}
	})
}

func (a *app) verifyDetails(r *estampv1.VerifyResponse) error {
	fmt.Fprintf(a.out, "%s\n%s\n%s\n", verdict.Tell(r.Verdict, r.Warnings).Label.VI, r.Message, r.MessageEn)
	for _, w := range r.Warnings {
		fmt.Fprintf(a.out, "CẢNH BÁO: %s\n", verdict.Warning(w).VI)
	}
	if r.Product == nil {
		if r.KeyId != "" {
			fmt.Fprintf(a.out, "Sê-ri trong mã: %d, khóa: %s\n", r.Serial, r.KeyId)
		}
		return nil
	}
	fmt.Fprintln(a.out)
	p, c, b, s := r.Product, r.Product.GetCertificate(), r.Batch, r.Scans
	pairs := []string{
		"Sản phẩm", p.GetName(),
		"Nhóm", ocop.GroupName(p.GetGroup(), ocop.VI),
		"Hạng OCOP", Stars(p.GetStarGrade()),
		"Chứng nhận", c.GetDecisionNumber() + " ngày " + c.GetDecisionDate() + " (" + ocop.AuthorityName(c.GetAuthority(), ocop.VI) + ")",
		"Hiệu lực đến", c.GetValidUntil() + " — " + ocop.StatusName(c.GetStatus(), ocop.VI),
		"Chủ thể", r.Producer.GetName() + " (" + ocop.KindName(r.Producer.GetKind(), ocop.VI) + ")",
		// The origin is where the producer is, as on the page.
		"Xuất xứ", publicAddress(r.Producer.GetAddress()),
		"Điện thoại", orDash(r.Producer.GetPhone()),
		"Số lô", b.GetLot(),
		"Ngày sản xuất", b.GetProductionDate(),
		"Hạn sử dụng", orDash(b.GetExpiryDate()),
		"Sê-ri", fmt.Sprint(r.Serial),
		"Khóa ký", r.KeyId,
		"Phát hành lúc", date(b.GetIssueTime()),
		"Số lần quét", fmt.Sprint(s.GetScanCount()),
		"Quét lần đầu", date(s.GetFirstScanTime()),
	}
	if c.GetRevocationReason() != "" {
		pairs = append(pairs, "Lý do thu hồi chứng nhận", c.GetRevocationReason())
	}
	if b.GetRevoked() {
		pairs = append(pairs, "Lô hàng bị thu hồi lúc", date(b.GetRevokeTime()), "Lý do thu hồi lô", b.GetRevocationReason())
	}
	if r.StampRevocationReason != "" {
		pairs = append(pairs, "Lý do thu hồi tem", r.StampRevocationReason)
	}
	return a.fields(pairs...)
}

// publicAddress is a producer's address as Verify shows it.
func publicAddress(ad *estampv1.PublicAddress) string {
	return address(&estampv1.Address{Province: ad.GetProvince(), Commune: ad.GetCommune(), Street: ad.GetStreet(), LegacyDistrict: ad.GetLegacyDistrict()})
}

func (a *app) keyTable(list []*estampv1.IssuerKey) error {
	return a.table("KHÓA\tTHUẬT TOÁN\tHIỆU LỰC TỪ\tĐẾN\tTRẠNG THÁI", func(w *tabwriter.Writer) {
		for _, k := range list {
			until := "—"
			if k.NotAfterTime != nil {
				until = date(k.NotAfterTime)
			}
			state := keyStatusLabels[k.Status]
			if k.CompromiseReason != "" {
				state += ": " + k.CompromiseReason
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", k.KeyId, k.Algorithm, date(k.NotBeforeTime), until, state)
		}
	})
}

var jsonOpts = protojson.MarshalOptions{Multiline: true, Indent: "  ", UseProtoNames: true}

func (a *app) printJSON(m proto.Message) error {
	b, err := jsonOpts.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(a.out, string(b))
	return err
}

var keyStatusLabels = map[estampv1.KeyStatus]string{
	estampv1.KeyStatus_KEY_STATUS_ACTIVE:      "đang ký tem",
	estampv1.KeyStatus_KEY_STATUS_RETIRED:     "ngừng ký, vẫn xác thực",
	estampv1.KeyStatus_KEY_STATUS_COMPROMISED: "BỊ LỘ — tem không còn hợp lệ",
}
