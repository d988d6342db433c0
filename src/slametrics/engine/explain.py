"""Why a clock's verdict is what it is: the segments of its span and the events that set it.

A clock's span [start, stop or as_of) is tiled by its status rows; the rows of a paused class
become `paused` segments (or `after_resolution` between a stop and its reopen), the others are
cut at the calendar's working intervals into `working` and `outside_hours` segments. The
working segments are the very pieces whose measure `clock_frame` adds up, so their seconds add
up to `elapsed_s` exactly. Vectorized over the tickets asked for: loops run over clocks and
calendars only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.business_time import WorkingTime, build_working_time
from slametrics.columns import NAT, US, codes_in, from_us, group_first, to_us
from slametrics.engine.clocks import ClockInputs, PreparedLog, clock_inputs
from slametrics.engine.measure import ClockInput, clock_frame
from slametrics.engine.timeline import Timeline
from slametrics.eventcodes import CLASS_CODE, CLASS_NAMES, ticket_index
from slametrics.policy import Policy

SEGMENT_KINDS = ("working", "outside_hours", "paused", "after_resolution")
WORKING, OUTSIDE, PAUSED, AFTER = range(len(SEGMENT_KINDS))
KIND_NAMES = np.array(SEGMENT_KINDS, dtype=object)
CLOCK_COLUMNS = (
    "row tix clock rule calendar target_s started_at stopped_at elapsed_s paused_s due_at "
    "outcome decided_at note start_by stop_by"
).split()


@dataclass
class Explained:
    """The clocks of the tickets asked for, their segments and the instants that set them.

    `clocks` has one row per asked ticket and declared clock (`row` numbers them in the order
    asked); `segments` refer to it by `row`, sorted by row and time.
    """

    clocks: pd.DataFrame
    segments: pd.DataFrame
    priority: pd.Series  # per ticket of the log, the priority the target rules saw
    status_at: np.ndarray  # per ticket of the log, its status class at as_of (None if later)


def explain_clocks(
    p: PreparedLog,
    policy: Policy,
    as_of_us: int,
    tix: np.ndarray,
    knowledge: pd.Timestamp | None = None,
) -> Explained:
    """Explain every declared clock of the tickets `tix` (rows of `p.tickets`) at `as_of_us`."""
    asked = np.zeros(len(p.created), dtype=bool)
    asked[tix] = True
    in_scope = asked & (p.created <= as_of_us)
    inputs = clock_inputs(p, policy, as_of_us, in_scope, knowledge)
    rows, segments = [], []
    for k, (clock, (c, tl)) in enumerate(inputs.clocks.items()):
        row_of = np.full(len(p.created), -1, dtype=np.int64)
        row_of[tix] = np.arange(len(tix)) * len(inputs.clocks) + k
        frame = clock_frame(p.tickets, tl, c, as_of_us, policy, inputs.priority, lean=False)
        rows.append(_clock_rows(p, policy, inputs, clock, c, frame, tix, row_of, in_scope))
        bound = np.where(c.stop != NAT, c.stop, as_of_us)
        seg = clock_segments(tl, c, bound, policy, _after_codes(policy, clock))
        seg = seg[~c.unknown[seg["tix"].to_numpy()]]  # no stop known: no span to show
        seg.insert(0, "row", row_of[seg["tix"].to_numpy()])
        segments.append(seg)
    clocks = pd.concat(rows, ignore_index=True).sort_values("row", kind="stable")
    seg = pd.concat(segments, ignore_index=True).sort_values(["row", "start"], kind="stable")
    seg = seg.reset_index(drop=True)
    status_at = np.where(in_scope, CLASS_NAMES[inputs.state.final_cls], None)
    return Explained(clocks.reset_index(drop=True), _with_totals(seg), inputs.priority, status_at)


def _after_codes(policy: Policy, clock: str) -> np.ndarray:
    """The stop classes whose time inside the span is a gap between a stop and its reopen."""
    spec = policy.clock(clock)
    if clock == "first_response" or spec.reopen != "resume":
        return np.array([], dtype=np.int8)
    return np.array([CLASS_CODE[x] for x in spec.stop_on], dtype=np.int8)


def _clock_rows(
    p: PreparedLog,
    policy: Policy,
    inputs: ClockInputs,
    clock: str,
    c: ClockInput,
    frame: pd.DataFrame,
    tix: np.ndarray,
    row_of: np.ndarray,
    in_scope: np.ndarray,
) -> pd.DataFrame:
    """One row per asked ticket for `clock`: the clock frame's figures, or why there are none."""
    out = pd.DataFrame({"row": row_of[tix], "tix": tix, "clock": clock})
    out["rule"] = inputs.rule[tix]
    figures = frame.set_index("tix").reindex(tix)
    for col in ("calendar", "target_s", "started_at", "stopped_at", "elapsed_s", "paused_s"):
        out[col] = figures[col].to_numpy()
    for col in ("due_at", "outcome", "decided_at"):
        out[col] = figures[col].to_numpy()
    out["note"] = _notes(p, policy, clock, c, tix, in_scope, inputs.rule)
    out["start_by"] = "created" if policy.clock(clock).start_on == "created" else "status"
    reply = inputs.replies[0][tix]
    stop = c.stop[tix]
    by = np.where(c.by_cancel[tix], "canceled", "status")
    if clock == "first_response":
        by = np.where((stop == reply) & ~c.by_cancel[tix], "reply", by)
    out["stop_by"] = np.where((stop == NAT) | c.unknown[tix], None, by)
    return out[CLOCK_COLUMNS]


