package console

// officeWords are the OCOP office's pages'.
var officeWords = catalogue{
	"nav.office.home":        {"Tổng quan", "Overview"},
	"nav.office.producers":   {"Chủ thể", "Producers"},
	"nav.office.products":    {"Sản phẩm", "Products"},
	"nav.office.retailers":   {"Cửa hàng", "Shops"},
	"nav.office.accounts":    {"Tài khoản", "Accounts"},
	"nav.office.tokens":      {"Mã API", "API tokens"},
	"nav.office.keys":        {"Khóa ký", "Signing keys"},
	"nav.office.audit":       {"Nhật ký", "Audit log"},
	"nav.office.revocations": {"Danh sách thu hồi", "Revocation list"},

	"accounts.intro":           {"Tài khoản cho người dùng bảng điều khiển: cán bộ văn phòng, chủ thể sản xuất và cửa hàng. Máy móc dùng mã API.", "Accounts for the people using the console: office staff, producers and shops. Machines use API tokens."},
	"accounts.new":             {"Tạo tài khoản", "Create an account"},
	"accounts.display_name":    {"Tên người dùng", "Full name"},
	"accounts.role":            {"Vai trò", "Role"},
	"accounts.producer":        {"Chủ thể (với vai trò chủ thể)", "Producer (for the producer role)"},
	"accounts.retailer":        {"Cửa hàng (với vai trò cửa hàng)", "Shop (for the shop role)"},
	"accounts.choose":          {"— Chọn —", "— Choose —"},
	"accounts.create":          {"Tạo tài khoản", "Create account"},
	"accounts.created":         {"Đã tạo tài khoản.", "Account created."},
	"accounts.reset.done":      {"Đã cấp mật khẩu mới. Các phiên đăng nhập của tài khoản đã kết thúc.", "New password issued. The account's sessions have been signed out."},
	"accounts.password.once":   {"Mật khẩu dùng một lần của %s — chỉ hiện lần này. Hãy trao tận tay; lần đăng nhập đầu tiên sẽ phải đổi mật khẩu.", "One-time password for %s — shown this once. Hand it over in person; the first sign-in must change it."},
	"accounts.list":            {"Các tài khoản", "Accounts"},
	"accounts.subject":         {"Thuộc", "For"},
	"accounts.state":           {"Tình trạng", "State"},
	"accounts.active":          {"Đang dùng", "Active"},
	"accounts.mustchange":      {"Chờ đổi mật khẩu", "Awaiting password change"},
	"accounts.disabled":        {"Đã khóa", "Disabled"},
	"accounts.reset":           {"Cấp lại mật khẩu", "Reset password"},
	"accounts.disable":         {"Khóa tài khoản", "Disable account"},
	"accounts.disable.confirm": {"Tôi hiểu: tài khoản sẽ không đăng nhập được nữa, mọi phiên đang mở kết thúc ngay, và không mở lại được.", "I understand: the account can no longer sign in, its open sessions end now, and it cannot be re-enabled."},
	"accounts.created_by":      {"Tạo bởi", "Created by"},

	"office.home.intro": {"Văn phòng OCOP tỉnh: sổ đăng ký, tem và kiểm soát.", "The provincial OCOP office: registry, stamps and oversight."},
}
