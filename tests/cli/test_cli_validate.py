"""Validation reports every error of a file, each on its own line naming the field path and the value; exit 2."""

from typer.testing import CliRunner

from socsim.cli import app

BAD_FIELDS = """\
name: bad
deadline_ms: -3
frames: 0
soc:
  bus:
    width_bytes: 0
    widht: 3
masters:
  - {kind: cpu, name: cpu, rate_gbps: -1}
workload:
  model: mobilenet_v1
"""

BAD_CHECKS = """\
name: bad
deadline_ms: 3
masters:
  - {kind: cpu, name: npu, rate_gbps: 1}
workload:
  model: mobilenet_v1
  height: 33
  width: 48
  images: [nothere.png]
codec: zip
"""


def validate(tmp_path, text):
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return CliRunner().invoke(app, ["validate", str(p)])


def test_every_field_error_on_its_own_line(tmp_path):
    res = validate(tmp_path, BAD_FIELDS)
    assert res.exit_code == 2 and res.stdout == ""
    assert res.stderr.splitlines() == [
        "error: frames=0: Input should be greater than 0",
        "error: deadline_ms=-3: Input should be greater than 0",
        "error: soc.bus.width_bytes=0: Input should be greater than 0",
        "error: soc.bus.widht: unknown field (check the spelling)",
        "error: masters[0].rate_gbps=-1: Input should be greater than 0",
    ]


def test_every_check_error_on_its_own_line(tmp_path):
    res = validate(tmp_path, BAD_CHECKS)
    assert res.exit_code == 2 and "Traceback" not in res.output
    lines = res.stderr.splitlines()
    assert all(line.startswith("error: ") for line in lines)
    assert [line.split("=")[0][len("error: "):] for line in lines] == [
        "codec.name", "workload.images[0]", "workload.height", "workload.width", "masters[0].name"]
