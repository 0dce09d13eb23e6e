// The desk screens' strings (police and admin), Vietnamese first, English second.
import { addStrings } from "../js/i18n.js";

addStrings({
  vi: {
    "dash.title": "Tiến độ Đề án 06", "dash.period": "Kỳ", "dash.count": "Cách tính",
    "dash.count_approved": "Chỉ bản ghi đã duyệt", "dash.count_submitted_and_approved": "Đã gửi và đã duyệt",
    "dash.as_of": "Số liệu lúc {when}", "dash.cached": "Ngoại tuyến — số liệu lần trước, lúc {when}",
    "dash.offline": "Cần có mạng để tải số liệu này.", "dash.targets": "Chỉ tiêu",
    "dash.no_targets": "Chưa có chỉ tiêu cho kỳ này.", "dash.whole_commune": "Toàn xã",
    "dash.of_target": "{actual} / {value} ({percent}%), tính {period}", "dash.trend": "Theo tuần",
    "dash.villages": "Các thôn (thôn chậm nhất trước)", "dash.report": "Báo cáo định kỳ",
    "dash.download_xlsx": "Tải báo cáo (Excel)", "dash.download_csv": "Tải CSV",
    "dash.set_target": "Đặt chỉ tiêu", "dash.measure": "Chỉ số", "dash.where": "Phạm vi",
    "dash.target_value": "Chỉ tiêu", "dash.target_saved": "Đã lưu chỉ tiêu.",
    "dash.period_help": "Kỳ: năm (2026), quý (2026-Q4) hoặc tháng (2026-11).",
  },
  en: {
    "dash.title": "Đề án 06 progress", "dash.period": "Period", "dash.count": "Counting",
    "dash.count_approved": "Approved records only", "dash.count_submitted_and_approved": "Submitted and approved",
    "dash.as_of": "Figures as of {when}", "dash.cached": "Offline — last figures, from {when}",
    "dash.offline": "These figures need the network.", "dash.targets": "Targets",
    "dash.no_targets": "No targets for this period yet.", "dash.whole_commune": "Whole commune",
    "dash.of_target": "{actual} of {value} ({percent}%), counted {period}", "dash.trend": "By week",
    "dash.villages": "Villages (furthest behind first)", "dash.report": "Periodic report",
    "dash.download_xlsx": "Download report (Excel)", "dash.download_csv": "Download CSV",
    "dash.set_target": "Set a target", "dash.measure": "Measure", "dash.where": "Where",
    "dash.target_value": "Target", "dash.target_saved": "Target saved.",
    "dash.period_help": "Period: a year (2026), a quarter (2026-Q4) or a month (2026-11).",
  },
});