def _notes(
    p: PreparedLog,
    policy: Policy,
    clock: str,
    c: ClockInput,
    tix: np.ndarray,
    in_scope: np.ndarray,
    rule: np.ndarray,
) -> np.ndarray:
    """Why a clock has no figures (or what limits them); None where nothing needs saying."""
    note = np.full(len(tix), None, dtype=object)
    r = rule[tix]
    note[c.unknown[tix] & c.has[tix]] = "unknown: the source carries no reply information"
    note[c.by_cancel[tix] & c.has[tix]] = "stopped by the ticket's cancellation"
    note[~c.has[tix] & (c.targets[tix] >= 0)] = (
        f"not started: never entered {', '.join(policy.clock(clock).start_on)}"
    )
    no_target = (c.targets[tix] < 0) & (r >= 0)
    # a rule without a target for the clock leaves it untargeted: no fall-through
    labels = [
        f"untargeted: rule {i + 1} sets no {clock} target" for i in range(len(policy.targets))
    ]
    labels = np.array([*labels, ""], dtype=object)
    note[no_target] = labels[r[no_target]]
    note[r < 0] = "untargeted: no target rule matched"
    note[p.excluded[tix]] = "excluded by the policy's exclude rules"
    note[~in_scope[tix]] = "not created by as_of"
    return note


def clock_segments(
    tl: Timeline, c: ClockInput, bound: np.ndarray, policy: Policy, after: np.ndarray
) -> pd.DataFrame:
    """Segments tiling [start, bound) of every ticket with the clock (tix, start, end in us)."""
    rows = np.flatnonzero(c.has[tl.tix])
    tix = tl.tix[rows]
    s = np.maximum(tl.at[rows], c.start[tix])
    e = np.minimum(tl.next_at[rows], bound[tix])
    real = e > s
    tix, s, e, cls = tix[real], s[real], e[real], tl.cls[rows][real]
    paused = np.isin(cls, c.pause)
    pause_kind = np.where(np.isin(cls[paused], after), AFTER, PAUSED)
    parts = [(tix[paused], s[paused], e[paused], pause_kind, cls[paused])]
    for name, cal in policy.calendars.items():  # a few calendars, each vectorized
        sel = ~paused & (c.calendar[tix] == name)
        if not sel.any():
            continue
        wt = build_working_time(cal, policy.timezone, int(s[sel].min()), int(e[sel].max()))
        piece, a, b, working = split_by_hours(wt, s[sel], e[sel])
        parts.append((tix[sel][piece], a, b, np.where(working, WORKING, OUTSIDE), cls[sel][piece]))
    tix, s, e, kind, cls = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.lexsort((s, tix))
    return pd.DataFrame(
        {
            "tix": tix[order],
            "start": s[order],
            "end": e[order],
            "kind": kind[order].astype(np.int8),
            "status": cls[order],
        }
    )


