"""Demo data for the embedded mode, loaded through the services' own commands so events flow.

A district (东城区, invented) with streets and communities, among them 左安浦园 with the
organizations of the article (4 in 2008, 11 in 2015, 17 in 2019), and needs in all five colors;
in five more communities, organizations in several states, needs and a claimed item.
Idempotent: places that exist are kept, organizations carry idempotency keys, and a community
that already has needs is not seeded again.
"""

from services.demo.loader import demo_organization_id, load_demo
from services.demo.places import DISTRICT, HOME

__all__ = ["DISTRICT", "HOME", "demo_organization_id", "load_demo"]
