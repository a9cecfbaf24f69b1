"""A built package runs on nothing but itself and the standard library."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

from dtwin_gui.build import build_packages

PROBE = r"""
import sys
sys.path.insert(0, sys.argv[1])
import importlib, importlib.util, json, pathlib
root = pathlib.Path(sys.argv[1])
assert not any("site-packages" in p for p in sys.path), sys.path
core = sorted(p.stem for p in (root / "dtwin_gui/runtime/core").glob("[!_]*.py"))
for name in ["dtwin_gui.core.event_grammar"] + [f"dtwin_gui.runtime.core.{n}" for n in core]:
    module = importlib.import_module(name)
    assert pathlib.Path(module.__file__).is_relative_to(root), module.__file__
from dtwin_gui.runtime.core import records
from dtwin_gui.runtime.core.function_config import FunctionConfig
config = FunctionConfig.load(root / "dtwin_function.json")
spec = importlib.util.spec_from_file_location("user_process", root / "user/process.py")
user = importlib.util.module_from_spec(spec)
spec.loader.exec_module(user)
record = {"device_id": config.device_id, "timestamp": "2026-11-25T10:00:00.123Z",
          "temperature": 21.456, "humidity": 40.0}
records.check_record(record)
print(json.dumps({"role": config.role, "out": user.process(record),
                  "third_party": sorted(m for m in ("boto3", "botocore", "pydantic", "PySide6")
                                        if m in sys.modules),
                  "core": core}))
"""


def test_processor_package_imports_in_isolation(project, tmp_path):
    results = {r.function: r for r in build_packages(project, tmp_path / "out")}
    extracted = tmp_path / "extracted"
    with zipfile.ZipFile(results["processor-temperature-sensor-1"].path) as zf:
        zf.extractall(extracted)
    # -I: no environment, no cwd/script dir, no user site; -S: no site-packages at all.
    run = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE, str(extracted)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["role"] == "processor"
    assert report["out"]["temperature"] == 21.46
    assert report["out"]["temperature_f"] == round(21.46 * 9 / 5 + 32, 2)
    assert report["third_party"] == []
    assert "records" in report["core"]
