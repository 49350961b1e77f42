"""The compose file and the Kubernetes manifests parse, and agree with the code (roles, settings, probes)."""

from __future__ import annotations

import json
import pathlib
import re
from typing import Any

import yaml
from prometheus_client import REGISTRY

import services.common.metrics  # noqa: F401 - registers the metrics the dashboard uses
from gateway.settings import GatewaySettings

ROOT = pathlib.Path(__file__).parent.parent
ROLES = {"needs", "claims", "orgs", "events", "notices", "people", "disclosure", "audit", "evidence", "gateway"}
SETTINGS = {name.upper() for name in GatewaySettings.model_fields}
PORTS = {
    "needs": 4001,
    "claims": 4002,
    "orgs": 4003,
    "events": 4004,
    "notices": 4005,
    "people": 4006,
    "disclosure": 4007,
    "audit": 4008,
    "evidence": 4009,
    "gateway": 4000,
}


def _manifests() -> list[dict[str, Any]]:
    documents = []
    for path in sorted((ROOT / "deploy" / "kubernetes").glob("*.yaml")):
        documents += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return documents


def test_compose_runs_every_role_on_healthy_mongodb_and_rabbitmq() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]

    assert set(services) == ROLES | {"mongodb", "rabbitmq", "setup", "prometheus", "grafana"}
    assert set(compose["volumes"]) == {"mongodb-data", "rabbitmq-data"}
    for role in ROLES:
        service = services[role]
        assert service["command"] == ["serve", role]
        assert service["depends_on"]["mongodb"]["condition"] == "service_healthy"
        assert service["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
        assert f"127.0.0.1:{PORTS[role]}/" in " ".join(service["healthcheck"]["test"])
        assert set(service["environment"]) <= SETTINGS
        assert service["environment"]["HOST"] == "0.0.0.0"
    for role in ROLES - {"gateway"}:
        assert services["gateway"]["depends_on"][role]["condition"] == "service_healthy"
        assert services["gateway"]["environment"][f"{role.upper()}_URL"] == f"http://{role}:{PORTS[role]}/graphql"
    assert services["gateway"]["ports"] == ["4000:4000"]
    assert "15672:15672" in services["rabbitmq"]["ports"]
    assert services["mongodb"]["volumes"] == ["mongodb-data:/data/db"]
    assert "/ready" in " ".join(services["gateway"]["healthcheck"]["test"])


def test_compose_runs_a_one_shot_setup_job_after_the_gateway_is_ready() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    setup = services["setup"]

    assert setup["command"][:3] == ["setup", "--gateway", "http://gateway:4000/graphql"]
    assert setup["restart"] == "no"
    assert setup["depends_on"]["gateway"]["condition"] == "service_healthy"
    assert set(setup["environment"]) <= SETTINGS | {"SETUP_DEMO"}
    for tool in ("prometheus", "grafana"):
        assert services[tool]["profiles"] == ["observability"]
        for volume in services[tool]["volumes"]:
            assert (ROOT / volume.split(":")[0]).is_file(), volume


def test_no_credentials_in_the_configmap_and_every_setting_documented_where_the_manifests_point() -> None:
    documents = _manifests()
    settings = next(d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "renling-settings")
    secret = next(d for d in documents if d["kind"] == "Secret")
    credentials = re.compile(r"://[^/@\s]+:[^/@\s]+@")

    assert not [value for value in settings["data"].values() if credentials.search(str(value))]
    assert not {"MONGODB_URL", "AMQP_URL", "JWT_SECRET", "JWT_JWKS_URL"} & set(settings["data"])
    assert {"MONGODB_URL", "AMQP_URL"} <= set(secret["stringData"])
    pointed = {match for path in (ROOT / "deploy").rglob("*.yaml") for match in re.findall(r"deploy/[\w./-]+\.md", path.read_text())}
    assert pointed == {"deploy/settings.md"}
    listed = (ROOT / "deploy" / "settings.md").read_text(encoding="utf-8")
    assert not [name for name in SETTINGS if f"| `{name}` |" not in listed]


def test_prometheus_scrapes_every_part_and_the_dashboard_uses_only_metrics_we_export() -> None:
    config = yaml.safe_load((ROOT / "deploy" / "observability" / "prometheus.yml").read_text(encoding="utf-8"))
    targets = {target for job in config["scrape_configs"] for group in job["static_configs"] for target in group["targets"]}
    monitor = next(d for d in _manifests() if d["kind"] == "PodMonitor")
    dashboard = json.loads((ROOT / "deploy" / "observability" / "renling-dashboard.json").read_text(encoding="utf-8"))
    exported = {sample_name for metric in REGISTRY.collect() if metric.name.startswith("renling_") for sample_name in _names(metric)}
    used = {name for panel in dashboard["panels"] for target in panel["targets"] for name in re.findall(r"renling_\w+", target["expr"])}

    assert {f"{role}:{port}" for role, port in PORTS.items()} <= targets
    assert monitor["spec"]["podMetricsEndpoints"][0] == {**monitor["spec"]["podMetricsEndpoints"][0], "port": "http", "path": "/metrics"}
    for deployment in (d for d in _manifests() if d["kind"] == "Deployment"):
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["ports"][0]["name"] == "http"
        assert deployment["spec"]["template"]["metadata"]["labels"]["app"] == monitor["spec"]["selector"]["matchLabels"]["app"]
    assert used
    assert used <= exported, used - exported


def _names(metric: Any) -> set[str]:
    """The sample names a metric family is scraped as (counters get _total, histograms _bucket/_sum/_count)."""
    if metric.type == "counter":
        return {f"{metric.name}_total"}
    if metric.type == "histogram":
        return {f"{metric.name}_{suffix}" for suffix in ("bucket", "sum", "count")}
    return {metric.name}


def test_the_image_runs_a_role_per_command() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")

    assert 'ENTRYPOINT ["python", "-m", "services"]' in dockerfile
    assert 'CMD ["serve", "gateway"]' in dockerfile
    assert "uv sync --frozen --no-dev" in dockerfile
    assert "npm ci" in dockerfile


def test_manifests_describe_a_district_scale_deployment() -> None:
    documents = _manifests()
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for document in documents:
        assert {"apiVersion", "kind", "metadata"} <= set(document)
        by_kind.setdefault(document["kind"], []).append(document)

    deployments = {d["metadata"]["name"].removeprefix("renling-"): d for d in by_kind["Deployment"]}
    assert set(deployments) == ROLES
    assert deployments["gateway"]["spec"]["replicas"] >= 2
    assert deployments["events"]["spec"]["replicas"] == 1
    for role, deployment in deployments.items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["args"] == ["serve", role]
        assert container["ports"][0]["containerPort"] == PORTS[role]
        assert container["readinessProbe"]["httpGet"]["port"] == PORTS[role]
    (rabbitmq,) = by_kind["RabbitmqCluster"]
    assert rabbitmq["spec"]["replicas"] == 3
    assert "default_queue_type = quorum" in rabbitmq["spec"]["rabbitmq"]["additionalConfig"]
    (mongodb,) = by_kind["PerconaServerMongoDB"]
    assert mongodb["spec"]["sharding"]["enabled"] is True
    assert len(mongodb["spec"]["replsets"]) >= 2
    settings = next(c for c in by_kind["ConfigMap"] if c["metadata"]["name"] == "renling-settings")
    assert set(settings["data"]) <= SETTINGS
    assert set(by_kind["Secret"][0]["stringData"]) <= SETTINGS
    assert by_kind["HorizontalPodAutoscaler"][0]["spec"]["minReplicas"] >= 2


def test_sharding_covers_the_community_scoped_collections_by_community_id() -> None:
    script = next(c for c in _manifests() if c["kind"] == "ConfigMap" and c["metadata"]["name"] == "renling-sharding")["data"][
        "sharding.js"
    ]

    assert "{ community_id: 1, _id: 1 }" in script
    for database, collection in [
        ("renling_needs", "needs"),
        ("renling_needs", "items"),
        ("renling_claims", "claims"),
        ("renling_claims", "meetings"),
        ("renling_orgs", "organizations"),
    ]:
        assert re.search(rf'{database}: \[[^\]]*"{collection}"', script), (database, collection)
