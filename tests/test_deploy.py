"""The compose file and the Kubernetes manifests parse, and agree with the code (roles, settings, probes)."""

from __future__ import annotations

import pathlib
import re
from typing import Any

import yaml

from gateway.settings import GatewaySettings

ROOT = pathlib.Path(__file__).parent.parent
ROLES = {"needs", "claims", "orgs", "events", "notices", "people", "gateway"}
SETTINGS = {name.upper() for name in GatewaySettings.model_fields}
PORTS = {"needs": 4001, "claims": 4002, "orgs": 4003, "events": 4004, "notices": 4005, "people": 4006, "gateway": 4000}


def _manifests() -> list[dict[str, Any]]:
    documents = []
    for path in sorted((ROOT / "deploy" / "kubernetes").glob("*.yaml")):
        documents += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return documents


def test_compose_runs_every_role_on_healthy_mongodb_and_rabbitmq() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]

    assert set(services) == ROLES | {"mongodb", "rabbitmq"}
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
