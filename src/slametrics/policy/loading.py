"""Reading a policy: YAML (safe loader) validated as the model, errors naming key path and value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from slametrics.errors import PolicyError, UserError
from slametrics.policy.model import Policy


def _format_error(err: dict[str, Any]) -> str:
    hidden = ("function-", "literal[", "calendar-")
    loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith(hidden))
    msg = err["msg"].removeprefix("Value error, ")
    value = err.get("input")
    shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
    return f"{loc}: {msg}{shown}" if loc else msg


def parse_policy(data: Any, path: str = "<policy>") -> Policy:
    """Validate already-loaded YAML data as a Policy; errors name the key path and bad value."""
    if not isinstance(data, dict):
        raise PolicyError(path, ["<top>: the policy must be a mapping of keys to values"])
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        seen, messages = set(), []
        for err in exc.errors():
            for text in _format_error(err).splitlines():  # a policy check may report several
                if text in seen:
                    continue
                seen.add(text)
                messages.append(text)
        raise PolicyError(path, messages) from exc


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy YAML file (safe loader only)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"policy file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read policy file {p}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(str(p), [f"not valid YAML: {exc}"]) from None
    return parse_policy(data, str(p))


def policy_json_schema() -> dict[str, Any]:
    """JSON Schema of the policy file, for editors."""
    schema = Policy.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "slametrics SLA policy"
    return schema
