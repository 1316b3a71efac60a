"""check-config on configs written to reproduce what public sites' config.yml files do (none is a copy).

Each file under real_patterns/ says what to expect in its first lines:
`# expect: ok` (exit 0; `# warning: LINE:COL: text` for a warning that must be printed), or
`# expect: LINE:COL: text` (exit 2, with an error at that line and column; `# hint: text` for its hint).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from editor_app.config.check import main as check_config

PATTERNS = Path(__file__).parent / "real_patterns"
CONFIGS = sorted(PATTERNS.glob("*.yml"))


def header(path: Path, key: str) -> list[str]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(rf"# {key}: (.*)$", line)
        if match:
            found.append(match.group(1))
    return found


def test_there_are_accepted_and_refused_patterns():
    accepted = [p for p in CONFIGS if header(p, "expect") == ["ok"]]
    assert len(accepted) >= 15 and len(CONFIGS) - len(accepted) >= 15
    assert all(p.name.startswith("accept_") == (p in accepted) for p in CONFIGS)


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_check_config_accepts_or_refuses_with_file_line_column(path: Path):
    out, err = io.StringIO(), io.StringIO()
    code = check_config([str(path)], out=out, err=err)
    expected = header(path, "expect")[0]
    if expected == "ok":
        assert code == 0, err.getvalue()
        for warning in header(path, "warning"):
            assert f"  {path}:{warning}" in out.getvalue(), out.getvalue()
        return
    assert code == 2 and out.getvalue() == ""
    lines = err.getvalue().splitlines()
    assert any(line.startswith(f"{path}:{expected}") for line in lines), err.getvalue()
    assert all(re.match(rf"{re.escape(str(path))}:\d+:\d+: ", line) for line in lines if line.startswith(str(path)))
    for hint in header(path, "hint"):
        assert "  hint: " in err.getvalue() and hint in err.getvalue(), err.getvalue()
