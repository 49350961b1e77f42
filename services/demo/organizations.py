"""The organizations of 左安浦园: 4 founded by 2008, 11 by 2015, 17 by 2019, and the partner 福寿百年."""

from __future__ import annotations

from datetime import date

from services.orgs.domain import ActivityField as F
from services.orgs.domain import FilingStatus, MemberDraft, Mentor, OrganizationKind, Purpose, Stage

__all__ = ["HOME_ORGANIZATIONS", "PARTNER", "DemoOrganization"]

DemoOrganization = tuple[str, date, Purpose, tuple[F, ...], Stage, str, tuple[str, ...], tuple[Mentor, ...]]

W, S, M = Purpose.PUBLIC_WELFARE, Purpose.SELF_BENEFIT, Purpose.MUTUAL_BENEFIT
HOME_ORGANIZATIONS: list[DemoOrganization] = [
    ("红色课堂宣讲队", date(2006, 5, 10), W, (F.EDUCATION,), Stage.PUBLIC_WELFARE_ORGANIZATION, "刘书记", ("周老师", "吴阿姨"), ()),
    ("夕阳天使志愿服务队", date(2007, 3, 5), W, (F.VOLUNTEER_SERVICE, F.ELDERLY_CARE), Stage.SOCIALIZED_PUBLIC_WELFARE, "王秀兰", ("李建国", "张桂芬"), ()),
    ("左安浦园合唱团", date(2007, 9, 1), S, (F.CULTURE_SPORTS,), Stage.ACTIVITY_PROJECTS, "赵美华", ("钱丽", "孙红"), ()),
    ("绿色卫士环保队", date(2008, 4, 22), W, (F.ENVIRONMENT,), Stage.PROJECT_ORGANIZATION, "陈志强", ("杨梅", "朱伟"), ()),
    ("掌上明珠摄影队", date(2009, 6, 1), W, (F.CULTURE_SPORTS,), Stage.PUBLIC_WELFARE_ORGANIZATION, "郑卫东", ("何静", "高峰"),
     (Mentor("林老师", "摄影", "区文化馆"),)),
    ("粉色驿站编织社", date(2010, 3, 8), M, (F.CULTURE_SPORTS,), Stage.SERVICE_ACTIVITIES, "冯淑芳", ("邓丽娟", "曹敏"), ()),
    ("橙色使者调解队", date(2011, 5, 20), W, (F.MEDIATION,), Stage.PROJECT_ORGANIZATION, "彭德明", ("萧玉", "田刚"), ()),
    ("蓝色守护安全巡逻队", date(2012, 4, 1), W, (F.SAFETY,), Stage.ACTIVITY_PROJECTS, "董立军", ("袁华", "蒋涛"), ()),
    ("太极拳队", date(2013, 3, 15), S, (F.CULTURE_SPORTS,), Stage.SERVICE_ACTIVITIES, "沈国庆", ("韩雪", "唐明"), ()),
    ("四点半课堂志愿者队", date(2014, 9, 1), W, (F.CHILDREN, F.EDUCATION), Stage.ACTIVITY_PROJECTS, "许文静", ("段宇", "雷鸣"), ()),
    ("居民文明公约宣传队", date(2015, 6, 18), W, (F.VOLUNTEER_SERVICE,), Stage.SERVICE_ACTIVITIES, "范志刚", ("方圆", "石磊"), ()),
    ("邻里互助会", date(2016, 4, 9), M, (F.VOLUNTEER_SERVICE,), Stage.SERVICE_ACTIVITIES, "任建华", ("姚琳", "廖军"), ()),
    ("垃圾分类督导队", date(2017, 5, 6), W, (F.ENVIRONMENT,), Stage.ACTIVITY_PROJECTS, "邹平", ("熊英", "金鑫"), ()),
    ("翰墨书法社", date(2017, 10, 12), S, (F.CULTURE_SPORTS,), Stage.NEEDS_ASSESSMENT, "陆海", ("夏雨", "蔡文"), (Mentor("黄老师", "书法", "东城区书法家协会"),)),
    ("军民共建联络组", date(2018, 3, 1), W, (F.MILITARY_CIVILIAN,), Stage.SERVICE_ACTIVITIES, "贾勇", ("魏东", "秦川"), ()),
    ("健康讲堂", date(2019, 3, 20), W, (F.HEALTH,), Stage.NEEDS_ASSESSMENT, "薛医生", ("叶青", "阎芳"), ()),
    ("亲子阅读会", date(2019, 8, 3), M, (F.CHILDREN, F.EDUCATION), Stage.NEEDS_ASSESSMENT, "余晓", ("潘悦", "杜鹃"), ()),
]  # fmt: skip

PARTNER: DemoOrganization = (
    "福寿百年养老服务中心",
    date(2012, 9, 1),
    W,
    (F.ELDERLY_CARE,),
    Stage.SOCIALIZED_PUBLIC_WELFARE,
    "常院长",
    ("万护士", "顾社工"),
    (),
)
PARTNER_KIND = OrganizationKind.PARTNER_ORGANIZATION
ACTIVE = FilingStatus.ACTIVE


def team(leader: str, others: tuple[str, ...]) -> tuple[MemberDraft, tuple[MemberDraft, ...]]:
    """The leader and two others form the management group (三人管理小组); one more member besides."""
    return MemberDraft(leader, in_management_group=True), (
        *(MemberDraft(name, in_management_group=True) for name in others),
        MemberDraft("志愿者"),
    )
