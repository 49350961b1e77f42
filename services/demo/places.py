"""The demo district: streets and communities (names invented around the article's 左安浦园)."""

from __future__ import annotations

__all__ = ["COMMUNITIES", "DISTRICT", "DISTRICT_NAME", "HOME", "NEIGHBOUR", "STREETS"]

DISTRICT = "district-dongcheng"
DISTRICT_NAME = "东城区"
HOME = "community-zuoanpuyuan"
NEIGHBOUR = "community-longtanxili"
STREETS = [
    ("street-longtan", "龙潭街道"),
    ("street-tiyuguanlu", "体育馆路街道"),
    ("street-tiantan", "天坛街道"),
]
COMMUNITIES = [
    (HOME, "street-longtan", "左安浦园社区", "左安门外左安浦园小区"),
    (NEIGHBOUR, "street-longtan", "龙潭西里社区", "龙潭西里"),
    ("community-longtanbeili", "street-longtan", "龙潭北里社区", "龙潭北里"),
    ("community-tiyuguanlu", "street-tiyuguanlu", "体育馆路社区", "体育馆路"),
    ("community-fahuasi", "street-tiyuguanlu", "法华寺社区", "法华寺街"),
    ("community-tiantan", "street-tiantan", "天坛东里社区", "天坛东里"),
    ("community-tiantanxili", "street-tiantan", "天坛西里社区", "天坛西里"),
    ("community-zuoanmennei", "street-longtan", "左安门内社区", "左安门内大街"),
    ("community-guangqumen", "street-tiyuguanlu", "广渠门外社区", "广渠门外南街"),
    ("community-fahuananli", "street-tiantan", "法华南里社区", "法华南里"),
]
