// Every string of the interface, Vietnamese first and English second, and the formats
// of dates (dates.js), times and sizes. The choice is kept on the phone.
export { formatDate, formatDateTime } from "./dates.js";

const STRINGS = {
  vi: {
    "app.name": "Sổ Tay 06",
    "app.forms_missing": "Chưa tải được biểu mẫu. Hãy kết nối mạng một lần rồi mở lại ứng dụng.",
    "app.screen_failed": "Không mở được màn hình này: {reason}",
    "nav.home": "Trang chủ", "nav.records": "Bản ghi", "nav.settings": "Cài đặt", "nav.dashboard": "Tiến độ",
    "nav.review": "Duyệt", "nav.conflicts": "Xung đột", "nav.admin": "Quản trị", "nav.communes": "Xã, phường",
    "nav.upward": "Báo cáo", "nav.deadlines": "Hạn, chỉ tiêu",
    "status.online": "Trực tuyến", "status.offline": "Ngoại tuyến",
    "status.unsent": "{n} chưa gửi", "status.last_sync": "Đồng bộ {when}", "status.never_synced": "Chưa đồng bộ lần nào",
    "status.sync_now": "Đồng bộ ngay", "status.syncing": "Đang đồng bộ…",
    "status.pushing": "Đang gửi {done}/{total}", "status.pulling": "Đang nhận {done} bản ghi",
    "status.sync_failed": "Đồng bộ chưa xong ({code}). Sẽ thử lại.",
    "status.said_synced": "Đã đồng bộ. Không còn bản ghi nào chưa gửi.", "status.said_unsent": "{n} bản ghi chưa gửi.",
    "status.said_offline": "Ngoại tuyến. {n} bản ghi chưa gửi, được giữ trên máy.",
    "login.lead": "Sổ tay ghi chép công tác Đề án 06 của thôn, xã. Đăng nhập lần đầu cần có mạng; sau đó dùng được khi không có sóng.",
    "login.username": "Tên đăng nhập", "login.password": "Mật khẩu", "login.submit": "Đăng nhập",
    "login.offline": "Không có mạng. Lần đăng nhập cần kết nối Internet.",
    "login.rate_limited": "Đăng nhập sai quá nhiều lần. Hãy chờ ít phút rồi thử lại.",
    "login.bad_credentials": "Tên đăng nhập hoặc mật khẩu không đúng.",
    "login.device_in_use": "Máy này đang gắn với tài khoản khác. Hãy đăng xuất tài khoản đó trước.",
    "login.failed": "Đăng nhập không thành công.",
    "login.session_ended": "Phiên đăng nhập của {name} đã hết. Nhập lại mật khẩu để tiếp tục đồng bộ; dữ liệu trên máy vẫn còn nguyên.",
    "login.other_user": "Đăng nhập tài khoản khác (đăng xuất tài khoản này)",
    "logout.unsent": "Còn {n} bản ghi chưa gửi lên máy chủ. Đăng xuất sẽ xóa chúng khỏi máy này.",
    "logout.sync_first": "Đồng bộ trước", "logout.export": "Xuất tệp JSON", "logout.anyway": "Vẫn đăng xuất",
    "logout.cancel": "Hủy", "logout.confirm": "Đăng xuất và xóa dữ liệu trên máy này?", "logout.done": "Đã đăng xuất.",
    "revoked.title": "Thiết bị đã bị thu hồi",
    "revoked.explain": "Tổ công tác đã thu hồi quyền truy cập của máy này. Còn {n} bản ghi chưa gửi: hãy xuất tệp và gửi cho Tổ công tác trước khi xóa dữ liệu.",
    "revoked.export": "Xuất các bản ghi chưa gửi", "revoked.wipe": "Xóa dữ liệu trên máy",
    "revoked.wipe_confirm": "Xóa toàn bộ dữ liệu trên máy này? Bản ghi chưa xuất tệp sẽ mất.",
    "revoked.wiped": "Thiết bị đã bị thu hồi; dữ liệu trên máy đã được xóa.",
    "home.hello": "Xin chào, {name}", "home.today": "Hôm nay: {n}", "home.recent": "Bản ghi gần đây",
    "home.no_records": "Chưa có bản ghi nào. Chọn một loại ở trên để bắt đầu.",
    "home.attention": "{n} bản ghi cần bạn xem lại",
    "records.title": "Bản ghi của tôi", "records.search": "Tìm tên, số định danh, SĐT",
    "records.type": "Loại bản ghi", "records.state": "Trạng thái", "records.all_types": "Tất cả các loại",
    "records.all_states": "Mọi trạng thái", "records.attention": "Cần xem lại",
    "records.count": "{n} / {total} bản ghi", "records.none": "Chưa có bản ghi nào.", "records.village_n": "Thôn #{id}",
    "state.pending": "Chưa đồng bộ", "state.synced": "Đã đồng bộ", "state.needs_changes": "Cần bổ sung",
    "state.approved": "Đã duyệt", "state.rejected": "Bị từ chối", "state.conflict": "Xung đột",
    "state.sync_rejected": "Bị từ chối khi đồng bộ",
    "record.missing": "Không tìm thấy bản ghi này trên máy.", "record.version": "phiên bản {n}",
    "record.pending_note": "Bản ghi đã lưu trên máy và sẽ được gửi khi có mạng.",
    "record.asked_changes": "Công an xã yêu cầu bổ sung:", "record.rejected_because": "Lý do từ chối:",
    "record.conflict_note": "Thay đổi của bạn trùng với thay đổi khác trên máy chủ. Tổ công tác sẽ chọn giá trị đúng; không dữ liệu nào bị mất.",
    "record.sync_rejected": "Máy chủ không nhận thay đổi này:",
    "record.fix_and_resend": "Sửa và gửi lại", "record.discard": "Bỏ thay đổi này",
    "record.discard_confirm": "Bỏ thay đổi bị từ chối này? Nội dung đã nhập sẽ mất.",
    "record.edit": "Sửa bản ghi", "record.locked": "Bản ghi đã được xử lý xong, không sửa được nữa.",
    "record.history": "Lịch sử", "record.history_loading": "Đang tải lịch sử…",
    "record.history_offline": "Cần có mạng để xem lịch sử.", "record.history_not_yet": "Lịch sử có sau khi bản ghi được đồng bộ.",
    "history.create": "Tạo mới (phiên bản {version})", "history.update": "Sửa (phiên bản {version})",
    "history.delete": "Xóa (phiên bản {version})", "history.review": "Xét duyệt (phiên bản {version})",
    "history.resolve": "Giải quyết xung đột (phiên bản {version})", "history.changed": "Đã thay đổi: {fields}",
    "form.village": "Thôn", "form.choose": "— Chọn —", "form.yes": "Có", "form.no": "Không",
    "form.full_date": "Biết ngày đầy đủ", "form.month_only": "Chỉ biết tháng/năm", "form.year_only": "Chỉ biết năm",
    "form.save": "Lưu", "form.saved": "Đã lưu trên máy.",
    "form.fix_errors": "Còn thông tin chưa đúng, xem các ô được đánh dấu.",
    "form.save_failed": "Chưa lưu được: {reason}", "form.edit_title": "Sửa: {type}",
    "form.draft_restored": "Đã khôi phục bản nháp lúc {when}.", "form.discard_draft": "Bỏ bản nháp",
    "settings.title": "Cài đặt", "settings.language": "Ngôn ngữ", "settings.storage": "Bộ nhớ",
    "settings.persisted": "Dữ liệu được giữ cố định trên máy.",
    "settings.not_persisted": "Trình duyệt chưa cam kết giữ dữ liệu; hãy đồng bộ thường xuyên.",
    "settings.usage": "Đã dùng {used} / {quota}",
    "settings.retention": "Bản ghi đã duyệt được giữ trên máy này {n} ngày sau khi duyệt, rồi chỉ còn trên máy chủ.",
    "settings.notifications": "Thông báo",
    "settings.notify_on": "Máy này nhận thông báo khi bản ghi được duyệt, cần bổ sung hoặc bị từ chối.",
    "settings.notify_off": "Bật để biết ngay khi Công an xã duyệt hoặc yêu cầu bổ sung bản ghi của bạn.",
    "settings.notify_denied": "Thông báo bị chặn trong cài đặt của trình duyệt.",
    "settings.notify_unsupported": "Trình duyệt này không hỗ trợ thông báo.",
    "settings.notify_offline": "Cần có mạng để bật hoặc tắt thông báo.",
    "settings.notify_enable": "Bật thông báo", "settings.notify_disable": "Tắt thông báo",
    "settings.unsent": "Bản ghi chưa gửi", "settings.unsent_help": "Lưu các bản ghi chưa gửi và bản nháp thành tệp JSON để dự phòng.",
    "settings.export": "Xuất tệp JSON", "settings.about": "Thông tin", "settings.user": "Tài khoản",
    "settings.role": "Vai trò", "settings.commune": "Xã", "settings.app_version": "Phiên bản ứng dụng",
    "settings.forms_version": "Phiên bản biểu mẫu", "settings.device": "Mã thiết bị", "settings.logout": "Đăng xuất",
    "storage.not_persistent": "Trình duyệt có thể xóa dữ liệu khi máy đầy bộ nhớ. Hãy đồng bộ thường xuyên.",
    "storage.nearly_full": "Bộ nhớ máy sắp đầy. Hãy đồng bộ và giải phóng bộ nhớ.",
    "update.available": "Có phiên bản mới — tải lại", "update.reload": "Tải lại",
    "time.just_now": "vừa xong", "time.minutes": "{n} phút trước", "time.hours": "{n} giờ trước", "time.days": "{n} ngày trước",
    "v.required": "Trường này bắt buộc", "v.choose_one": "Chọn ít nhất một mục", "v.text": "Phải là chuỗi ký tự",
    "v.too_long": "Tối đa {max} ký tự", "v.url": "Đường dẫn phải bắt đầu bằng http:// hoặc https://",
    "v.pid_format": "Số định danh cá nhân phải gồm đúng 12 chữ số",
    "v.pid_province": "Mã tỉnh {code} (3 chữ số đầu) không tồn tại",
    "v.future": "Không được là ngày trong tương lai", "v.date_format": "Ngày phải theo dạng ngày/tháng/năm (dd/mm/yyyy)",
    "v.date_missing": "Ngày không tồn tại", "v.date_too_old": "Ngày quá xa trong quá khứ",
    "v.month_missing": "Tháng không tồn tại", "v.partial_date_format": "Nhập ngày/tháng/năm, hoặc tháng/năm hay chỉ năm nếu không rõ ngày",
    "v.time_format": "Giờ phải theo dạng giờ:phút", "v.year_int": "Năm phải là số nguyên",
    "v.year_range": "Năm phải từ {min} đến {max}", "v.integer": "Phải là số nguyên",
    "v.min": "Không được nhỏ hơn {min}", "v.max": "Không được lớn hơn {max}", "v.choice": "Giá trị không hợp lệ",
    "v.boolean": "Phải là có hoặc không",
    "v.phone": "Số di động phải có 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09",
    "v.state_needs": "Cần có khi hồ sơ ở tình trạng «{state}»",
  },
  en: {
    "app.name": "Sổ Tay 06",
    "app.forms_missing": "The forms are not loaded yet. Connect to the network once, then reopen the app.",
    "app.screen_failed": "This screen could not open: {reason}",
    "nav.home": "Home", "nav.records": "Records", "nav.settings": "Settings", "nav.dashboard": "Progress",
    "nav.review": "Review", "nav.conflicts": "Conflicts", "nav.admin": "Admin", "nav.communes": "Communes",
    "nav.upward": "Reports", "nav.deadlines": "Deadlines",
    "status.online": "Online", "status.offline": "Offline",
    "status.unsent": "{n} unsent", "status.last_sync": "Synced {when}", "status.never_synced": "Never synced",
    "status.sync_now": "Sync now", "status.syncing": "Syncing…",
    "status.pushing": "Sending {done}/{total}", "status.pulling": "Received {done} records",
    "status.sync_failed": "Sync did not finish ({code}). It will retry.",
    "status.said_synced": "Synced. Nothing left unsent.", "status.said_unsent": "{n} records not yet sent.",
    "status.said_offline": "Offline. {n} records not yet sent, kept on this phone.",
    "login.lead": "The field notebook for Đề án 06 work in the village and commune. The first login needs the network; after that it works without signal.",
    "login.username": "Username", "login.password": "Password", "login.submit": "Log in",
    "login.offline": "No network. Logging in needs an Internet connection.",
    "login.rate_limited": "Too many failed logins. Wait a few minutes and try again.",
    "login.bad_credentials": "Wrong username or password.",
    "login.device_in_use": "This phone is bound to another account. Log that account out first.",
    "login.failed": "Login failed.",
    "login.session_ended": "The session of {name} has ended. Enter the password again to keep syncing; everything on this phone is kept.",
    "login.other_user": "Log in as someone else (log this account out)",
    "logout.unsent": "{n} records have not reached the server. Logging out deletes them from this phone.",
    "logout.sync_first": "Sync first", "logout.export": "Export JSON file", "logout.anyway": "Log out anyway",
    "logout.cancel": "Cancel", "logout.confirm": "Log out and delete the data on this phone?", "logout.done": "Logged out.",
    "revoked.title": "This device was revoked",
    "revoked.explain": "The working group revoked this phone's access. {n} records were not sent: export them and give the file to the working group before wiping.",
    "revoked.export": "Export unsent records", "revoked.wipe": "Wipe this phone's data",
    "revoked.wipe_confirm": "Delete all data on this phone? Records not exported will be lost.",
    "revoked.wiped": "This device was revoked; its data has been wiped.",
    "home.hello": "Hello, {name}", "home.today": "Today: {n}", "home.recent": "Recent records",
    "home.no_records": "No records yet. Pick a type above to start.",
    "home.attention": "{n} records need your attention",
    "records.title": "My records", "records.search": "Name, ID number, phone",
    "records.type": "Record type", "records.state": "State", "records.all_types": "All types",
    "records.all_states": "All states", "records.attention": "Needs attention",
    "records.count": "{n} of {total} records", "records.none": "No records yet.", "records.village_n": "Village #{id}",
    "state.pending": "Not synced", "state.synced": "Synced", "state.needs_changes": "Needs changes",
    "state.approved": "Approved", "state.rejected": "Rejected", "state.conflict": "Conflict",
    "state.sync_rejected": "Rejected on sync",
    "record.missing": "This record is not on this phone.", "record.version": "version {n}",
    "record.pending_note": "Saved on this phone; it will be sent when there is a network.",
    "record.asked_changes": "The commune police ask for changes:", "record.rejected_because": "Reason for rejection:",
    "record.conflict_note": "Your change overlaps another change on the server. The working group will choose the right values; nothing is lost.",
    "record.sync_rejected": "The server did not accept this change:",
    "record.fix_and_resend": "Fix and resend", "record.discard": "Discard this change",
    "record.discard_confirm": "Discard this rejected change? What was typed will be lost.",
    "record.edit": "Edit record", "record.locked": "This record has been dealt with and can no longer be edited.",
    "record.history": "History", "record.history_loading": "Loading history…",
    "record.history_offline": "The history needs the network.", "record.history_not_yet": "The history appears once the record is synced.",
    "history.create": "Created (version {version})", "history.update": "Edited (version {version})",
    "history.delete": "Deleted (version {version})", "history.review": "Reviewed (version {version})",
    "history.resolve": "Conflict resolved (version {version})", "history.changed": "Changed: {fields}",
    "form.village": "Village", "form.choose": "— Choose —", "form.yes": "Yes", "form.no": "No",
    "form.full_date": "Full date known", "form.month_only": "Only month/year known", "form.year_only": "Only the year known",
    "form.save": "Save", "form.saved": "Saved on this phone.",
    "form.fix_errors": "Some answers are not right yet; see the marked fields.",
    "form.save_failed": "Not saved: {reason}", "form.edit_title": "Edit: {type}",
    "form.draft_restored": "Draft from {when} restored.", "form.discard_draft": "Discard draft",
    "settings.title": "Settings", "settings.language": "Language", "settings.storage": "Storage",
    "settings.persisted": "The browser keeps this data permanently.",
    "settings.not_persisted": "The browser has not promised to keep this data; sync often.",
    "settings.usage": "Used {used} of {quota}",
    "settings.retention": "Approved records stay on this phone {n} days after approval, then only on the server.",
    "settings.notifications": "Notifications",
    "settings.notify_on": "This phone is told when a record is approved, returned for changes or rejected.",
    "settings.notify_off": "Turn on to know at once when the commune police approve or return your records.",
    "settings.notify_denied": "Notifications are blocked in the browser's settings.",
    "settings.notify_unsupported": "This browser has no notifications.",
    "settings.notify_offline": "Turning notifications on or off needs the network.",
    "settings.notify_enable": "Turn on notifications", "settings.notify_disable": "Turn off notifications",
    "settings.unsent": "Unsent records", "settings.unsent_help": "Save unsent records and drafts as a JSON file, as a backup.",
    "settings.export": "Export JSON file", "settings.about": "About", "settings.user": "Account",
    "settings.role": "Role", "settings.commune": "Commune", "settings.app_version": "App version",
    "settings.forms_version": "Forms version", "settings.device": "Device id", "settings.logout": "Log out",
    "storage.not_persistent": "The browser may delete this data when the phone runs out of space. Sync often.",
    "storage.nearly_full": "The phone's storage is nearly full. Sync and free some space.",
    "update.available": "A new version is available — reload", "update.reload": "Reload",
    "time.just_now": "just now", "time.minutes": "{n} min ago", "time.hours": "{n} h ago", "time.days": "{n} days ago",
    "v.required": "This field is required", "v.choose_one": "Choose at least one", "v.text": "Must be text",
    "v.too_long": "At most {max} characters", "v.url": "The link must start with http:// or https://",
    "v.pid_format": "The personal ID must be exactly 12 digits",
    "v.pid_province": "Province code {code} (first 3 digits) does not exist",
    "v.future": "Cannot be a date in the future", "v.date_format": "Give the date as dd/mm/yyyy",
    "v.date_missing": "This date does not exist", "v.date_too_old": "This date is too far in the past",
    "v.month_missing": "This month does not exist", "v.partial_date_format": "Give the date as dd/mm/yyyy, or mm/yyyy or only the year if the day is unknown",
    "v.time_format": "Give the time as hours:minutes", "v.year_int": "The year must be a whole number",
    "v.year_range": "The year must be from {min} to {max}", "v.integer": "Must be a whole number",
    "v.min": "Cannot be less than {min}", "v.max": "Cannot be more than {max}", "v.choice": "Not one of the choices",
    "v.boolean": "Must be yes or no",
    "v.phone": "A mobile number has 10 digits starting 03, 05, 07, 08 or 09",
    "v.state_needs": "Needed while the case is «{state}»",
  },
};

