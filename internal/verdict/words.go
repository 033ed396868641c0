package verdict

import (
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// sentences say each outcome in one sentence, [vi, en]. A reason, where
// the outcome has one, follows the sentence.
var sentences = map[estampv1.Verdict]map[Cause][2]string{
	estampv1.Verdict_VERDICT_GENUINE: {NoCause: {"Tem chính hãng.", "Genuine stamp."}},
	estampv1.Verdict_VERDICT_MALFORMED: {
		NotACode:    {"Đây không phải mã tem điện tử OCOP.", "This is not an OCOP e-stamp code."},
		NewerFormat: {"Mã tem dùng định dạng mới hơn phiên bản máy chủ này.", "The stamp uses a newer format than this server reads."},
		LookAlike:   {"Địa chỉ trong mã không thuộc hệ thống tem OCOP này.", "The address in the code does not belong to this OCOP stamp service."},
	},
	estampv1.Verdict_VERDICT_UNKNOWN_KEY:   {NoCause: {"Mã tem được ký bằng khóa không do đơn vị này cấp.", "The stamp is signed by a key this issuer does not know."}},
	estampv1.Verdict_VERDICT_BAD_SIGNATURE: {NoCause: {"Chữ ký không hợp lệ: mã tem đã bị sửa đổi hoặc làm giả.", "Invalid signature: the code was altered or forged."}},
	estampv1.Verdict_VERDICT_KEY_COMPROMISED: {NoCause: {
		"Khóa ký của tem này đã bị lộ, nên chữ ký không chứng minh được tem là thật. Lý do:",
		"The key that signed this stamp was compromised, so its signature proves nothing. Reason:",
	}},
	estampv1.Verdict_VERDICT_NOT_ISSUED: {NoCause: {"Chữ ký hợp lệ nhưng không có tem nào như vậy được phát hành.", "The signature is valid but no such stamp was issued."}},
	estampv1.Verdict_VERDICT_REVOKED: {
		StampRevoked: {"Tem này đã bị thu hồi:", "This stamp has been revoked:"},
		BatchRevoked: {"Cả lô tem này đã bị thu hồi:", "This stamp's whole batch has been recalled:"},
	},
	estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED: {NoCause: {"Tem thật, nhưng giấy chứng nhận OCOP của sản phẩm đã bị thu hồi.", "Genuine stamp, but the product's OCOP certificate has been revoked."}},
	estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED: {NoCause: {"Tem thật, nhưng giấy chứng nhận OCOP của sản phẩm đã hết hạn.", "Genuine stamp, but the product's OCOP certificate has expired."}},
}

// Sentence says an outcome in one sentence for a person.
func Sentence(o Outcome, lang ocop.Lang) string {
	words, ok := sentences[o.Verdict][o.Cause]
	if !ok {
		words = sentences[estampv1.Verdict_VERDICT_MALFORMED][NotACode]
	}
	s := words[0]
	if lang == ocop.EN {
		s = words[1]
	}
	switch {
	case o.Cause == StampRevoked || o.Cause == BatchRevoked || o.Verdict == estampv1.Verdict_VERDICT_KEY_COMPROMISED:
		s += " " + o.Reason
	case o.Verdict == estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED && o.Reason != "":
		s += [2]string{" Lý do: ", " Reason: "}[btoi(lang == ocop.EN)] + o.Reason
	}
	return s
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
