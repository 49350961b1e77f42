"""The gateway's settings: the kernel's, plus where the subgraphs are."""

from __future__ import annotations

from pydantic import Field

from services.common.settings import Settings

__all__ = ["SUBGRAPHS", "GatewaySettings"]

SUBGRAPHS = ("needs", "claims", "orgs", "events", "notices", "people", "disclosure", "audit", "evidence")


class GatewaySettings(Settings):
    """Subgraph URLs (or a supergraph SDL file), timeouts and edge limits."""

    needs_url: str = Field("", description="the needs subgraph; default http://HOST:NEEDS_PORT/graphql")
    claims_url: str = Field("", description="the claims subgraph")
    orgs_url: str = Field("", description="the orgs subgraph")
    events_url: str = Field("", description="the events subgraph (partner events)")
    notices_url: str = Field("", description="the notices subgraph (通知)")
    people_url: str = Field("", description="the people subgraph (sessions, sign-up, volunteers and hours)")
    disclosure_url: str = Field("", description="the disclosure subgraph (公示)")
    audit_url: str = Field("", description="the audit subgraph (the audit trail)")
    evidence_url: str = Field("", description="the evidence subgraph (附件)")
    subgraphs: tuple[str, ...] = Field(SUBGRAPHS, description="the subgraphs composed (all of them in a deployment)")
    supergraph_file: str = Field("", description="a composed supergraph SDL to load instead of composing at start-up")
    subgraph_timeout_s: float = Field(10.0, gt=0, description="per subgraph request")
    download_timeout_s: float = Field(
        120.0,
        gt=0,
        description="files through the gateway (reports, evidence, certificates): the longest wait for a service's answer to begin, and between two of its chunks",
    )
    compose_wait_s: float = Field(30.0, ge=0, description="how long to wait for subgraphs at start-up")
    max_cost: int = Field(50_000, ge=1, description="estimated fields resolved, lists counted by first/size or 10")
    rate_limit: str = Field("600/minute", description="requests per caller (token subject, else client address); empty turns it off")
    rate_limit_per_address: str = Field(
        "3000/minute",
        description="requests per client address, counted before any token is verified (many people may share an address); empty turns it off",
    )
    dedup_inbound: bool = Field(
        True, description="identical queries in flight (text, name, variables, forwarded headers) share one execution and response"
    )
    dedup_outbound: bool = Field(True, description="identical subgraph requests in flight (URL, body, forwarded headers) share one answer")
    rate_limit_storage: str = Field("memory://", description="where the windows live: memory:// (per replica) or a shared redis://…")

    def subgraph_urls(self) -> dict[str, str]:
        """``{name: url}`` of the composed services."""
        base = f"http://{self.host}"
        urls = {
            "needs": self.needs_url or f"{base}:{self.needs_port}/graphql",
            "claims": self.claims_url or f"{base}:{self.claims_port}/graphql",
            "orgs": self.orgs_url or f"{base}:{self.orgs_port}/graphql",
            "events": self.events_url or f"{base}:{self.events_port}/graphql",
            "notices": self.notices_url or f"{base}:{self.notices_port}/graphql",
            "people": self.people_url or f"{base}:{self.people_port}/graphql",
            "disclosure": self.disclosure_url or f"{base}:{self.disclosure_port}/graphql",
            "audit": self.audit_url or f"{base}:{self.audit_port}/graphql",
            "evidence": self.evidence_url or f"{base}:{self.evidence_port}/graphql",
        }
        return {name: url for name, url in urls.items() if name in self.subgraphs}
