"""The certificate as a PDF (fpdf2 with an embedded, subset CJK font): what it says, and its verification code."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from services.common.domain import Invalid
from services.people.domain import CHINA, Certificate

__all__ = ["render_certificate"]


def render_certificate(certificate: Certificate, *, font: str, font_index: int) -> bytes:
    """A one-page A4 志愿服务记录证明; :class:`Invalid` if the deployment has no CJK font."""
    if not Path(font).is_file():
        raise Invalid("this deployment has no CJK font for certificates (install fonts-noto-cjk)", field="font")
    pdf = FPDF(format="A4")
    pdf.set_title("志愿服务记录证明")
    pdf.add_page()
    pdf.add_font("cjk", "", font, collection_font_number=font_index) if font.endswith(".ttc") else pdf.add_font("cjk", "", font)
    pdf.set_font("cjk", size=22)
    pdf.cell(0, 16, "志愿服务记录证明", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=12)
    period = f"{certificate.period_from.isoformat()} 至 {certificate.period_to.isoformat()}"
    text = (
        f"兹证明 {certificate.real_name} 同志于 {period} 期间在{certificate.community_name}参加志愿服务，"
        f"经活动组织方确认，累计服务时长 {certificate.hours} 小时（{len(certificate.lines)} 次）。"
    )
    pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for line in certificate.lines:
        pdf.cell(0, 7, f"{line.on.isoformat()}  {line.title}  {round(line.minutes / 60, 1)} 小时", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.cell(0, 7, f"出具单位：{certificate.community_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, f"出具日期：{certificate.issued_at.astimezone(CHINA).date().isoformat()}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, f"验证码：{certificate.code}（可通过平台接口 verifyVolunteerCertificate 查验）", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
