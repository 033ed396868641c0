package verdict

import (
	"fmt"
	"slices"
	"strings"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// This file is the one catalogue of what estamp tells a person about a
// code, Vietnamese first and English second: the page's headline and
// advice, the sentence of Verify (message, message_en) and of intake, the
// CLI's label, the warnings and intake's own outcomes. The page, gRPC,
// intake and the CLI online and offline all read it here; copies of these
// words in five places had drifted apart (TestWordsLiveInOneFile).
//
// The Vietnamese is for buyers and shopkeepers: plain words ("the code was
// altered or is a fake"), not cryptography.

// Words are one text in both languages.
type Words struct{ VI, EN string }

// In is the text in lang.
func (w Words) In(lang ocop.Lang) string {
	if lang == ocop.EN {
		return w.EN
	}
	return w.VI
}

// Tone is how loudly an outcome is told (the page's colour and icon).
type Tone string

// The tones.
const (
	ToneOK   Tone = "ok"
	ToneWarn Tone = "warn"
	ToneBad  Tone = "bad"
)

// Telling is how a verdict is told to a person, besides its sentence.
//
// On the page a verdict is three lines that each say something else: the
// headline what the code is, the sentence (Verify's message) what the
// records say of this very code, the advice what to do now. Pages that said
// "genuine" three times over told a buyer nothing more the second time
// (TestNoPageSaysAThingTwice).
type Telling struct {
	// Label is the CLI's short label, in capitals.
	Label Words
	// Headline heads the stamp page.
	Headline Words
	// Advice tells the reader what to do, under the sentence on the page.
	Advice Words
	Tone   Tone
}

// byCause is how one cause of a verdict is told where it differs from the
// verdict's own headline and advice: a recalled lot is not a stolen stamp.
type byCause struct{ Headline, Advice Words }

type told struct {
	Telling
	// sentences say the verdict in one sentence, by cause (NoCause for a
	// verdict that has one). A reason, where there is one, follows it.
	sentences map[Cause]Words
	causes    map[Cause]byCause
}

var verdicts = map[estampv1.Verdict]told{
	estampv1.Verdict_VERDICT_GENUINE: {Telling: Telling{
		Label:    Words{"CHÍNH HÃNG", "GENUINE"},
		Headline: Words{"Sản phẩm chính hãng", "Genuine product"},
		Advice:   Words{"Hãy xem tên hàng, số lô và hạn sử dụng dưới đây có khớp với nhãn trên món hàng không.", "Check that the name, lot and expiry date below match the label on the item."},
		Tone:     ToneOK,
	}, sentences: map[Cause]Words{NoCause: {"Tem do cơ quan OCOP phát hành và chưa bị thu hồi.", "Issued by the OCOP office and not withdrawn."}}},
	estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED: {Telling: Telling{
		Label:    Words{"CHỨNG NHẬN OCOP HẾT HẠN", "OCOP CERTIFICATE EXPIRED"},
		Headline: Words{"Chứng nhận OCOP đã hết hạn", "OCOP certificate expired"},
		Advice:   Words{"Nguồn gốc là thật; đừng chọn mua chỉ vì số sao.", "The origin is real; do not choose it for its stars alone."},
		Tone:     ToneWarn,
	}, sentences: map[Cause]Words{NoCause: {"Tem do cơ quan OCOP phát hành, nhưng hạng sao trên nhãn chưa được đánh giá lại.", "The OCOP office issued this stamp, but the stars on the label have not been re-assessed."}}},
	estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED: {Telling: Telling{
		Label:    Words{"CHỨNG NHẬN OCOP BỊ THU HỒI", "OCOP CERTIFICATE REVOKED"},
		Headline: Words{"Chứng nhận OCOP đã bị thu hồi", "OCOP certificate revoked"},
		Advice:   Words{"Đừng chọn mua vì nhãn OCOP hay số sao trên bao bì.", "Do not choose it for the OCOP label or the stars on the package."},
		Tone:     ToneBad,
	}, sentences: map[Cause]Words{NoCause: {"Sản phẩm đã mất danh hiệu OCOP, dù tem là tem thật.", "The product has lost its OCOP status, though the stamp is real."}}},
	estampv1.Verdict_VERDICT_REVOKED: {Telling: Telling{
		Label:    Words{"TEM ĐÃ BỊ THU HỒI", "STAMP REVOKED"},
		Headline: Words{"Tem đã bị thu hồi", "Stamp withdrawn"},
		Advice:   Words{"Đừng mua món hàng mang tem này và hãy báo cơ quan quản lý.", "Do not buy the item that carries it, and report it."},
		Tone:     ToneBad,
	}, sentences: map[Cause]Words{
		StampRevoked: {"Riêng tem này đã bị hủy.", "This one stamp was cancelled."},
		BatchRevoked: {"Mọi sản phẩm cùng lô với tem này đã bị rút khỏi thị trường.", "Every item of this stamp's lot was withdrawn from sale."},
	}, causes: map[Cause]byCause{
		BatchRevoked: {
			Headline: Words{"Lô hàng đã bị thu hồi", "Lot recalled"},
			Advice:   Words{"Đừng dùng món hàng này; nếu đã mua, hãy mang trả lại nơi bán.", "Do not use this item; if you bought it, take it back to the shop."},
		},
	}},
	estampv1.Verdict_VERDICT_BAD_SIGNATURE: {Telling: Telling{
		Label:    Words{"TEM GIẢ HOẶC MÃ ĐÃ BỊ SỬA", "FAKE OR ALTERED CODE"},
		Headline: Words{"Không phải tem chính hãng", "Not a genuine stamp"},
		Advice:   Words{"Đừng mua sản phẩm này và hãy báo cơ quan quản lý thị trường.", "Do not buy this product, and tell the market authorities."},
		Tone:     ToneBad,
	}, sentences: map[Cause]Words{NoCause: {"Mã trên tem đã bị sửa hoặc là mã giả.", "The code was altered or is a fake."}}},
	estampv1.Verdict_VERDICT_UNKNOWN_KEY: {Telling: Telling{
		Label:    Words{"KHÔNG XÁC THỰC ĐƯỢC TEM", "CANNOT BE VERIFIED"},
		Headline: Words{"Không xác thực được tem", "Stamp cannot be verified"},
		Advice:   Words{"Đừng tin vào thông tin trên nhãn; hãy hỏi người bán hoặc báo cơ quan quản lý.", "Do not trust what the label says; ask the seller or tell the authorities."},
		Tone:     ToneBad,
	}, sentences: map[Cause]Words{NoCause: {"Tem không do hệ thống tem OCOP này phát hành.", "The stamp was not issued by this OCOP stamp service."}}},
	estampv1.Verdict_VERDICT_KEY_COMPROMISED: {Telling: Telling{
		Label:    Words{"KHÔNG CÒN XÁC THỰC ĐƯỢC TEM", "CAN NO LONGER BE VERIFIED"},
		Headline: Words{"Không còn xác thực được tem", "Stamp can no longer be verified"},
		Advice:   Words{"Đừng dựa vào tem này khi mua; hãy hỏi người bán hoặc cơ quan quản lý.", "Do not rely on this stamp when buying; ask the seller or the authorities."},
		Tone:     ToneBad,
	}, sentences: map[Cause]Words{NoCause: {
		"Mã bí mật dùng để tạo tem đã bị lộ, nên tem này có thể là giả dù trông như thật.",
		"The secret used to make stamps has leaked, so this one may be a fake that looks real.",
	}}},
	estampv1.Verdict_VERDICT_NOT_ISSUED: {Telling: Telling{
		Label:    Words{"TEM CHƯA TỪNG ĐƯỢC PHÁT HÀNH", "NEVER ISSUED"},
		Headline: Words{"Tem chưa từng được phát hành", "Stamp never issued"},
		Advice:   Words{"Đừng mua sản phẩm và hãy báo cơ quan quản lý.", "Do not buy the product, and tell the authorities."},
		Tone:     ToneBad,
	}, sentences: map[Cause]Words{NoCause: {"Mã có vẻ hợp lệ nhưng không khớp với tem nào trong hồ sơ.", "The code looks valid but matches no stamp on record."}}},
	estampv1.Verdict_VERDICT_NOT_ACTIVATED: {Telling: Telling{
		Label:    Words{"TEM CHƯA ĐƯỢC KÍCH HOẠT", "STAMP NOT ACTIVATED"},
		Headline: Words{"Tem chưa được kích hoạt", "Stamp not activated"},
		Advice:   Words{"Đừng mua sản phẩm này; nếu người bán nói hàng thật, hãy báo cơ quan quản lý.", "Do not buy this product; if the seller says it is genuine, tell the authorities."},
		Tone:     ToneBad,
	}, sentences: map[Cause]Words{NoCause: {
		"Nhãn được in sẵn nhưng chủ thể chưa từng dán lên hàng: có thể là nhãn bị lấy cắp hoặc in thừa.",
		"The label was printed ahead but its producer never put it on goods: it may be stolen or surplus.",
	}}},
	estampv1.Verdict_VERDICT_UNKNOWN_ISSUER: {Telling: Telling{
		Label:    Words{"KHÔNG RÕ NƠI PHÁT HÀNH", "UNKNOWN ISSUER"},
		Headline: Words{"Không rõ nơi phát hành tem", "Issuer not recognised"},
		Advice:   Words{"Đừng tin vào nhãn này; hãy hỏi người bán hoặc báo cơ quan quản lý thị trường.", "Do not trust this label; ask the seller or tell the market authorities."},
		Tone:     ToneBad,
	}, sentences: map[Cause]Words{NoCause: {
		"Địa chỉ trong mã không thuộc tỉnh, thành nào trong danh sách tin cậy quốc gia.",
		"The address in the code belongs to no province on the national trust list.",
	}}},
	estampv1.Verdict_VERDICT_MALFORMED: {Telling: Telling{
		Label:    Words{"KHÔNG PHẢI MÃ TEM OCOP", "NOT AN OCOP STAMP"},
		Headline: Words{"Không nhận ra mã", "Code not recognised"},
		Advice:   Words{"Hãy quét lại đúng con tem, hoặc gõ mã in dưới tem.", "Scan the stamp itself again, or type the characters printed under it."},
		Tone:     ToneBad,
	}, sentences: map[Cause]Words{
		NotACode:    {"Đây không theo mẫu mã tem OCOP; có thể camera đã đọc một mã QR khác trên bao bì.", "This is not in the form of an OCOP stamp code; the camera may have read another QR code on the package."},
		NewerFormat: {"Mã tem theo định dạng mới mà hệ thống này chưa đọc được.", "The stamp uses a newer format than this service reads."},
		LookAlike:   {"Địa chỉ trong mã không thuộc hệ thống tem OCOP này.", "The address in the code does not belong to this OCOP stamp service."},
	}},
}

// copied tells a genuine stamp that shows signs of being copied: a
// photocopied label verifies like the original, so the product is not
// called genuine.
var copied = told{Telling: Telling{
	Label:    Words{"CHÍNH HÃNG — CẦN LƯU Ý", "GENUINE — TAKE CARE"},
	Headline: Words{"Tem có thể đã bị sao chép", "This stamp may have been copied"},
	Advice:   Words{"Hãy hỏi người bán nguồn hàng; nếu nhãn trông như bản in lại, đừng mua và hãy báo cơ quan quản lý.", "Ask the seller where the goods came from; if the label looks reprinted, do not buy, and report it."},
	Tone:     ToneWarn,
}}

// A genuine stamp checked online is told by its scans, and a copied one
// by the sign that gives it away: its count of scans and since when, or
// the shops that received it. They are format strings.
var (
	firstScan     = Words{"Đây là lần quét đầu tiên của tem này.", "This is the first time this stamp has been scanned."}
	scannedBefore = Words{"Tem đã được quét trước lần này; lịch sử quét cho biết khi nào.", "It has been scanned before; its scan history says when."}
	manyScans     = Words{"Tem đã được quét %d lần kể từ ngày %s, nhiều hơn một món hàng thường được quét.", "Scanned %d times since %s, more than one item usually is."}
	severalShops  = Words{"Tem đã được %d cửa hàng nhận, trong khi mỗi tem chỉ đi cùng một món hàng.", "Received by %d shops, yet each stamp goes with one item only."}
	shopsAndScans = Words{"Tem đã được %d cửa hàng nhận và được quét %d lần kể từ ngày %s.", "Received by %d shops and scanned %d times since %s."}
	reasonLead    = Words{"Lý do:", "Reason:"}
)

// A stamp of another province is told by whose it is, then by its verdict
// as that province's keys and list decide it. Only a code its issuer's
// key in good standing proves is called issued by that province: an
// altered or unprovable code merely names its address. foreignIssued and
// foreignNamed are format strings of the province's name.
var (
	foreignIssued = Words{"Tem do %s cấp.", "Issued by %s."}
	foreignNamed  = Words{"Mã mang địa chỉ của %s.", "The code bears the address of %s."}
	// A genuine stamp's status is only as good as the province's list
	// this service last fetched, or unknown when it never did.
	foreignUnlisted = Words{"Chưa tải được danh sách thu hồi của tỉnh, nên chưa biết tem có bị thu hồi không.", "This service has not yet fetched the province's revocation list, so whether the stamp was withdrawn is not known here."}
	foreignListed   = Words{"Tỉnh chưa thu hồi tem này.", "The province has not withdrawn it."}
	// The own sentence of an expired certificate begins by who issued the
	// stamp, which the lead has said.
	foreignLapsed = Words{"Hạng sao trên nhãn chưa được đánh giá lại.", "The stars on the label have not been re-assessed."}
	// The key is that province's, not this service's, which the own
	// verdicts' sentences speak of.
	foreignLeaked  = Words{"Tỉnh đã báo mã bí mật dùng để tạo tem bị lộ, nên tem này có thể là giả dù trông như thật.", "The province reports that the secret its stamps are made with has leaked, so this one may be a fake that looks real."}
	foreignUnknown = Words{"Tỉnh không công nhận, hoặc đã thôi công nhận, mã bí mật tạo ra tem này.", "The province does not recognise, or no longer recognises, the secret this stamp was made with."}
	// This service holds neither the product nor the lot of another
	// province's stamp: it calls the stamp genuine, not the product, and
	// sends the buyer to the issuer's page to match the label.
	foreignGenuine = byCause{
		Headline: Words{"Tem chính hãng", "Genuine stamp"},
		Advice:   Words{"Hãy so số sê-ri dưới đây với số in trên nhãn, rồi mở liên kết để xem tên hàng và số lô.", "Compare the serial number below with the one printed on the label, then follow the link for the product's name and lot."},
	}
)

var warnings = map[estampv1.VerifyWarning]Words{
	estampv1.VerifyWarning_VERIFY_WARNING_MANY_SCANS:        {"Tem đã được quét nhiều lần hơn một món hàng thường có: có thể đã bị sao chép.", "Scanned more often than one item would be: it may have been copied."},
	estampv1.VerifyWarning_VERIFY_WARNING_SEVERAL_RETAILERS: {"Tem đã được nhiều cửa hàng nhận: một trong các nhãn là bản sao.", "Received by more than one shop: one of the labels is a copy."},
	estampv1.VerifyWarning_VERIFY_WARNING_SCAN_NOT_RECORDED: {"Lần quét này chưa được ghi lại do sự cố lưu trữ của hệ thống; kết quả kiểm tra vẫn đúng.", "This scan could not be recorded because of a storage problem on the server; the result still holds."},
}

// intake holds the outcomes that are intake's own; the others are
// verdicts, told in the verdict's words.
var intake = map[estampv1.IntakeVerdict]struct{ Label, Sentence Words }{
	estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED: {
		Words{"Chính hãng, đã nhận", "Genuine, received"},
		Words{"Tem chính hãng, đã ghi nhận nhập kho.", "Genuine stamp; its intake is recorded."}},
	estampv1.IntakeVerdict_INTAKE_VERDICT_ALREADY_RECEIVED: {
		Words{"Đã nhận trước đây (quét lại)", "Received before (a re-scan)"},
		Words{"Cửa hàng đã nhận tem này trước đây: đây là lần quét lại, không phải tem sao chép.", "This shop received the stamp before: a re-scan, not a copy."}},
	estampv1.IntakeVerdict_INTAKE_VERDICT_DUPLICATE_IN_DELIVERY: {
		Words{"TRÙNG TRONG LẦN GIAO", "DUPLICATE IN DELIVERY"},
		Words{"Tem này xuất hiện hai lần trong cùng một lần giao hàng.", "This stamp appears twice in the same delivery."}},
	estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY: {
		Words{"NGHI TEM SAO CHÉP", "SUSPECTED COPY"},
		Words{"Tem đã được cửa hàng khác nhận: nghi tem sao chép.", "Another shop has received this stamp: a suspected copy."}},
	estampv1.IntakeVerdict_INTAKE_VERDICT_SOLD: {
		Words{"Đã bán", "Sold"},
		Words{"Tem chính hãng, đã ghi nhận bán.", "Genuine stamp; its sale is recorded."}},
}

// Copied reports whether warnings are signs that a stamp was copied.
func Copied(ws []estampv1.VerifyWarning) bool {
	return slices.Contains(ws, estampv1.VerifyWarning_VERIFY_WARNING_MANY_SCANS) ||
		slices.Contains(ws, estampv1.VerifyWarning_VERIFY_WARNING_SEVERAL_RETAILERS)
}

func tellingOf(v estampv1.Verdict, ws []estampv1.VerifyWarning) told {
	if v == estampv1.Verdict_VERDICT_GENUINE && Copied(ws) {
		return copied
	}
	t, ok := verdicts[v]
	if !ok {
		return verdicts[estampv1.Verdict_VERDICT_MALFORMED]
	}
	return t
}

// Tell is how a verdict with its warnings is told: a genuine stamp with
// signs of copying gets words of its own.
func Tell(v estampv1.Verdict, ws []estampv1.VerifyWarning) Telling {
	return tellingOf(v, ws).Telling
}

// TellCause is Tell for a verdict whose cause is known: a recalled lot
// has a headline and advice of its own.
func TellCause(v estampv1.Verdict, c Cause, ws []estampv1.VerifyWarning) Telling {
	t := tellingOf(v, ws)
	tl := t.Telling
	if bc, ok := t.causes[c]; ok {
		tl.Headline, tl.Advice = bc.Headline, bc.Advice
	}
	return tl
}

// CauseOf is the cause a Verify answer shows: whether the stamp itself or
// its lot was revoked. Other causes are told in its sentence only.
func CauseOf(r *estampv1.VerifyResponse) Cause {
	switch {
	case r.GetVerdict() != estampv1.Verdict_VERDICT_REVOKED:
		return NoCause
	case r.GetStampRevokeTime() != nil || r.GetStampRevocationReason() != "":
		return StampRevoked
	}
	return BatchRevoked
}

// Sentence says an outcome in one sentence for a person, then its reason
// (a revocation's, a compromised key's), if any: what an offline check,
// and an online one without scans, says.
func Sentence(o Outcome, lang ocop.Lang) string {
	words, ok := verdicts[o.Verdict].sentences[o.Cause]
	if !ok {
		words = verdicts[estampv1.Verdict_VERDICT_MALFORMED].sentences[NotACode]
	}
	s := words.In(lang)
	switch o.Verdict {
	case estampv1.Verdict_VERDICT_REVOKED, estampv1.Verdict_VERDICT_KEY_COMPROMISED, estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED:
		if o.Reason != "" {
			s += " " + reasonLead.In(lang) + " " + o.Reason
		}
	}
	return s
}

// SplitReason splits a sentence of Sentence or Message in lang before the
// reason that ends it, which is in the words of whoever gave it (mostly
// Vietnamese, on the English page too); reason is "" when there is none.
func SplitReason(s string, lang ocop.Lang) (sentence, reason string) {
	lead := reasonLead.In(lang)
	before, after, ok := strings.Cut(s, " "+lead+" ")
	if !ok {
		return s, ""
	}
	return before + " " + lead, after
}

// Scans is what Message tells a genuine stamp by.
type Scans struct {
	// Count is how often the stamp was scanned, this scan included, and
	// First when it was first.
	Count uint64
	First time.Time
	// Shops is how many shops received the stamp.
	Shops int
}

// Proven reports whether a verdict rests on a valid signature of an issuer
// key in good standing: what the code says (its serial) is then the
// issuer's word, whatever became of the stamp since.
func Proven(v estampv1.Verdict) bool {
	switch v {
	case estampv1.Verdict_VERDICT_GENUINE, estampv1.Verdict_VERDICT_REVOKED, estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED,
		estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED, estampv1.Verdict_VERDICT_NOT_ACTIVATED:
		return true
	}
	return false
}

// ForeignMessage is Verify's sentence for a code of another province
// (o.IssuerName): whose it is, then its verdict. Its scans and shops are
// that province's, so nothing is said of them here.
func ForeignMessage(o Outcome) Words {
	lead := foreignNamed
	if Proven(o.Verdict) {
		lead = foreignIssued
	}
	var rest Words
	switch o.Verdict {
	case estampv1.Verdict_VERDICT_GENUINE:
		rest = foreignListed
		if o.StatusTime.IsZero() {
			rest = foreignUnlisted
		}
	case estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED:
		rest = foreignLapsed
	case estampv1.Verdict_VERDICT_KEY_COMPROMISED:
		rest = foreignLeaked
	case estampv1.Verdict_VERDICT_UNKNOWN_KEY:
		rest = foreignUnknown
	default:
		rest = Words{Sentence(o, ocop.VI), Sentence(o, ocop.EN)}
	}
	return Words{fmt.Sprintf(lead.VI, o.IssuerName) + " " + rest.VI, fmt.Sprintf(lead.EN, o.IssuerName) + " " + rest.EN}
}

// TellForeign is TellCause for a code of another province, whose product
// this service cannot show.
func TellForeign(v estampv1.Verdict, c Cause) Telling {
	tl := TellCause(v, c, nil)
	if v == estampv1.Verdict_VERDICT_GENUINE {
		tl.Headline, tl.Advice = foreignGenuine.Headline, foreignGenuine.Advice
	}
	return tl
}

// Message is Verify's sentence for an outcome (VerifyResponse.message and
// message_en): an issued genuine stamp is told by its scans, and one with
// signs of copying by the sign that applies, in numbers.
func Message(o Outcome, s Scans, ws []estampv1.VerifyWarning) Words {
	if o.Verdict != estampv1.Verdict_VERDICT_GENUINE {
		return Words{Sentence(o, ocop.VI), Sentence(o, ocop.EN)}
	}
	since := func(lang ocop.Lang) string { return ocop.ShowDay(s.First, lang) }
	many := slices.Contains(ws, estampv1.VerifyWarning_VERIFY_WARNING_MANY_SCANS)
	several := slices.Contains(ws, estampv1.VerifyWarning_VERIFY_WARNING_SEVERAL_RETAILERS)
	switch {
	case many && several:
		return Words{fmt.Sprintf(shopsAndScans.VI, s.Shops, s.Count, since(ocop.VI)), fmt.Sprintf(shopsAndScans.EN, s.Shops, s.Count, since(ocop.EN))}
	case several:
		return Words{fmt.Sprintf(severalShops.VI, s.Shops), fmt.Sprintf(severalShops.EN, s.Shops)}
	case many:
		return Words{fmt.Sprintf(manyScans.VI, s.Count, since(ocop.VI)), fmt.Sprintf(manyScans.EN, s.Count, since(ocop.EN))}
	case s.Count == 1:
		return firstScan
	case s.Count > 1:
		return scannedBefore
	}
	return Words{Sentence(o, ocop.VI), Sentence(o, ocop.EN)}
}

// Warning says a warning for a person.
func Warning(w estampv1.VerifyWarning) Words { return warnings[w] }

// IntakeLabel is the CLI's short label of an intake outcome.
func IntakeLabel(v estampv1.IntakeVerdict) Words {
	if w, ok := intake[v]; ok {
		return w.Label
	}
	return tellingOf(verdictOfIntake(v), nil).Label
}

// IntakeSentence says an intake outcome in one sentence: intake's own
// words for its own outcomes, else the sentence Verify gives for o.
func IntakeSentence(v estampv1.IntakeVerdict, o Outcome) Words {
	if w, ok := intake[v]; ok {
		return w.Sentence
	}
	return Words{Sentence(o, ocop.VI), Sentence(o, ocop.EN)}
}

// verdictOfIntake is the verdict an intake outcome that is not intake's
// own stands for.
func verdictOfIntake(v estampv1.IntakeVerdict) estampv1.Verdict {
	for vd, iv := range intakeOf {
		if iv == v {
			return vd
		}
	}
	return estampv1.Verdict_VERDICT_MALFORMED
}

// A sale (CustodyService.RecordSale) says its own outcomes in sale's
// words where intake's would be wrong (a sale is no delivery; SOLD, its
// own outcome, is with intake's above). A stamp sold before is a
// suspected copy wherever it turns up again, at intake or at a till, and
// is told by where and when it was sold, so that the clerk knows whom to
// ask. soldBefore is a format string: the shop, then the time
// (ocop.ShowTime).
var (
	sale = map[estampv1.IntakeVerdict]struct{ Label, Sentence Words }{
		estampv1.IntakeVerdict_INTAKE_VERDICT_DUPLICATE_IN_DELIVERY: {
			Words{"TRÙNG TRONG LẦN BÁN", "DUPLICATE IN SALE"},
			Words{"Tem này xuất hiện hai lần trong cùng một lần bán.", "This stamp appears twice in the same sale."}},
	}
	soldBefore = Words{"Tem này đã bán tại %s lúc %s: nghi tem sao chép.", "This stamp was already sold at %s on %s: a suspected copy."}
)

// SoldBefore is the sentence of a stamp that turns up, at intake or at a
// till, after shop sold it at `at`: a suspected copy.
func SoldBefore(shop string, at time.Time) Words {
	return Words{fmt.Sprintf(soldBefore.VI, shop, ocop.ShowTime(at, ocop.VI)), fmt.Sprintf(soldBefore.EN, shop, ocop.ShowTime(at, ocop.EN))}
}

// SaleLabel is the short label of a sale's outcome.
func SaleLabel(v estampv1.IntakeVerdict) Words {
	if w, ok := sale[v]; ok {
		return w.Label
	}
	return IntakeLabel(v)
}

// SaleSentence says a sale's outcome in one sentence, as IntakeSentence
// says intake's; a suspected copy is told by SoldBefore instead.
func SaleSentence(v estampv1.IntakeVerdict, o Outcome) Words {
	if w, ok := sale[v]; ok {
		return w.Sentence
	}
	return IntakeSentence(v, o)
}
