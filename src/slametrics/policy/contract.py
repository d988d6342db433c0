"""The `contract:` section of a policy (DESIGN §12): fee, volumes, overage, credits, lines, signals."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from slametrics.policy.values import Duration


def _money(value: Any) -> Any:
    """Money as an exact decimal: a YAML float goes through its shortest text (`0.1`, not
    `0.1000000000000000055...`); a bool or a text that is not a number is refused."""
    if isinstance(value, bool):
        raise ValueError(f"not an amount of money: {value!r}")
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip().replace(" ", "").replace(",", "."))
        except ArithmeticError:
            raise ValueError(
                f"not an amount of money: {value!r} (e.g. 13900 or 13900.50)"
            ) from None
    return value


def _share(value: Any) -> Any:
    """A share is a fraction: `30` is refused with the fraction it probably meant."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 < value <= 100:
        raise ValueError(f"a share is a fraction in [0, 1]: write {value / 100:g} for {value:g}%")
    return value


Money = Annotated[Decimal, BeforeValidator(_money), Field(ge=0, decimal_places=4)]
Share = Annotated[float, BeforeValidator(_share), Field(ge=0, le=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Included(_Strict):
    """Volume covered by the fee in each billing period."""

    tickets: int | None = Field(None, ge=0, description="Tickets created in the billing period")
    hours: float | None = Field(
        None, ge=0, description="Hours of time_spent of the tickets resolved in the billing period"
    )


class Overage(_Strict):
    """Price of each unit beyond the included volume."""

    ticket: Money | None = Field(None, description="Price of each ticket beyond `included.tickets`")
    hour: Money | None = Field(None, description="Price of each hour beyond `included.hours`")


class Credit(_Strict):
    """A service credit: a share of the fee when a threshold of the policy is missed."""

    threshold: str = Field(
        description="A threshold of `thresholds:` by its metric (every threshold of that metric) "
        "or its label (`on_time_share clock=first_response priority=urgent`)"
    )
    credit: Share = Field(description="Share of the fee credited when the threshold is missed")


class Line(_Strict):
    """A support line: the groups (or assignees) whose assignment puts a ticket on it."""

    group: list[str] = Field(default_factory=list)
    assignee: list[str] = Field(default_factory=list)


class SignalThresholds(_Strict):
    """When a fact about a ticket becomes a behaviour signal (DESIGN §12)."""

    shortly: Duration = Field(
        3600,
        json_schema_extra={"default": "1h"},
        description="Working time of the resolution clock left before its due time within which "
        "a priority lowering, a move to waiting or a cancellation is signalled (default 1h)",
    )
    ask_within: Duration = Field(
        3600,
        json_schema_extra={"default": "1h"},
        description="A move to waiting_customer without a public agent reply within this wall "
        "time before or after it is `parked-in-waiting` (default 1h)",
    )
    reopen_within: Duration = Field(
        172800,
        json_schema_extra={"default": "2d"},
        description="A reopen within this wall time after the resolution (default 2d)",
    )
    split_within: Duration = Field(
        86400,
        json_schema_extra={"default": "1d"},
        description="A new ticket of the same requester and subject within this wall time "
        "after a resolution (default 1d)",
    )


class Contract(_Strict):
    """Volumes and money per billing period, support lines and behaviour signals."""

    billing_period: Literal["month", "quarter"] = "month"
    currency: str = Field("", max_length=12, description="Currency code, e.g. RUB, EUR")
    fee: Money = Field(Decimal(0), description="Fee per billing period")
    included: Included = Field(default_factory=Included)
    overage: Overage = Field(default_factory=Overage)
    credits: list[Credit] = Field(default_factory=list)
    credit_cap: Share = Field(1.0, description="Credits of a billing period add up to this share")
    lines: dict[str, Line] = Field(
        default_factory=dict,
        description="Support lines, lowest first (L1, L2, ...): a ticket's line is the highest "
        "its assignment history reached",
    )
    signals: SignalThresholds = Field(default_factory=SignalThresholds)

    @field_validator("lines")
    @classmethod
    def _lines(cls, v: dict[str, Line]) -> dict[str, Line]:
        seen: dict[str, str] = {}
        for name, line in v.items():
            if not line.group and not line.assignee:
                raise ValueError(f"{name}: a line needs `group:` or `assignee:` values")
            for value in [*line.group, *line.assignee]:
                key = value.strip().casefold()
                if key in seen and seen[key] != name:
                    raise ValueError(f"{name}: {value!r} is already on line {seen[key]}")
                seen[key] = name
        return v

    def credit_problems(self, labels: list[str], metrics: list[str]) -> list[str]:
        """Credits naming no threshold of the policy (messages with their key path)."""
        out = []
        for i, c in enumerate(self.credits):
            if c.threshold not in labels and c.threshold not in metrics:
                known = ", ".join(dict.fromkeys(labels)) or "none"
                out.append(
                    f"contract.credits.{i}.threshold: no threshold {c.threshold!r} in "
                    f"`thresholds:` (thresholds: {known})"
                )
        return out

    def pricing_problems(self) -> list[str]:
        """An overage price without its included volume, or the reverse."""
        out = []
        for unit, volume in (("ticket", "tickets"), ("hour", "hours")):
            has_price = getattr(self.overage, unit) is not None
            has_volume = getattr(self.included, volume) is not None
            if has_price and not has_volume:
                out.append(
                    f"contract.overage.{unit}: a price per extra {unit} needs "
                    f"`contract.included.{volume}` (the volume in the fee)"
                )
        return out
