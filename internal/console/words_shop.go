package console

// shopWords are a shop's pages'. What each outcome of a code is called
// comes from package verdict.
var shopWords = catalogue{
	"nav.shop.intake":     {"Nhận hàng", "Receive goods"},
	"nav.shop.deliveries": {"Các lần nhận", "Deliveries"},

	// Intake, and the camera's words (scan.js says only what the page
	// gives it).
	"shop.intake.intro":     {"Quét tem trên từng sản phẩm của lô hàng được giao. Hệ thống kiểm tra từng mã và báo tem giả hoặc tem sao chép trước khi bạn nhận.", "Scan the stamp on every item of the delivery. Each code is checked, and fakes or copied stamps are shown before you take the goods in."},
	"shop.camera.open":      {"Mở camera", "Open camera"},
	"shop.camera.stop":      {"Tắt camera", "Stop camera"},
	"shop.camera.starting":  {"Đang mở camera…", "Opening the camera…"},
	"shop.camera.ready":     {"Hướng camera vào tem", "Point the camera at a stamp"},
	"shop.camera.added":     {"Đã có {n} mã", "{n} codes so far"},
	"shop.camera.duplicate": {"Mã này đã có trong danh sách", "This code is already in the list"},
	"shop.camera.denied":    {"Không mở được camera. Hãy cho phép dùng camera, hoặc dùng máy quét.", "The camera could not be opened. Allow the camera, or use a scanner."},
	"shop.camera.none":      {"Trình duyệt này không đọc được mã QR. Hãy dùng máy quét.", "This browser cannot read QR codes. Use a scanner."},
	"shop.camera.stopped":   {"Đã tắt camera", "Camera off"},
	"shop.camera.unknown":   {"Chưa rõ lô", "Lot not known yet"},
	"shop.camera.count":     {"{label}: {n} mã", "{label}: {n} codes"},
	"shop.counts":           {"Số mã theo lô", "Codes by product lot"},
	"shop.codes":            {"Mã tem, mỗi dòng một mã", "Stamp codes, one a line"},
	"shop.codes.hint":       {"Camera và máy quét cầm tay điền vào đây; cũng có thể dán hoặc gõ mã.", "The camera and a handheld scanner fill this in; you may also paste or type codes."},
	"shop.codes.none":       {"Chưa có mã nào: hãy quét hoặc gõ mã tem.", "No codes yet: scan or type the stamp codes."},
	"shop.reference":        {"Số phiếu giao hàng (không bắt buộc)", "Delivery note number (optional)"},
	"shop.submit":           {"Nhận hàng", "Receive goods"},
	"shop.lot":              {"Lô", "Lot"},

	// The result of intake, and a delivery read back.
	"shop.result.title":     {"Kết quả nhận hàng", "Delivery checked"},
	"shop.result.allgood":   {"Mọi tem đều chính hãng: đã nhận hàng.", "Every stamp is genuine: the goods are received."},
	"shop.result.problems":  {"Có mã không nhận được: xem các dòng đầu bảng.", "Some codes were not taken in: see the first rows of the table."},
	"shop.delivery.title":   {"Lần nhận hàng", "Delivery"},
	"shop.delivery.heading": {"Lần nhận số %d", "Delivery no. %d"},
	"shop.delivery.link":    {"Xem lần nhận này", "Open this delivery"},
	"shop.delivery.again":   {"Nhận lô hàng khác", "Receive another delivery"},
	"shop.delivery.id":      {"Lần nhận số", "Delivery no."},
	"shop.received":         {"Thời gian nhận", "Received"},
	"shop.actor":            {"Người nhận", "Received by"},
	"shop.reference.short":  {"Số phiếu giao hàng", "Delivery note"},
	"shop.codes.count":      {"Số mã", "Codes"},
	"shop.problems":         {"Mã có vấn đề", "Problems"},
	"shop.verdicts":         {"Kết quả theo loại", "Outcomes"},
	"shop.verdict":          {"Kết quả", "Outcome"},
	"shop.lots":             {"Theo lô hàng", "By product lot"},
	"shop.lots.scanned":     {"Đã quét", "Scanned"},
	"shop.lots.accepted":    {"Nhận được", "Taken in"},
	"shop.rows.all":         {"Từng mã", "Every code"},
	"shop.rows.problems":    {"Các mã có vấn đề", "Codes with problems"},
	"shop.rows.none":        {"Không có mã nào có vấn đề.", "No code had a problem."},
	"shop.line":             {"Dòng", "Line"},
	"shop.serial":           {"Số sê-ri", "Serial"},
	"shop.product":          {"Sản phẩm", "Product"},
	"shop.reason":           {"Lý do", "Why"},
	"shop.leftout":          {"Còn %d mã có vấn đề không được lưu chi tiết.", "%d more problems were not kept in detail."},
	"shop.copy.other":       {"Đã được %s nhận trước.", "Received before by %s."},
	"shop.copy.other.on":    {"Đã được %s nhận ngày %s.", "Received by %s on %s."},

	// The list of deliveries.
	"shop.deliveries.intro": {"Các lần nhận hàng của cửa hàng, mới nhất trước.", "The shop's deliveries, newest first."},
	"shop.deliveries.none":  {"Chưa có lần nhận hàng nào.", "No deliveries yet."},
	"shop.deliveries.first": {"Về trang đầu", "Back to the first page"},
	"shop.deliveries.open":  {"Xem", "Open"},
}
