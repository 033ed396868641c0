package verdict

import (
	"slices"

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
type Telling struct {
	// Label is the CLI's short label, in capitals.
	Label Words
	// Headline heads the stamp page.
	Headline Words
	// Advice tells the reader what to do, under the sentence on the page.
	Advice Words
	Tone   Tone
}

type told struct {
	Telling
	// sentences say the verdict in one sentence, by cause (NoCause for a
	// verdict that has one). A reason, where there is one, follows it.
	sentences map[Cause]Words
}

var verdicts = map[estampv1.Verdict]told{
	estampv1.Verdict_VERDICT_GENUINE: {Telling{
		Label:    Words{"CHÍNH HÃNG", "GENUINE"},
		Headline: Words{"Sản phẩm chính hãng", "Genuine product"},
		Advice:   Words{"Tem hợp lệ và do cơ quan OCOP phát hành. Bạn có thể yên tâm về nguồn gốc.", "The stamp is valid and was issued by the OCOP authority. Its origin is confirmed."},
		Tone:     ToneOK,
	}, map[Cause]Words{NoCause: {"Tem chính hãng.", "Genuine stamp."}}},
	estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED: {Telling{
		Label:    Words{"CHỨNG NHẬN OCOP HẾT HẠN", "OCOP CERTIFICATE EXPIRED"},
		Headline: Words{"Chứng nhận OCOP đã hết hạn", "OCOP certificate expired"},
		Advice:   Words{"Sản phẩm có nguồn gốc rõ ràng, nhưng chứng nhận OCOP đã hết hiệu lực nên hạng sao chưa được xác nhận lại.", "The origin is confirmed, but the OCOP certificate has lapsed, so the star grade is not currently confirmed."},
		Tone:     ToneWarn,
	}, map[Cause]Words{NoCause: {"Tem thật, nhưng giấy chứng nhận OCOP của sản phẩm đã hết hạn.", "Genuine stamp, but the product's OCOP certificate has expired."}}},
	estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED: {Telling{
		Label:    Words{"CHỨNG NHẬN OCOP BỊ THU HỒI", "OCOP CERTIFICATE REVOKED"},
		Headline: Words{"Chứng nhận OCOP đã bị thu hồi", "OCOP certificate revoked"},
		Advice:   Words{"Sản phẩm không còn được công nhận OCOP. Hãy cân nhắc trước khi mua.", "The product is no longer OCOP certified. Think twice before buying."},
		Tone:     ToneBad,
	}, map[Cause]Words{NoCause: {"Tem thật, nhưng giấy chứng nhận OCOP của sản phẩm đã bị thu hồi.", "Genuine stamp, but the product's OCOP certificate has been revoked."}}},
	estampv1.Verdict_VERDICT_REVOKED: {Telling{
		Label:    Words{"TEM ĐÃ BỊ THU HỒI", "STAMP REVOKED"},
		Headline: Words{"Tem đã bị thu hồi", "Stamp revoked"},
		Advice:   Words{"Tem này không còn giá trị. Đừng mua sản phẩm; hãy báo người bán hoặc cơ quan quản lý.", "This stamp is no longer valid. Do not buy the product; tell the seller or the authorities."},
		Tone:     ToneBad,
	}, map[Cause]Words{
		StampRevoked: {"Tem này đã bị thu hồi:", "This stamp has been revoked:"},
		BatchRevoked: {"Cả lô hàng mang tem này đã bị thu hồi:", "The whole lot this stamp belongs to has been recalled:"},
	}},
	estampv1.Verdict_VERDICT_BAD_SIGNATURE: {Telling{
		Label:    Words{"TEM GIẢ HOẶC MÃ ĐÃ BỊ SỬA", "FAKE OR ALTERED CODE"},
		Headline: Words{"Không phải tem chính hãng", "Not a genuine stamp"},
		Advice:   Words{"Đừng mua sản phẩm này và hãy báo cơ quan quản lý thị trường.", "Do not buy this product, and tell the market authorities."},
		Tone:     ToneBad,
	}, map[Cause]Words{NoCause: {"Mã trên tem đã bị sửa hoặc là mã giả.", "The code was altered or is a fake."}}},
	estampv1.Verdict_VERDICT_UNKNOWN_KEY: {Telling{
		Label:    Words{"KHÔNG XÁC THỰC ĐƯỢC TEM", "CANNOT BE VERIFIED"},
		Headline: Words{"Không xác thực được tem", "Stamp cannot be verified"},
		Advice:   Words{"Đừng tin vào thông tin trên nhãn; hãy hỏi người bán hoặc báo cơ quan quản lý.", "Do not trust what the label says; ask the seller or tell the authorities."},
		Tone:     ToneBad,
	}, map[Cause]Words{NoCause: {"Tem không do hệ thống tem OCOP này phát hành.", "The stamp was not issued by this OCOP stamp service."}}},
	estampv1.Verdict_VERDICT_KEY_COMPROMISED: {Telling{
		Label:    Words{"KHÔNG CÒN XÁC THỰC ĐƯỢC TEM", "CAN NO LONGER BE VERIFIED"},
		Headline: Words{"Không còn xác thực được tem", "Stamp can no longer be verified"},
		Advice:   Words{"Đừng dựa vào tem này để mua hàng; hãy hỏi người bán hoặc cơ quan quản lý.", "Do not rely on this stamp when buying; ask the seller or the authorities."},
		Tone:     ToneBad,
	}, map[Cause]Words{NoCause: {
		"Khóa ký của đơn vị cấp tem đã bị lộ, nên không còn gì chứng minh tem này là thật. Lý do:",
		"The issuer's signing key was compromised, so nothing proves this stamp genuine any more. Reason:",
	}}},
	estampv1.Verdict_VERDICT_NOT_ISSUED: {Telling{
		Label:    Words{"TEM CHƯA TỪNG ĐƯỢC PHÁT HÀNH", "NEVER ISSUED"},
		Headline: Words{"Tem chưa từng được phát hành", "Stamp never issued"},
		Advice:   Words{"Đừng mua sản phẩm và hãy báo cơ quan quản lý.", "Do not buy the product, and tell the authorities."},
		Tone:     ToneBad,
	}, map[Cause]Words{NoCause: {"Mã trông như mã thật nhưng không có tem nào như vậy trong hồ sơ phát hành.", "The code looks real, but no such stamp was ever issued."}}},
	estampv1.Verdict_VERDICT_MALFORMED: {Telling{
		Label:    Words{"KHÔNG PHẢI MÃ TEM OCOP", "NOT AN OCOP STAMP"},
		Headline: Words{"Không nhận ra mã", "Code not recognised"},
		Advice:   Words{"Hãy quét lại, hoặc gõ mã in dưới tem.", "Scan again, or type the code printed under the stamp."},
		Tone:     ToneBad,
	}, map[Cause]Words{
		NotACode:    {"Đây không phải mã tem điện tử OCOP.", "This is not an OCOP e-stamp code."},
		NewerFormat: {"Mã tem theo định dạng mới mà hệ thống này chưa đọc được.", "The stamp uses a newer format than this service reads."},
		LookAlike:   {"Địa chỉ trong mã không thuộc hệ thống tem OCOP này.", "The address in the code does not belong to this OCOP stamp service."},
	}},
}

// copied tells a genuine stamp that shows signs of being copied.
var copied = told{Telling{
	Label:    Words{"CHÍNH HÃNG — CẦN LƯU Ý", "GENUINE — TAKE CARE"},
	Headline: Words{"Sản phẩm chính hãng — cần lưu ý", "Genuine product — take care"},
	Advice:   Words{"Nhãn này có thể là bản sao. Nếu bạn vừa mua hàng, hãy hỏi người bán hoặc báo cơ quan quản lý.", "This label may be a copy. If you just bought the product, ask the seller or tell the authorities."},
	Tone:     ToneWarn,
}, map[Cause]Words{NoCause: {"Mã tem hợp lệ nhưng có dấu hiệu bị sao chép: tem đã được quét nhiều lần hoặc đã được nhiều cửa hàng nhận.", "The code is valid but shows signs of copying: it was scanned many times or received by several shops."}}}

// A genuine stamp checked online is told by its scans.
var (
	firstScan     = Words{"Tem chính hãng. Đây là lần quét đầu tiên.", "Genuine stamp. This is its first scan."}
	scannedBefore = Words{"Tem chính hãng. Tem đã được quét trước đó; nếu bạn vừa mua hàng, hãy xem lịch sử quét.", "Genuine stamp. It has been scanned before; if you just bought this, check the scan history."}
	reasonLead    = Words{"Lý do:", "Reason:"}
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

// Sentence says an outcome in one sentence for a person, with its reason
// (a revocation's, a compromised key's): what an offline check, and an
// online one without scans, says.
func Sentence(o Outcome, lang ocop.Lang) string {
	words, ok := verdicts[o.Verdict].sentences[o.Cause]
	if !ok {
		words = verdicts[estampv1.Verdict_VERDICT_MALFORMED].sentences[NotACode]
	}
	s := words.In(lang)
	switch {
	case o.Cause == StampRevoked || o.Cause == BatchRevoked || o.Verdict == estampv1.Verdict_VERDICT_KEY_COMPROMISED:
		s += " " + o.Reason
	case o.Verdict == estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED && o.Reason != "":
		s += " " + reasonLead.In(lang) + " " + o.Reason
	}
	return s
}

// Message is Verify's sentence for an outcome (VerifyResponse.message and
// message_en): an issued genuine stamp is told by its scans and warnings.
func Message(o Outcome, scans uint64, ws []estampv1.VerifyWarning) Words {
	switch {
	case o.Verdict != estampv1.Verdict_VERDICT_GENUINE:
	case Copied(ws):
		return copied.sentences[NoCause]
	case scans == 1:
		return firstScan
	case scans > 1:
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
