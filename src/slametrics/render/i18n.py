"""Report texts in English and Russian, and number, date and duration formats per language."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

NBSP = "\u00a0"

# Every visible label of the report goes through these tables; tests/test_report.py checks
# that both languages have the same keys and that a Russian report shows no English label.
EN: dict[str, str] = {
    "title": "Support report",
    "period": "Period",
    "as_of": "Data as of",
    "generated": "Generated",
    "timezone": "time zone",
    "full_lists": "Full lists of tickets and clocks:",
    "more": "… and {n} more",
    "none": "—",
    # verdict
    "s.verdict": "Verdict",
    "verdict.all_met": "All contract thresholds met",
    "verdict.missed": "Contract thresholds missed: {n} of {total}",
    "verdict.no_thresholds": "The policy defines no thresholds",
    "verdict.no_data": "No data to judge the contract's thresholds",
    "verdict.met_some": "Contract thresholds met: {met} of {total}; no data for the rest",
    "verdict.on_time": "On time: {value} (clocks: {num} of {den})",
    "verdict.on_time_none": "On time: no clock stopped or breached in this period",
    "verdict.contract": "contract {bound}",
    "empty.title": "No tickets in this period",
    "empty.text": "From {start} to {end} no ticket was created or resolved, and no SLA clock "
    "stopped or breached.",
    "col.indicator": "Indicator",
    "col.value": "Value",
    "col.detail": "Of",
    "col.contract": "Contract",
    "col.result": "Result",
    "col.previous": "Previous",
    "col.trend": "Trend",
    "col.last_periods": "Last periods",
    "result.pass": "met",
    "result.fail": "missed",
    "result.no_data": "no data",
    "trend.better": "better",
    "trend.worse": "worse",
    "trend.flat": "no change",
    # metrics
    "m.on_time_share": "On time",
    "m.first_contact_resolution": "First-contact resolution",
    "m.repeat_incident_rate": "Repeat incidents",
    "m.reopen_rate": "Reopened",
    "m.waiting_on_customer": "Waiting on you",
    "m.created": "Created",
    "m.resolved": "Resolved",
    "m.open_at_end": "Open at the end",
    "clock.first_response": "First response",
    "clock.resolution": "Resolution",
    "qual.priority": "priority",
    "qual.kind": "kind",
    # SLA by priority
    "s.sla": "SLA by priority",
    "col.priority": "Priority",
    "col.clock": "Clock",
    "col.on_time": "On time",
    "col.met": "Met",
    "col.breached": "Breached",
    "col.running": "Running",
    "col.all": "All",
    "col.p90": "p90",
    "sla.none": "No clock stopped or breached in this period.",
    "sla.percentiles": "{clock}: p50 {p50} · p90 {p90} · p95 {p95}",
    "chart.by_priority": "Met and breached clocks by priority",
    # incidents
    "s.incidents": "Incidents by criticality",
    "col.created": "Created",
    "col.resolved": "Resolved",
    "col.open": "Open",
    "incidents.none": "No incidents in this period.",
    "s.critical": "Critical incidents",
    "critical.summary": "{n} in total; breached: {breached}; in progress: {running}",
    "critical.none": "No critical incidents in this period.",
    "col.ticket": "Ticket",
    "col.subject": "Subject",
    "col.restore": "Time to restore",
    "col.target": "Target",
    "col.outcome": "Outcome",
    "outcome.met": "in time",
    "outcome.breached": "breached",
    "outcome.running": "in progress",
    "outcome.none": "no target",
    # repeat incidents
    "s.repeat": "Repeat incidents",
    "repeat.summary": "{rate} of the incidents created in the period repeat an earlier one "
    "({num} of {den}; same {fields})",
    "repeat.none": "No repeat incidents in this period.",
    "col.group": "Repeated",
    "col.count": "Count",
    "col.tickets": "Latest tickets",
    # waiting
    "s.waiting": "Depends on you",
    "waiting.summary": "Tickets waiting for your answer: {n}",
    "waiting.none": "No ticket is waiting for your answer.",
    "col.requester": "Who",
    "col.waiting_since": "Waiting since",
    "col.waited": "Waited",
    # work status
    "s.work": "Work status",
    "col.kind": "Kind",
    "col.in_progress": "In progress",
    "col.waiting": "Waiting",
    "col.done": "Done in period",
    "work.none": "No work in this period.",
    "col.total": "Total",
    # trends
    "s.trend": "Trends",
    "trend.none": "No earlier periods in the data yet.",
    "chart.on_time": "On time",
    "chart.fcr": "First-contact resolution",
    "chart.volume": "Created and resolved",
    "col.period": "Period",
    # risks
    "s.risks": "Risks",
    "risks.summary": "Running clocks with at least {share} of the target used: {n}",
    "risks.none": "No running clock is close to its target.",
    "risks.worse": "Worse period after period (periods in a row): {items}",
    "risks.worse_item": "{metric} ({n})",
    "risks.no_worse": "No metric worsened for consecutive periods.",
    "col.used": "Used",
    "col.due": "Due",
    # data quality
    "s.quality": "Data quality",
    "quality.fidelity": "Tickets with full status history: {history}; "
    "from snapshots only: {snapshot}",
    "quality.snapshot_note": "pauses of snapshot tickets could not be reconstructed",
    "quality.sources": "Sources: {sources}",
    "quality.rejected": "Rejected input rows: {n}; import problems: {problems}",
    "quality.untargeted": "clocks without a target rule: {n}",
    "quality.vendor": "Vendor vs recomputation, {clock}: {disagree} of {compared} disagree "
    "(vendor met, recomputed breached: {vm}; the reverse: {vb})",
    "quality.vendor_examples": "e.g. {ids}",
    "quality.no_vendor": "The data carries no vendor SLA verdicts to compare with.",
    # values
    "kind.other": "other",
    "priority.none": "(none)",
    "field.organization": "organization",
    "field.category": "category",
    "field.service": "service",
    "field.group": "group",
    "field.requester": "requester",
    "field.priority": "priority",
    "field.channel": "channel",
    "pseudonym.org": "Org",
    "pseudonym.person": "Person",
    "join.and": " and ",
    # formats
    "fmt.date": "%Y-%m-%d",
    "fmt.datetime": "%Y-%m-%d %H:%M",
    "fmt.decimal": ".",
    "fmt.thousands": ",",
    "fmt.percent": "{v}%",
    "dur.days": "{d}d {h}h",
    "dur.hours": "{h}h {m:02d}m",
    "dur.whole_hours": "{h}h",
    "dur.minutes": "{m}m",
    "dur.seconds": "{s}s",
}

RU: dict[str, str] = {
    "title": "Отчёт о работе поддержки",
    "period": "Период",
    "as_of": "Данные на",
    "generated": "Сформирован",
    "timezone": "часовой пояс",
    "full_lists": "Полные списки заявок и таймеров:",
    "more": "… и ещё {n}",
    "none": "—",
    "s.verdict": "Итог",
    "verdict.all_met": "Все пороги договора выполнены",
    "verdict.missed": "Не выполнено порогов договора: {n} из {total}",
    "verdict.no_thresholds": "В политике не заданы пороги",
    "verdict.no_data": "Нет данных для оценки порогов договора",
    "verdict.met_some": "Выполнено порогов договора: {met} из {total}; по остальным нет данных",
    "verdict.on_time": "В срок: {value} (таймеров: {num} из {den})",
    "verdict.on_time_none": "В срок: за период ни один таймер не остановлен и не нарушен",
    "verdict.contract": "по договору {bound}",
    "empty.title": "В этом периоде нет заявок",
    "empty.text": "С {start} по {end} не создано и не решено ни одной заявки, ни один таймер SLA "
    "не остановлен и не нарушен.",
    "col.indicator": "Показатель",
    "col.value": "Значение",
    "col.detail": "Из",
    "col.contract": "Договор",
    "col.result": "Результат",
    "col.previous": "Ранее",
    "col.trend": "Динамика",
    "col.last_periods": "Последние периоды",
    "result.pass": "выполнен",
    "result.fail": "не выполнен",
    "result.no_data": "нет данных",
    "trend.better": "лучше",
    "trend.worse": "хуже",
    "trend.flat": "без изменений",
    "m.on_time_share": "В срок",
    "m.first_contact_resolution": "Решено с первого контакта",
    "m.repeat_incident_rate": "Повторные инциденты",
    "m.reopen_rate": "Переоткрыто",
    "m.waiting_on_customer": "Ждут вашего ответа",
    "m.created": "Создано",
    "m.resolved": "Решено",
    "m.open_at_end": "Открыто на конец периода",
    "clock.first_response": "Первый ответ",
    "clock.resolution": "Решение",
    "qual.priority": "приоритет",
    "qual.kind": "вид работ",
    "s.sla": "SLA по приоритетам",
    "col.priority": "Приоритет",
    "col.clock": "Таймер",
    "col.on_time": "В срок",
    "col.met": "Соблюдено",
    "col.breached": "Нарушено",
    "col.running": "Идут",
    "col.all": "Все",
    "col.p90": "p90",
    "sla.none": "За период ни один таймер не остановлен и не нарушен.",
    "sla.percentiles": "{clock}: p50 {p50} · p90 {p90} · p95 {p95}",
    "chart.by_priority": "Соблюдённые и нарушенные сроки по приоритетам",
    "s.incidents": "Инциденты по критичности",
    "col.created": "Создано",
    "col.resolved": "Решено",
    "col.open": "Открыто",
    "incidents.none": "Инцидентов за период не было.",
    "s.critical": "Критические инциденты",
    "critical.summary": "всего: {n}; срок нарушен: {breached}; в работе: {running}",
    "critical.none": "Критических инцидентов за период не было.",
    "col.ticket": "Заявка",
    "col.subject": "Тема",
    "col.restore": "Длительность",
    "col.target": "Норматив",
    "col.outcome": "Итог",
    "outcome.met": "в срок",
    "outcome.breached": "нарушен",
    "outcome.running": "в работе",
    "outcome.none": "без норматива",
    "s.repeat": "Повторные инциденты",
    "repeat.summary": "{rate} инцидентов, созданных за период, повторяют прежние "
    "({num} из {den}; совпадают {fields})",
    "repeat.none": "Повторных инцидентов за период не было.",
    "col.group": "Что повторяется",
    "col.count": "Число",
    "col.tickets": "Последние заявки",
    "s.waiting": "Зависит от вас",
    "waiting.summary": "Заявок ждут вашего ответа: {n}",
    "waiting.none": "Ни одна заявка не ждёт вашего ответа.",
    "col.requester": "Кто",
    "col.waiting_since": "Ждёт с",
    "col.waited": "Ожидание",
    "s.work": "Состояние работ",
    "col.kind": "Вид работ",
    "col.in_progress": "В работе",
    "col.waiting": "Ожидают",
    "col.done": "Сделано за период",
    "work.none": "За период работ не было.",
    "col.total": "Итого",
    "s.trend": "Динамика",
    "trend.none": "Более ранних периодов в данных пока нет.",
    "chart.on_time": "В срок",
    "chart.fcr": "Решено с первого контакта",
    "chart.volume": "Создано и решено",
    "col.period": "Период",
    "s.risks": "Риски",
    "risks.summary": "Идущие таймеры, израсходовавшие не менее {share} норматива: {n}",
    "risks.none": "Нет идущих таймеров, близких к нарушению.",
    "risks.worse": "Ухудшаются период за периодом (периодов подряд): {items}",
    "risks.worse_item": "{metric} ({n})",
    "risks.no_worse": "Ни один показатель не ухудшался несколько периодов подряд.",
    "col.used": "Прошло",
    "col.due": "Срок",
    "s.quality": "Качество данных",
    "quality.fidelity": "Заявок с полной историей статусов: {history}; "
    "только из снимков: {snapshot}",
    "quality.snapshot_note": "паузы заявок из снимков восстановить нельзя",
    "quality.sources": "Источники: {sources}",
    "quality.rejected": "Отклонено строк при импорте: {n}; проблем импорта: {problems}",
    "quality.untargeted": "таймеров без норматива: {n}",
    "quality.vendor": "Система подрядчика и пересчёт, {clock}: расходятся {disagree} из "
    "{compared} (у подрядчика в срок, по пересчёту нарушено: {vm}; наоборот: {vb})",
    "quality.vendor_examples": "напр. {ids}",
    "quality.no_vendor": "В данных нет вердиктов SLA системы подрядчика для сравнения.",
    "kind.other": "прочее",
    "priority.none": "(нет)",
    "field.organization": "организация",
    "field.category": "категория",
    "field.service": "сервис",
    "field.group": "группа",
    "field.requester": "заявитель",
    "field.priority": "приоритет",
    "field.channel": "канал",
    "pseudonym.org": "Орг",
    "pseudonym.person": "Лицо",
    "join.and": " и ",
    "fmt.date": "%d.%m.%Y",
    "fmt.datetime": "%d.%m.%Y %H:%M",
    "fmt.decimal": ",",
    "fmt.thousands": NBSP,
    "fmt.percent": "{v}" + NBSP + "%",
    "dur.days": "{d}" + NBSP + "д {h}" + NBSP + "ч",
    "dur.hours": "{h}" + NBSP + "ч {m:02d}" + NBSP + "мин",
    "dur.whole_hours": "{h}" + NBSP + "ч",
    "dur.minutes": "{m}" + NBSP + "мин",
    "dur.seconds": "{s}" + NBSP + "с",
}

MESSAGES: dict[str, dict[str, str]] = {"en": EN, "ru": RU}
# Keys whose values are formats or symbols rather than words a reader sees as a label.
FORMAT_KEYS = frozenset(k for k in EN if k.startswith(("fmt.", "dur."))) | {"none"}


class Texts:
    """Labels and formats of one language; every string the report shows comes from here."""

    def __init__(self, lang: str):
        if lang not in MESSAGES:
            raise ValueError(f"unknown report language {lang!r}; use one of: {', '.join(MESSAGES)}")
        self.lang = lang
        self.messages = MESSAGES[lang]

    def __call__(self, key: str, /, **values: object) -> str:
        text = self.messages[key]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self.messages

    def integer(self, n: float | int) -> str:
        text = f"{int(round(n)):,}"
        return text.replace(",", self.messages["fmt.thousands"])

    def decimal(self, v: float, places: int) -> str:
        text = f"{v:,.{places}f}"
        sep, dec = self.messages["fmt.thousands"], self.messages["fmt.decimal"]
        return text.replace(",", "\0").replace(".", dec).replace("\0", sep)

    def percent(self, share: float | None, places: int = 1) -> str:
        if share is None or (isinstance(share, float) and math.isnan(share)):
            return self("none")
        return self("fmt.percent", v=self.decimal(share * 100, places))

    def date(self, t: dt.datetime | None, tz: str) -> str:
        if t is None:
            return self("none")
        return t.astimezone(ZoneInfo(tz)).strftime(self.messages["fmt.date"])

    def datetime(self, t: dt.datetime | None, tz: str) -> str:
        if t is None:
            return self("none")
        return t.astimezone(ZoneInfo(tz)).strftime(self.messages["fmt.datetime"])

    def duration(self, seconds: float | None) -> str:
        """Seconds as `3d 4h`, `26h`, `2h 05m` or `12m`: as precise as a reader needs."""
        if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
            return self("none")
        s = int(round(seconds))
        if s < 60:
            return self("dur.seconds", s=s)
        m = (s + 30) // 60
        if m < 60:
            return self("dur.minutes", m=m)
        h, m = divmod(m, 60)
        if h < 10 and m:
            return self("dur.hours", h=h, m=m)
        if h < 10:
            return self("dur.whole_hours", h=h)
        if h < 48:  # minutes are noise next to ten hours and more
            return self("dur.whole_hours", h=(s + 1800) // 3600)
        d, h = divmod(h, 24)
        return self("dur.days", d=self.integer(d), h=h)
