"""Settings read from the environment (pydantic-settings), one object for the whole platform."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEV_JWT_SECRET", "LOCAL_RABBITMQ", "Settings"]

DEV_JWT_SECRET = "renling-development-secret-change-me-0123456789"
LOCAL_RABBITMQ = "amqp://guest:guest@127.0.0.1:5672/"


class Settings(BaseSettings):
    """Everything a Renling process can be told from the environment.

    ``amqp_url`` left empty means the in-process bus in the embedded mode (``make up`` runs every
    service in one process); a service run alone (``renling serve``) then uses the local RabbitMQ.
    """

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    mongodb_url: str = Field("memory://", description="mongodb://… or memory:// (in-memory stand-in)")
    amqp_url: str = Field("", description="amqp://… for RabbitMQ; empty means the in-process bus")
    events_exchange: str = Field("renling", description="name prefix of the exchanges and queues")
    bus_prefetch: int = Field(32, ge=1, description="unacknowledged deliveries per consumer")
    bus_delivery_limit: int = Field(10, ge=1, description="deliveries before a message is dead-lettered")
    bus_retry_delays_ms: tuple[int, ...] = Field((200, 2_000, 20_000), description="delays of the retry wait queues, in milliseconds")
    outbox_interval_s: float = Field(1.0, gt=0, description="how often the outbox relay sweeps")

    jwt_secret: str = Field(DEV_JWT_SECRET, description="HS256 shared secret (development)")
    jwt_algorithms: tuple[str, ...] = Field(("HS256",), description="accepted signing algorithms")
    jwt_jwks_url: str = Field("", description="JWKS URL for RS256 tokens (deployment)")
    jwt_audience: str = Field("renling", description="required `aud` claim")
    jwt_issuer: str = Field("renling", description="required `iss` claim")
    jwt_max_lifetime_s: float = Field(31 * 86_400.0, gt=0, description="longest validity (exp − iat, and exp − now) of a token accepted")

    host: str = Field("127.0.0.1", description="interface the HTTP servers bind")
    gateway_port: int = 4000
    needs_port: int = 4001
    claims_port: int = 4002
    orgs_port: int = 4003
    events_port: int = 4004
    notices_port: int = 4005
    people_port: int = 4006
    disclosure_port: int = 4007
    audit_port: int = 4008
    evidence_port: int = 4009

    gateway_public_url: str = Field(
        "",
        description="the gateway's address as clients reach it; the file links the services hand out point there; default http://HOST:GATEWAY_PORT",
    )
    evidence_public_url: str = Field(
        "",
        description="base URL of the evidence service's file links as clients reach it; default GATEWAY_PUBLIC_URL/evidence (through the gateway)",
    )
    evidence_signing_key: str = Field("", description="key of the signed upload and download links; empty derives one from JWT_SECRET")
    evidence_max_bytes: int = Field(10_000_000, ge=1_000, description="largest evidence file accepted")

    disbursement_requires_receipt: bool = Field(
        False, description="every disbursement (拨付) needs its receipt (发票) attached before the project can be completed"
    )
    personal_data_retention_days: int = Field(
        0, ge=0, description="residents' personal data is anonymised this many days after its record was made; 0 keeps it until erased"
    )
    privacy_sweep_interval_s: float = Field(3600.0, gt=0, description="how often each service anonymises what is past the retention period")

    webhook_allow_private: bool = Field(
        False, description="allow webhook receivers on non-public addresses and any port (tests, a trusted on-premises receiver)"
    )
    webhook_allowed_ports: tuple[int, ...] = Field((), description="ports webhook URLs may use besides 80 (http) and 443 (https)")
    webhook_secret_overlap_s: float = Field(
        24 * 3600.0, ge=0, description="after a secret rotation, deliveries are signed with the old secret too for this long"
    )
    webhook_retry_base_s: float = Field(30.0, gt=0, description="first retry delay; doubles each attempt, with jitter")
    webhook_retry_max_s: float = Field(8 * 3600.0, gt=0, description="longest delay between attempts")
    webhook_max_attempts: int = Field(14, ge=1, description="attempts before a delivery is given up (about a day)")
    webhook_poll_s: float = Field(1.0, gt=0, description="how often due deliveries are looked for")
    webhook_timeout_s: float = Field(10.0, gt=0, description="per delivery attempt")
    webhook_concurrency: int = Field(
        100, ge=1, description="delivery attempts in flight at once (one at a time per endpoint); also the connection pool's size"
    )
    feed_poll_s: float = Field(1.0, gt=0, description="how often the events service looks for feed entries other replicas wrote")
    niceness: int = Field(
        0,
        ge=0,
        le=19,
        description=(
            "raise a service process's nice value by this much when it starts alone (`serve`): on a host shared with"
            " request-serving processes, background work such as the events service's fan-out then takes the CPU they leave"
        ),
    )

    max_body_bytes: int = Field(1_000_000, ge=1_000, description="largest request body; refused (413) before it is read")
    max_header_bytes: int = Field(16_384, ge=1_024, description="all request headers together; refused (431) beyond")

    graphql_max_depth: int = Field(12, ge=1)
    graphql_max_aliases: int = Field(30, ge=1)
    graphql_max_tokens: int = Field(3_000, ge=1)
    graphql_max_expanded_selections: int = Field(
        10_000, ge=1, description="fields and fragment spreads an operation may select once its fragments are expanded"
    )
    graphql_max_list_items: int = Field(1_000, ge=1, description="longest list accepted in the variables")
    graphql_ide: bool = Field(True, description="serve GraphiQL on GET")
    graphql_introspection: bool = Field(True, description="answer `__schema` / `__type` (turn off in production if the schema is private)")
    log_level: str = "INFO"
    data_dir: str = Field(
        ".renling", description="embedded mode (`up`): the folder of the memory:// journal, the demo marker and tokens.env"
    )

    def public_gateway_url(self) -> str:
        """Where clients reach the gateway (no trailing slash): ``GATEWAY_PUBLIC_URL``, else ``http://HOST:GATEWAY_PORT``."""
        return (self.gateway_public_url or f"http://{self.host}:{self.gateway_port}").rstrip("/")
