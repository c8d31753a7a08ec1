#!/usr/bin/env bash
# Checks deploy/kubernetes without a cluster. No Kubernetes schema validator comes as a Debian
# package (kubeconform and kubeval are not packaged), so this is no full schema check: every file
# must parse as YAML and carry the fields and agreements that matter here. The Deployment's
# selector matches its pods, the Service and the PodDisruptionBudget select those pods, probes
# use Latchkey's health paths on a named port, the grace period covers the preStop sleep plus
# Latchkey's own drain (quarkus.shutdown.timeout), memory covers bin/run's heap, every variable
# is one the README documents, and the database and admin key come from a Secret.
# e2e/two-instances.sh checks that the probe paths answer on a running instance.
set -euo pipefail
cd "$(dirname "$0")/.."

python=python3
if ! "$python" -c 'import yaml' 2>/dev/null; then
  echo "kubernetes-manifests: installing Debian's python3-yaml"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-yaml
  # A python3 earlier on the PATH (pyenv, a virtualenv) does not see Debian's modules.
  "$python" -c 'import yaml' 2>/dev/null || python=/usr/bin/python3
fi

"$python" - <<'EOF'
import glob, os, re, sys
import yaml

passed = failed = 0
def check(name, ok, detail=""):
    global passed, failed
    if ok: passed += 1
    else: failed += 1
    print(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")

def mebibytes(quantity):
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi|m|M|G|)?", str(quantity)).groups()
    return int(number) * {"Mi": 1, "Gi": 1024, "M": 1, "G": 1000}.get(unit or "", 1 / 1048576)

def seconds(duration):
    number, unit = re.fullmatch(r"(\d+)([smhSMH]?)", duration).groups()
    return int(number) * {"": 1, "s": 1, "m": 60, "h": 3600}[unit.lower()]

docs = {}
for path in sorted(glob.glob("deploy/kubernetes/*.yaml")):
    try:
        loaded = [d for d in yaml.safe_load_all(open(path)) if d is not None]
    except yaml.YAMLError as e:
        check(f"{path} parses", False, str(e).splitlines()[0])
        continue
    for doc in loaded:
        required = all(doc.get(k) for k in ("apiVersion", "kind")) and (doc["kind"] == "Kustomization" or doc.get("metadata", {}).get("name"))
        check(f"{path}: {doc.get('kind')} has apiVersion, kind and metadata.name", bool(required))
        docs.setdefault(doc.get("kind"), []).append((path, doc))

expected = {"Deployment": "apps/v1", "Service": "v1", "PodDisruptionBudget": "policy/v1",
            "Kustomization": "kustomize.config.k8s.io/v1beta1"}
for kind, version in expected.items():
    found = docs.get(kind, [])
    check(f"one {kind} ({version})", len(found) == 1 and found[0][1]["apiVersion"] == version)
if failed:
    print(f"kubernetes-manifests: {passed} passed, {failed} failed"); sys.exit(1)

kustomization = docs["Kustomization"][0][1]
listed = {os.path.join("deploy/kubernetes", r) for r in kustomization.get("resources", [])}
manifests = {p for kind, found in docs.items() if kind != "Kustomization" for p, _ in found}
check("kustomization.yaml lists every manifest", listed == manifests, f"{sorted(listed ^ manifests)}")

deployment = docs["Deployment"][0][1]
spec = deployment["spec"]
pod = spec["template"]
labels = pod["metadata"]["labels"]
matches = lambda selector: bool(selector) and all(labels.get(k) == v for k, v in selector.items())
check("Deployment: 2 replicas", spec.get("replicas") == 2, str(spec.get("replicas")))
check("Deployment: its selector matches its pods' labels", matches(spec["selector"]["matchLabels"]))
check("Deployment: rolling update never goes below the replicas", spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0)
containers = pod["spec"]["containers"]
check("Deployment: one container", len(containers) == 1)
c = containers[0]
check("container: has an image", bool(c.get("image")))
ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
check("container: port http is 8080", ports.get("http") == 8080, str(ports))
for probe, path in (("startupProbe", "/q/health/started"), ("readinessProbe", "/q/health/ready"), ("livenessProbe", "/q/health/live")):
    get = c.get(probe, {}).get("httpGet", {})
    check(f"container: {probe} GET {path} on port http", get.get("path") == path and get.get("port") == "http", str(get))

properties = open("src/main/resources/application.properties").read()
shutdown = seconds(re.search(r"^quarkus\.shutdown\.timeout=(\S+)", properties, re.M).group(1))
command = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
pre_stop = int(command[1]) if len(command) == 2 and command[0] == "sleep" else None
grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
check("container: preStop sleeps before SIGTERM (endpoints go first)", bool(pre_stop), str(command))
check(f"pod: grace period ({grace} s) covers preStop ({pre_stop} s) + Latchkey's drain ({shutdown} s)",
      pre_stop is not None and grace >= pre_stop + shutdown)

heap = mebibytes(re.search(r'^default_java_opts=".*?-Xmx(\d+[mg])', open("bin/jvm-options").read(), re.M).group(1).replace("m", "Mi").replace("g", "Gi"))
resources = c.get("resources", {})
requests, limits = resources.get("requests", {}), resources.get("limits", {})
check("container: requests and limits for cpu and memory",
      all(k in requests for k in ("cpu", "memory")) and all(k in limits for k in ("cpu", "memory")), str(resources))
if "memory" in requests and "memory" in limits:
    check(f"container: memory request >= twice bin/run's heap ({heap:.0f} MiB), limit >= request",
          mebibytes(requests["memory"]) >= 2 * heap and mebibytes(limits["memory"]) >= mebibytes(requests["memory"]),
          f"{requests['memory']} / {limits['memory']}")

readme = open("README.md").read()
env = {e["name"]: e for e in c.get("env", [])}
undocumented = [n for n in env if n.split("_")[0] in ("LATCHKEY", "QUARKUS") and not re.search(
    re.escape(n) + r"|" + re.escape(n.rsplit("_", 1)[0]) + r"[`/ ]", readme)]
check("container: every variable is documented in the README", not undocumented, str(undocumented))
secrets = {n: e["valueFrom"]["secretKeyRef"]["name"] for n, e in env.items() if "secretKeyRef" in e.get("valueFrom", {})}
needed = ["QUARKUS_DATASOURCE_REACTIVE_URL", "QUARKUS_DATASOURCE_USERNAME",
          "QUARKUS_DATASOURCE_PASSWORD", "LATCHKEY_ADMIN_KEY"]
check("container: database and admin key come from a Secret", all(n in secrets for n in needed),
      str([n for n in needed if n not in secrets]))

service = docs["Service"][0][1]
check("Service: selects the Deployment's pods", matches(service["spec"].get("selector")))
check("Service: targets the named port http", all(p.get("targetPort") in ports for p in service["spec"]["ports"]))
pdb = docs["PodDisruptionBudget"][0][1]
check("PodDisruptionBudget: selects the Deployment's pods", matches(pdb["spec"]["selector"]["matchLabels"]))
check("PodDisruptionBudget: leaves room for one voluntary disruption", 0 < pdb["spec"].get("minAvailable", 0) < spec["replicas"])

print(f"kubernetes-manifests: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
