"""Believable Chinese wording for the demo city's inspections (`inspections/demo.py`): the campaigns the
city office and the emergency bureau launch, the tasks they hand out, what inspectors note on a finding,
on a number or in a free-text item, and what people write while a finding is rectified. Pure data."""

# Spring Festival (春节) dates: the fireworks campaign runs in the weeks before it and ends after 元宵节.
SPRING_FESTIVAL = {
    2024: (2, 10),
    2025: (1, 29),
    2026: (2, 17),
    2027: (2, 6),
    2028: (1, 26),
    2029: (2, 13),
    2030: (2, 3),
    2031: (1, 23),
    2032: (2, 11),
}

RUNNING_NAME = "{year}年安全风险隐患大排查大整治专项行动"
RUNNING_DESCRIPTION = (
    "按照市安委会部署，在全市消防、校园、燃气、烟花爆竹、道路交通、文旅、防汛防灾等重点行业领域，"
    "迅速开展新一轮安全风险隐患大排查、大整治。各区（县、市）、各行业部门落实属地和行业监管责任，"
    "企业全面开展自查自纠，网格员做好日常巡查；排查出的隐患一律建立台账、限期整改、闭环销号，"
    "重大事故隐患挂牌督办。"
)
EARLIER_NAME = "{year}年春节前烟花爆竹安全专项整治"
EARLIER_DESCRIPTION = (
    "春节和元宵节期间是烟花爆竹生产、经营、储存的高峰期。对全市烟花爆竹批发、零售经营单位开展专项整治，"
    "重点检查许可证照、超量储存、“下店上宅”“前店后宅”、违规混存和非法生产经营行为。"
)

# (title, kind): "prepare" is handed out first and done; "sweep" carries the district's targets.
DISTRICT_TASKS = (
    ("{district}：动员部署，督促辖区企业全面开展自查自纠", "prepare"),
    ("{district}：组织集中排查，实现目标单位排查全覆盖", "sweep"),
)
DEPARTMENT_TASKS = {
    "education": "校园安全专项检查（消防、食堂、宿舍、校车、周边）",
    "emergency": "燃气、烟花爆竹经营单位专项执法检查",
}
EARLIER_TASK = "{district}：烟花爆竹经营单位排查整治"

FINDING_NOTES = (
    "现场检查发现该项不符合要求，已当场指出并要求限期整改。",
    "该项未落实到位，已拍照留存，责令企业整改。",
    "检查时发现问题，企业负责人在场确认。",
    "该项存在问题，已向企业下达整改要求。",
    "现场核对台账和设施，该项不符合规定。",
    "问题较为普遍，督促企业举一反三全面排查。",
)
TEXT_ANSWERS = (
    "无其他情况。",
    "企业已建立隐患排查台账，自查记录完整。",
    "已向企业宣传安全生产有关法律法规。",
    "企业负责人表示将加强日常管理，落实全员安全生产责任制。",
    "现场检查情况良好。",
)
SIGN_TITLES = ("", "（负责人）", "（安全员）")
# A major-level checklist finding judged general on triage: the written reason the service asks for.
JUDGED_GENERAL = (
    "经现场核实，该问题已部分当场整改，尚未达到重大事故隐患判定标准，按一般隐患限期整改。",
    "经核实，问题情节较轻、范围有限，不符合重大事故隐患判定情形，按一般隐患处理。",
    "现场复核后认定为一般隐患：涉及数量少，已采取临时管控措施。",
)
JUDGED_MAJOR = "经现场核实，符合重大事故隐患判定标准，按重大隐患挂牌整治。"
CONFIRM_NOTES = ("经现场核实，隐患属实，限期整改。", "核实属实，请企业落实整改责任人和措施。", "情况属实，按期整改。")
START_MEASURES = (
    "已落实整改责任人，制定整改措施，整改期间加强现场管控。",
    "立即组织整改，购置更换相关设施。",
    "已停用相关区域，组织人员清理整改。",
)
SUBMIT_NOTES = ("已整改完毕，附整改后照片，请复查。", "问题已整改到位，相关制度已补充完善。", "整改完成，请验收。")
VERIFY_NOTES = ("现场复查，整改到位，同意销号。", "复核合格。", "经复查，隐患已消除。")
CHECKIN_NOTES = ("", "", "", "日常巡查，未发现异常。", "走访企业，宣传安全生产知识。", "巡查沿线情况正常。")
