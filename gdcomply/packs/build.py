"""Building a report pack: the one dispatch by kind, the temporary folder, the manifest, the atomic move.

``build_pack(setup, request, ledger=…, evidence=…, version=…)`` finds the instance the
request names, has the kind's planner (``PLANNERS``: one module per kind) gather its data
(connection applications, the ledger's statuses, the --notes) and describe every file as
plain data (gdcomply.packs.model), and has ``gdcomply.reports`` render them. Nothing here
imports openpyxl, XlsxWriter, docxtpl or jinja2 (they are imported lazily through
``gdcomply.reports`` when a pack is rendered).

A pack is a folder named after the instance (``connection-data_2026-H1_guiyuan``) holding
the documents and ``manifest.json`` (SHA-256 of every file and input, the gdcomply
version, the instance, as_of). It is rendered into a temporary folder beside the target
and renamed into place only when complete, so a failure leaves no half-written pack; an
existing pack is replaced only with ``force``.

Reproducibility: every file depends only on the inputs and as_of (documents' internal
timestamps are set to as_of, zip entries are dated and ordered), so the same inputs give
byte-identical packs.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from gdcomply.errors import InputError, RenderError, UsageError
from gdcomply.packs import company, connection_data, progress_report, rectification, self_inspection
from gdcomply.packs.model import PackFile, PackRequest, PackResult
from gdcomply.packs.shared import UNIT_PARTIES, PackContext, Plan, sha256_of

if TYPE_CHECKING:
    from gdcomply.calendar import Instance
    from gdcomply.ledger.store import Evidence, Ledger
    from gdcomply.setup import Setup

# The one dispatch by kind: which module plans which pack. The company's connection data is
# the consolidation of its units' packs, planned by a module of its own.
PLANNERS: dict[str, Callable[[PackContext], Plan]] = {
    "connection-data": connection_data.plan_pack,
    "progress-report": progress_report.plan_pack,
    "self-inspection": self_inspection.plan_pack,
    "rectification": rectification.plan_pack,
}
COMPANY_PLANNERS: dict[str, Callable[[PackContext], Plan]] = {"connection-data": company.plan_pack}
KINDS = tuple(PLANNERS)


def _planner(request: PackRequest) -> Callable[[PackContext], Plan]:
    if request.party == "company" and request.obligation in COMPANY_PLANNERS:
        return COMPANY_PLANNERS[request.obligation]
    return PLANNERS[request.obligation]


def needs_ledger(obligation: str, party: str, inputs: Sequence[Path]) -> bool:
    """Whether building this pack reads the ledger (statuses, or the units' submissions)."""
    if obligation in ("progress-report", "self-inspection"):  # statuses; the complaints of 二(四)
        return True
    return obligation == "connection-data" and party == "company" and not inputs


def pack_name(obligation: str, period: str, party: str) -> str:
    return f"{obligation}_{period}_{party}"


def build_pack(
    setup: Setup,
    request: PackRequest,
    *,
    version: str,
    ledger: Ledger | None = None,
    evidence: Evidence | None = None,
) -> PackResult:
    """Render the pack the request names into request.out_dir (atomically); see the module doc."""
    from gdcomply.tracking import find_instances

    if request.obligation not in KINDS:
        raise UsageError(
            f"“{request.obligation}”没有报送包。可生成报送包的事项：{'、'.join(KINDS)}"
        )
    instances = find_instances(
        setup.calendar, setup.workdays, request.obligation, request.period, request.party, "all"
    )
    primary = _primary(instances, request.party)
    folder = request.out_dir / pack_name(request.obligation, request.period, request.party)
    zip_path = folder.with_name(folder.name + ".zip") if request.make_zip else None
    if not request.force:
        for existing in (folder, zip_path):
            if existing is not None and existing.exists():
                raise UsageError(f"报送包 {existing} 已存在，未做任何修改。如需重新生成并覆盖，请加 --force")
    _check_inputs(request)

    context = PackContext(setup, request, primary, instances, ledger, evidence)
    plan = _planner(request)(context)
    for name in sorted({name for name, _ in plan.files}):
        if "/" in name or name.startswith("."):
            raise RenderError(f"报送包文件名无效：{name}")

    try:
        request.out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=request.out_dir))
        staging.chmod(0o755)  # mkdtemp makes it private; a pack is an ordinary folder
    except OSError as exc:
        raise RenderError(f"无法在 {request.out_dir} 创建报送包：{exc.strerror or exc}") from None
    staged_zip: Path | None = None
    try:
        written: list[PackFile] = []
        for name, render in plan.files:
            target = staging / name
            try:
                render(target)
            except OSError as exc:
                raise RenderError(f"无法写入 {name}：{exc.strerror or exc}") from None
            sha, size = sha256_of(target)
            written.append(PackFile(name, sha, size))
        manifest = _manifest(context, plan, written, version)
        (staging / "manifest.json").write_text(manifest, encoding="utf-8")
        if zip_path is not None:
            from gdcomply.reports.deterministic import write_zip

            staged_zip = zip_path.with_name(f".{zip_path.name}.tmp-{os.getpid()}")
            write_zip(staged_zip, staging, folder.name, request.as_of)
        replaced = _move_into_place(staging, folder, staged_zip, zip_path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if staged_zip is not None:
            staged_zip.unlink(missing_ok=True)
        raise
    return PackResult(
        folder, zip_path, primary.id, tuple(written), tuple(plan.warnings), tuple(plan.missing_units), replaced
    )


def _move_into_place(staging: Path, folder: Path, staged_zip: Path | None, zip_path: Path | None) -> bool:
    replaced = folder.exists()
    old: Path | None = None
    if replaced:
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(folder, old)
    try:
        os.replace(staging, folder)
    except OSError as exc:
        if old is not None:
            os.replace(old, folder)
        raise RenderError(f"无法写入报送包 {folder}：{exc.strerror or exc}") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    if staged_zip is not None and zip_path is not None:
        os.replace(staged_zip, zip_path)
    return replaced


def _primary(instances: list[Instance], party: str) -> Instance:
    """The instance the pack is named after: the report to the party's first receiver."""
    preferred = "company" if party in UNIT_PARTIES else "bureau"
    for instance in instances:
        if instance.receiver == preferred:
            return instance
    with_receiver = [i for i in instances if i.receiver]
    return (with_receiver or instances)[0]


def _check_inputs(request: PackRequest) -> None:
    problems = []
    for path in (*request.inputs, request.pauses, request.notes):
        if path is None:
            continue
        if not path.exists():
            problems.append(f"{path}：文件不存在")
        elif path.is_dir():
            problems.append(f"{path}：是目录，不是文件")
    if problems:
        raise InputError("以下输入文件无法使用，未生成报送包：\n" + "\n".join(problems))


def _manifest(context: PackContext, plan: Plan, files: list[PackFile], version: str) -> str:
    request = context.request
    inputs = []
    for item in plan.inputs:
        sha, size = sha256_of(item.path)
        entry: dict[str, Any] = {"role": item.role, "name": item.name, "sha256": sha, "size": size}
        if item.party:
            entry["party"] = item.party
        inputs.append(entry)
    document = {
        "gdcomply_version": version,
        "pack": request.obligation,
        "instance_id": context.primary.id,
        "instances": [i.id for i in context.instances],
        "period": request.period,
        "party": request.party,
        "as_of": request.as_of.isoformat(),
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in files],
        "inputs": inputs,
        "missing_units": list(plan.missing_units),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
