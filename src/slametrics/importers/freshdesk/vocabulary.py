"""Freshdesk's vocabulary: CSV headers, statuses, SLA verdict words, API enumeration codes."""

from __future__ import annotations

# Canonical field -> header labels, matched case- and whitespace-insensitively; the first label
# present wins. English labels are Freshdesk's own export code [V]; the Spanish and Russian ones
# follow the localized UI and are reconstructed [R] (formats.md §0): extend them when a real
# localized export disagrees.
CSV_ALIASES: dict[str, tuple[str, ...]] = {
    "ticket_id": (
        "Ticket ID",
        "ID del ticket",
        "ID de ticket",
        "ID заявки",
        "ID тикета",
        "Номер заявки",
    ),
    "subject": ("Subject", "Asunto", "Тема"),
    "status": ("Status", "Estado", "Статус"),
    "priority": ("Priority", "Prioridad", "Приоритет"),
    "channel": ("Source", "Fuente", "Origen", "Источник"),
    "type": ("Type", "Tipo", "Тип"),
    "assignee": ("Agent", "Agente", "Агент"),
    "group": ("Group", "Grupo", "Группа"),
    "created_at": ("Created time", "Hora de creación", "Fecha de creación", "Время создания"),
    "due_at": (
        "Due by Time",
        "Hora de vencimiento",
        "Fecha de vencimiento",
        "Vencimiento",
        "Срок выполнения",
        "Срок решения",
        "Срок",
    ),
    "resolved_at": ("Resolved time", "Hora de resolución", "Время решения"),
    "closed_at": ("Closed time", "Hora de cierre", "Время закрытия"),
    "updated_at": (
        "Last update time",
        "Last updated time",
        "Hora de la última actualización",
        "Última actualización",
        "Время последнего обновления",
    ),
    "first_response_at": (
        "Initial response time",
        "Hora de respuesta inicial",
        "Hora de la respuesta inicial",
        "Время первоначального ответа",
        "Время первого ответа",
    ),
    "first_response_business": (
        "First response time (in hrs)",
        "Tiempo de primera respuesta (en horas)",
        "Время первого ответа (в часах)",
    ),
    "resolution_business": (
        "Resolution time (in hrs)",
        "Tiempo de resolución (en horas)",
        "Время решения (в часах)",
    ),
    "time_tracked": ("Time tracked", "Tiempo registrado", "Учтённое время", "Учтенное время"),
    "agent_replies": ("Agent interactions", "Interacciones del agente", "Взаимодействия агента"),
    "customer_interactions": (
        "Customer interactions",
        "Interacciones del cliente",
        "Взаимодействия клиента",
    ),
    "vendor_resolution_met": ("Resolution status", "Estado de resolución", "Статус решения"),
    "vendor_first_response_met": (
        "First response status",
        "Estado de primera respuesta",
        "Estado de la primera respuesta",
        "Статус первого ответа",
    ),
    "tags": ("Tags", "Etiquetas", "Теги", "Метки"),
    "requester_name": ("Full name", "Requester Name", "Nombre completo", "Полное имя"),
    "requester_email": ("Email", "Requester Email", "Correo electrónico", "Электронная почта"),
    "organization": (
        "Company Name",
        "Company",
        "Nombre de la empresa",
        "Empresa",
        "Название компании",
        "Компания",
    ),
    "service": ("Product", "Producto", "Продукт"),
    "category": ("Category", "Categoría", "Категория"),
}


REQUIRED_CSV = ("ticket_id", "created_at")


# Columns only Freshdesk's export has; each one present raises the detection score.
DISTINCTIVE = (
    "due_at",
    "first_response_at",
    "first_response_business",
    "resolution_business",
    "agent_replies",
    "customer_interactions",
    "vendor_resolution_met",
    "vendor_first_response_met",
    "updated_at",
)


# Freshdesk's default and localized status names [R for the localized ones]; "Pending" is
# Freshdesk's "waiting on the customer" state (it stops the SLA timer by default).
STATUS_CLASSES: dict[str, str] = {
    "open": "open",
    "pending": "waiting_customer",
    "resolved": "resolved",
    "closed": "closed",
    "waiting on customer": "waiting_customer",
    "waiting on third party": "waiting_third_party",
    "abierto": "open",
    "abierta": "open",
    "pendiente": "waiting_customer",
    "resuelto": "resolved",
    "resuelta": "resolved",
    "cerrado": "closed",
    "cerrada": "closed",
    "esperando al cliente": "waiting_customer",
    "esperando respuesta del cliente": "waiting_customer",
    "en espera del cliente": "waiting_customer",
    "esperando a un tercero": "waiting_third_party",
    "esperando a terceros": "waiting_third_party",
    "en espera de terceros": "waiting_third_party",
    "открыт": "open",
    "открыта": "open",
    "открыто": "open",
    "в ожидании": "waiting_customer",
    "ожидает": "waiting_customer",
    "решен": "resolved",
    "решён": "resolved",
    "решено": "resolved",
    "решена": "resolved",
    "закрыт": "closed",
    "закрыто": "closed",
    "закрыта": "closed",
    "ожидание клиента": "waiting_customer",
    "ожидание ответа клиента": "waiting_customer",
    "ожидает ответа клиента": "waiting_customer",
    "ожидание третьей стороны": "waiting_third_party",
    "ожидание ответа третьей стороны": "waiting_third_party",
}


# "Within SLA" / "SLA Violated" as Freshdesk writes them (the Spanish export keeps them, lower-
# cased [C]); the Spanish and Russian wordings are guesses for translated exports [R].
VERDICTS: dict[str, str] = {
    "within sla": "true",
    "sla violated": "false",
    "dentro del sla": "true",
    "dentro de sla": "true",
    "sla incumplido": "false",
    "fuera del sla": "false",
    "sla infringido": "false",
    "в рамках sla": "true",
    "в пределах sla": "true",
    "sla соблюдено": "true",
    "sla нарушено": "false",
    "sla нарушен": "false",
    "нарушение sla": "false",
}


# API codes (formats.md §3b [V]; 4-6 and 8 are the older social/forum/mobihelp channels).
API_STATUS = {
    2: "Open",
    3: "Pending",
    4: "Resolved",
    5: "Closed",
    6: "Waiting on Customer",
    7: "Waiting on Third Party",
}


API_PRIORITY = {1: "Low", 2: "Medium", 3: "High", 4: "Urgent"}


API_SOURCE = {
    1: "Email",
    2: "Portal",
    3: "Phone",
    4: "Forum",
    5: "Twitter",
    6: "Facebook",
    7: "Chat",
    8: "Mobihelp",
    9: "Feedback Widget",
    10: "Outbound Email",
}


API_KEYS = ("fr_due_by", "fr_escalated", "nr_due_by", "nr_escalated", "responder_id")
