"""Every Kubernetes manifest in deploy/k8s validates, strictly (unknown fields fail), against the
Kubernetes version we target; plus the few cross-references schemas cannot check."""

from __future__ import annotations

import pathlib
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.conftest import ROOT

KUBERNETES = "1.33.0"  # the oldest minor we support; `preStop: sleep` needs >= 1.30
MANIFESTS = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))


def documents(path: pathlib.Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


ALL = [(path, doc) for path in MANIFESTS for doc in documents(path)]


def test_there_are_manifests() -> None:
    kinds = {doc["kind"] for _, doc in ALL}
    assert {"Deployment", "Service", "Secret", "PodDisruptionBudget"} <= kinds


@pytest.mark.parametrize(
    ("path", "doc"), [pytest.param(p, d, id=f"{p.name}:{d['kind']}/{d['metadata']['name']}") for p, d in ALL]
)
def test_manifest_validates_strictly(path: pathlib.Path, doc: dict[str, Any]) -> None:
    try:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)
    except kubernetes_validate.ValidationError as exc:
        pytest.fail(f"{path.name}: {exc.path}: {exc.message}")


def _by_name(kind: str, name: str) -> dict[str, Any]:
    return next(doc for _, doc in ALL if doc["kind"] == kind and doc["metadata"]["name"] == name)


def test_draining_fits_in_the_termination_grace_period() -> None:
    pod = _by_name("Deployment", "cordwire")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    cordwire_grace = 10  # ServeOptions.grace
    assert pod["terminationGracePeriodSeconds"] > pre_stop + cordwire_grace
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["grpc"] == {"port": 50051, "service": "cordwire.liveness"}


def test_services_select_their_deployments() -> None:
    for _, doc in ALL:
        if doc["kind"] != "Service":
            continue
        deployment = _by_name("Deployment", doc["metadata"]["name"])
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert doc["spec"]["selector"].items() <= labels.items()


def test_triton_runs_on_gpu_nodes() -> None:
    pod = _by_name("Deployment", "triton")["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert pod["nodeSelector"] and pod["tolerations"]


def test_strict_validation_catches_unknown_fields() -> None:
    deployment = _by_name("Deployment", "cordwire")
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 3}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)
