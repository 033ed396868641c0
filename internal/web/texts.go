package web

import "github.com/ocopvn/estamp/internal/ocop"

// texts are the words of the pages in one language.
type texts struct {
	Site, Switch, Footer                                              string
	HomeTitle, HomeIntro, CodeLabel, Check, Again, NoCode             string
	Group, Producer, Origin, Legacy, Certificate, Decision, Authority string
	DecisionDate, ValidUntil, Status, Stamp, Lot, Produced, Expiry    string
	Serial, Issued, Scans, None, ServerError                          string
	NoScans, ScanNotRecorded                                          string
	// Stars and ScanCount are format strings.
	Stars, ScanCount, ScanCountFirst string
	verdicts                         map[verdictKey]verdictText
}

type verdictText struct{ Headline, Advice string }

// verdictKey is a verdict as a page tells it; genuine stamps that were
// scanned many times get a warning of their own.
type verdictKey string

const (
	keyGenuine      verdictKey = "genuine"
	keyManyScans    verdictKey = "many-scans"
	keyExpired      verdictKey = "certificate-expired"
	keyCertRevoked  verdictKey = "certificate-revoked"
	keyRevoked      verdictKey = "revoked"
	keyBadSignature verdictKey = "bad-signature"
	keyUnknownKey   verdictKey = "unknown-key"
	keyCompromised  verdictKey = "key-compromised"
	keyNotIssued    verdictKey = "not-issued"
	keyMalformed    verdictKey = "malformed"
)

var vi = &texts{
	Site: "Tem điện tử OCOP", Switch: "English", Footer: "Mã QR được ký số; trang này kiểm tra chữ ký và hồ sơ phát hành của tem.",
	HomeTitle: "Kiểm tra tem điện tử OCOP", HomeIntro: "Quét mã QR trên tem bằng camera điện thoại, hoặc dán hay gõ mã vào ô dưới đây.",
	CodeLabel: "Mã trên tem", Check: "Kiểm tra", Again: "Kiểm tra mã khác", NoCode: "Hãy nhập mã in trên tem.",
	Group: "Nhóm sản phẩm", Producer: "Chủ thể", Origin: "Xuất xứ", Legacy: "Địa chỉ trước 2025",
	Certificate: "Giấy chứng nhận OCOP", Decision: "Quyết định", Authority: "Cơ quan công nhận",
	DecisionDate: "Ngày quyết định", ValidUntil: "Hiệu lực đến", Status: "Tình trạng", Stamp: "Thông tin lô hàng",
	Lot: "Số lô", Produced: "Ngày sản xuất", Expiry: "Hạn sử dụng", Serial: "Số sê-ri", Issued: "Tem phát hành lúc",
	Scans: "Lịch sử quét", None: "Không ghi", ServerError: "Hệ thống đang gặp sự cố, vui lòng thử lại sau.",
	Stars: "%d sao", ScanCount: "Đã quét %d lần, lần đầu lúc %s", ScanCountFirst: "Lần quét đầu tiên (%s)",
	NoScans: "Chưa có lần quét nào được ghi nhận", ScanNotRecorded: "Lần quét này chưa được ghi lại do sự cố lưu trữ của hệ thống; kết quả kiểm tra vẫn đúng.",
	verdicts: map[verdictKey]verdictText{
		keyGenuine:      {"Sản phẩm chính hãng", "Tem hợp lệ và do cơ quan OCOP phát hành. Bạn có thể yên tâm về nguồn gốc."},
		keyManyScans:    {"Sản phẩm chính hãng — cần lưu ý", "Tem này đã được quét nhiều lần hoặc đã được nhiều cửa hàng nhận, nên có thể đã bị sao chép. Nếu bạn vừa mua hàng, hãy hỏi người bán hoặc báo cơ quan quản lý."},
		keyExpired:      {"Chứng nhận OCOP đã hết hạn", "Sản phẩm có nguồn gốc rõ ràng, nhưng chứng nhận OCOP đã hết hiệu lực nên hạng sao chưa được xác nhận lại."},
		keyCertRevoked:  {"Chứng nhận OCOP đã bị thu hồi", "Sản phẩm không còn được công nhận OCOP. Hãy cân nhắc trước khi mua."},
		keyRevoked:      {"Tem đã bị thu hồi", "Tem này không còn giá trị. Đừng mua sản phẩm; hãy báo người bán hoặc cơ quan quản lý."},
		keyBadSignature: {"Không phải tem chính hãng", "Mã đã bị sửa hoặc làm giả. Đừng mua sản phẩm này và hãy báo cơ quan quản lý thị trường."},
		keyUnknownKey:   {"Không xác thực được tem", "Tem không do hệ thống này phát hành. Đừng tin vào thông tin trên nhãn."},
		keyCompromised:  {"Không còn xác thực được tem", "Khóa ký của đơn vị cấp tem đã bị lộ, nên tem này không còn được coi là chính hãng."},
		keyNotIssued:    {"Tem chưa từng được phát hành", "Không có tem nào như vậy trong hồ sơ. Đừng mua sản phẩm và hãy báo cơ quan quản lý."},
		keyMalformed:    {"Không nhận ra mã", "Đây không phải mã tem điện tử OCOP. Hãy quét lại, hoặc nhập mã in dưới tem."},
	},
}