def split_by_hours(
    wt: WorkingTime, s: np.ndarray, e: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut the intervals [s, e) at the working intervals: (piece, start, end, working).

    Each piece becomes the points s, then the working intervals it meets (clipped to it) as
    start/end pairs, then e; between consecutive points, odd positions are working time.
    """
    m = len(s)
    k0 = np.maximum(np.searchsorted(wt.starts, s, side="right") - 1, 0)
    k1 = np.searchsorted(wt.starts, e, side="left") - 1
    cnt = np.maximum(k1 - k0 + 1, 0)
    piece = np.repeat(np.arange(m), cnt)
    offset = np.repeat(np.cumsum(cnt) - cnt, cnt)
    k = k0[piece] + np.arange(len(piece)) - offset
    ws = np.clip(wt.starts[k], s[piece], e[piece])
    we = np.clip(wt.ends[k], s[piece], e[piece])
    size = 2 + 2 * cnt
    first = np.cumsum(size) - size
    pts = np.empty(int(size.sum()), dtype=np.int64)
    pts[first] = s
    pts[first + size - 1] = e
    inner = first[piece] + 1 + 2 * (np.arange(len(piece)) - offset)
    pts[inner] = ws
    pts[inner + 1] = we
    owner = np.repeat(np.arange(m), size)
    pos = np.arange(len(pts)) - np.repeat(first, size)
    within = np.flatnonzero(pos[:-1] < np.repeat(size - 1, size)[:-1])
    a, b = pts[within], pts[within + 1]
    keep = b > a
    return owner[within][keep], a[keep], b[keep], (pos[within][keep] % 2) == 1


def _with_totals(seg: pd.DataFrame) -> pd.DataFrame:
    """Seconds per segment and the working time elapsed by each segment's end, per clock row."""
    row = seg["row"].to_numpy()
    length = seg["end"].to_numpy() - seg["start"].to_numpy()
    kind = seg["kind"].to_numpy()
    work = np.where(kind == WORKING, length, 0)
    total = np.cumsum(work)
    firsts = group_first(row)
    sizes = np.diff(np.append(firsts, len(row)))
    running = total - np.repeat(total[firsts] - work[firsts], sizes) if len(row) else total
    return pd.DataFrame(
        {
            "row": row,
            "start": from_us(seg["start"].to_numpy()),
            "end": from_us(seg["end"].to_numpy()),
            "kind": KIND_NAMES[kind],
            "seconds": length / US,
            "status": CLASS_NAMES[seg["status"].to_numpy()],
            "running_total_s": running / US,
        }
    )


def setting_events(
    p: PreparedLog, events: pd.DataFrame, clocks: pd.DataFrame, policy: Policy
) -> pd.DataFrame:
    """The events that set each clock row's start and stop: (row, role, at, event, value).

    An event counts at its ticket's creation when stamped before it (as the clocks read it).
    A start at creation without a `created` event is described by the creation itself.
    """
    want = _wanted(clocks)
    ev = events.loc[events["ticket_id"].isin(p.tickets["ticket_id"].take(clocks["tix"]))]
    ev = ev.reset_index(drop=True)
    ev_tix = ticket_index(p.tickets, ev)
    ev = ev.loc[ev_tix >= 0].assign(tix=ev_tix[ev_tix >= 0])
    ev["at_us"] = np.maximum(to_us(ev["at"]), p.created[ev["tix"].to_numpy()])
    ev["code"] = codes_in(ev["status_class"], list(CLASS_NAMES))
    m = want.merge(ev[["tix", "at_us", "at", "event", "value", "code", "seq"]], on=["tix", "at_us"])
    ok = np.zeros(len(m), dtype=bool)
    by = m["by"].to_numpy()
    code = m["code"].to_numpy()
    ok |= (by == "created") & (m["event"] == "created").to_numpy(dtype=bool)
    ok |= (by == "reply") & (m["event"] == "agent_reply").to_numpy(dtype=bool)
    ok |= (by == "canceled") & (code == CLASS_CODE["canceled"])
    for clock in policy.clock_names:  # each clock's own start and stop classes
        spec = policy.clock(clock)
        of_clock = (m["clock"] == clock).to_numpy(dtype=bool) & (by == "status")
        starts = [] if spec.start_on == "created" else [CLASS_CODE[x] for x in spec.start_on]
        stops = [CLASS_CODE[x] for x in spec.stop_on]
        role = m["role"].to_numpy()
        ok |= of_clock & (role == "start") & np.isin(code, starts)
        ok |= of_clock & (role == "stop") & np.isin(code, stops)
    found = m[ok].sort_values(["row", "role", "seq"], kind="stable")
    found = found.drop_duplicates(["row", "role"])[["row", "role", "at", "event", "value"]]
    out = want[["row", "role", "at_us", "by"]].merge(found, on=["row", "role"], how="left")
    made = out["event"].isna().to_numpy() & (out["by"] == "created").to_numpy(dtype=bool)
    out["at"] = out["at"].where(~made, from_us(out["at_us"].to_numpy()))
    out.loc[made, "event"] = "created"
    return out[["row", "role", "at", "event", "value", "by"]]


def _wanted(clocks: pd.DataFrame) -> pd.DataFrame:
    """Per clock row, its start and its stop (when known) with what set them."""
    parts = []
    for role, at, by in (("start", "started_at", "start_by"), ("stop", "stopped_at", "stop_by")):
        part = clocks[["row", "tix", "clock"]].assign(role=role, by=clocks[by])
        part["at_us"] = to_us(clocks[at])
        parts.append(part[(part["at_us"] != NAT).to_numpy() & part["by"].notna().to_numpy()])
    return pd.concat(parts, ignore_index=True)
