"""Field paths into scenario data: ``soc.bus.width_bytes``, ``masters[0].rate_gbps`` (dots between
mapping keys, list indices in brackets), as sweeps and ``--set`` use them."""

from __future__ import annotations

import re
from typing import Any

from socsim.errors import ScenarioError

_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """'masters[0].rate_gbps' → ['masters', 0, 'rate_gbps']."""
    parts: list[str | int] = []
    pos = 0
    for m in _PATH_PART.finditer(path):
        if m.start() != pos and path[pos:m.start()] != ".":
            raise ScenarioError(f"field path {path!r}: malformed")
        parts.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    if not parts or pos != len(path):
        raise ScenarioError(f"field path {path!r}: malformed")
    return parts


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a field path inside nested scenario data, creating mappings as needed."""
    parts = parse_path(path)
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                raise ScenarioError(f"field {path!r}: no list element [{part}] in the scenario")
            node = node[part]
            continue
        if not isinstance(node, dict):
            raise ScenarioError(f"field {path!r}: {part!r} is not inside a mapping")
        if part not in node or node[part] is None:
            node[part] = [] if isinstance(nxt, int) else {}
        node = node[part]
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise ScenarioError(f"field {path!r}: no list element [{last}] in the scenario")
    elif not isinstance(node, dict):
        raise ScenarioError(f"field {path!r}: {last!r} is not inside a mapping")
    node[last] = value