var en = &texts{
	Site: "OCOP e-stamp", Switch: "Tiếng Việt", Footer: "The QR code is digitally signed; this page checks the signature and the stamp's issuance record.",
	HomeTitle: "Check an OCOP e-stamp", HomeIntro: "Scan the QR code on the stamp with your phone's camera, or paste or type the code below.",
	CodeLabel: "Code on the stamp", Check: "Check", Again: "Check another code", NoCode: "Enter the code printed on the stamp.",
	Group: "Product group", Producer: "Producer", Origin: "Origin", Legacy: "Address before 2025",
	Certificate: "OCOP certificate", Decision: "Decision", Authority: "Certified by",
	DecisionDate: "Decision date", ValidUntil: "Valid until", Status: "Status", Stamp: "Lot",
	Lot: "Lot number", Produced: "Production date", Expiry: "Best before", Serial: "Serial number", Issued: "Stamp issued",
	Scans: "Scan history", None: "Not given", ServerError: "The service has a problem; please try again later.",
	Stars: "%d stars", ScanCount: "Scanned %d times, first on %s", ScanCountFirst: "First scan (%s)",
	NoScans: "No scan recorded yet", ScanNotRecorded: "This scan could not be recorded because of a storage problem on the server; the result above still holds.",
	verdicts: map[verdictKey]verdictText{
		keyGenuine:      {"Genuine product", "The stamp is valid and was issued by the OCOP authority. Its origin is confirmed."},
		keyManyScans:    {"Genuine product — take care", "This stamp was scanned many times or received by several shops, so it may have been copied. If you just bought the product, ask the seller or tell the authorities."},
		keyExpired:      {"OCOP certificate expired", "The origin is confirmed, but the OCOP certificate has lapsed, so the star grade is not currently confirmed."},
		keyCertRevoked:  {"OCOP certificate revoked", "The product is no longer OCOP certified. Think twice before buying."},
		keyRevoked:      {"Stamp revoked", "This stamp is no longer valid. Do not buy the product; tell the seller or the authorities."},
		keyBadSignature: {"Not a genuine stamp", "The code was altered or forged. Do not buy this product and tell the market authorities."},
		keyUnknownKey:   {"Stamp cannot be verified", "The stamp was not issued by this service. Do not trust what the label says."},
		keyCompromised:  {"Stamp can no longer be verified", "The issuer's signing key was compromised, so this stamp no longer counts as genuine."},
		keyNotIssued:    {"Stamp never issued", "No such stamp is on record. Do not buy the product and tell the authorities."},
		keyMalformed:    {"Code not recognised", "This is not an OCOP e-stamp code. Scan again, or type the code printed under the stamp."},
	},
}

func textsFor(lang ocop.Lang) *texts {
	if lang == ocop.EN {
		return en
	}
	return vi
}