const LANGUAGE_KEY = "sotay06.language";
let language = (globalThis.localStorage && localStorage.getItem(LANGUAGE_KEY)) || "vi";

export function getLanguage() {
  return language;
}

export function setLanguage(code) {
  language = STRINGS[code] ? code : "vi";
  localStorage.setItem(LANGUAGE_KEY, language);
  applyLanguage();
}

export function applyLanguage() {
  document.documentElement.lang = language;
}

export function t(key, params = {}) {
  const text = STRINGS[language][key] ?? STRINGS.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? ""));
}

// A {vi, en} label from the /forms document.
export function label(labels) {
  return (labels && (labels[language] || labels.vi)) || "";
}

export function relativeTime(iso) {
  const minutes = Math.floor((Date.now() - new Date(iso).getTime()) / 60000);
  if (minutes < 1) return t("time.just_now");
  if (minutes < 60) return t("time.minutes", { n: minutes });
  if (minutes < 48 * 60) return t("time.hours", { n: Math.floor(minutes / 60) });
  return t("time.days", { n: Math.floor(minutes / 1440) });
}

export function formatBytes(bytes) {
  if (bytes == null) return "—";
  const mb = bytes / (1024 * 1024);
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${mb.toFixed(1)} MB`;
}

// Lower case without diacritics, so "nguyen thi lan" finds "Nguyễn Thị Lan".
export function fold(text) {
  return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "d").toLowerCase();
}

// The desk screens (pwa/desk/) bring their own strings when they load.
export function addStrings(more) {
  for (const language of Object.keys(STRINGS)) Object.assign(STRINGS[language], more[language]);
}

export function keys() {
  return { vi: Object.keys(STRINGS.vi), en: Object.keys(STRINGS.en) };
}
